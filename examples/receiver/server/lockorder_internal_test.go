package server

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/examples/internal/pgtest"
)

// TestWMSLockOrder: two receivers on one PostgreSQL database commit, at the
// same time and many times over, batches that touch the same two WMS
// sessions in opposite orders. The writer locks a batch's sessions in
// (source, session) order, so neither waits for the other in a cycle:
// every write commits (a deadlock would fail one with PostgreSQL's
// deadlock_detected), and each session's verdicts are those of one tracker:
// every sequence number once, in order.
func TestWMSLockOrder(t *testing.T) {
	dsn := pgtest.URL(t)
	a := openTest(t, Config{DBPath: dsn})
	b := openTest(t, Config{DBPath: dsn})
	const rounds = 40
	var seq [2]int64 // the next sequence number of sessions "x" and "y"
	var mu sync.Mutex
	batchFor := func(order []string) []*write {
		mu.Lock()
		defer mu.Unlock()
		var batch []*write
		for _, session := range order {
			n := seq[session[0]-'x']
			seq[session[0]-'x']++
			batch = append(batch, &write{
				event: &eventRow{Vendor: "wms", Kind: "X", Session: session, Received: time.Now(),
					Raw: fmt.Appendf(nil, `{"s":%q,"n":%d}`, session, n), Dedup: digestOf(fmt.Sprintf("wms:%s/%d", session, n))},
				wms:  &wmsSeq{session: session, seq: n},
				done: make(chan writeResult, 1),
			})
		}
		return batch
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2*rounds*2)
	for i, s := range []*Server{a, b} {
		order := []string{"x", "y"}
		if i == 1 {
			order = []string{"y", "x"}
		}
		wg.Go(func() {
			for range rounds {
				batch := batchFor(order)
				s.w.commit(batch) // the writer's goroutine is idle: no request submits
				for _, wr := range batch {
					if res := <-wr.done; res.Err != nil {
						errs <- res.Err
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var verdicts map[string]int
	rows, err := a.db.Query("SELECT verdict, COUNT(*) FROM events WHERE vendor = 'wms' GROUP BY verdict")
	require.NoError(t, err)
	defer rows.Close()
	verdicts = map[string]int{}
	for rows.Next() {
		var v string
		var n int
		require.NoError(t, rows.Scan(&v, &n))
		verdicts[v] = n
	}
	require.NoError(t, rows.Err())
	// Numbers are taken in one order and committed in another, so a
	// session may see a gap later filled ("late"); none is a duplicate
	// and none is lost.
	total := 0
	for v, n := range verdicts {
		assert.NotContains(t, v, "duplicate")
		total += n
	}
	assert.Equal(t, 4*rounds, total, "every write stored: %v", verdicts)
}
