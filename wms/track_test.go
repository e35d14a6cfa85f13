package wms_test

import (
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/wms"
)

// orders tracks seqs of one session and returns the order of each.
func orders(tr *wms.Tracker, id string, seqs ...int64) []wms.Order {
	out := make([]wms.Order, len(seqs))
	for i, s := range seqs {
		out[i] = tr.Track(id, s).Order
	}
	return out
}

func TestTrackerInOrder(t *testing.T) {
	tr := wms.NewTracker()
	assert.Equal(t, []wms.Order{wms.InOrder, wms.InOrder, wms.InOrder}, orders(tr, "a", 0, 1, 2))
	v := tr.Track("a", 3)
	assert.Equal(t, wms.Verdict{Order: wms.InOrder, Sequence: 3, Expected: 3}, v)
}

func TestTrackerDuplicate(t *testing.T) {
	tr := wms.NewTracker()
	assert.Equal(t, []wms.Order{wms.InOrder, wms.Duplicate, wms.InOrder, wms.Duplicate, wms.Duplicate},
		orders(tr, "a", 0, 0, 1, 0, 1))
}

func TestTrackerGap(t *testing.T) {
	tr := wms.NewTracker()
	orders(tr, "a", 0, 1)
	v := tr.Track("a", 5)
	assert.Equal(t, wms.Gap, v.Order)
	assert.Equal(t, int64(2), v.Expected)
	assert.Equal(t, wms.Range{First: 2, Count: 3}, v.Missing)
	assert.Equal(t, []int64{2, 3, 4}, v.Missing.Numbers(10))
	assert.Equal(t, []int64{2, 3}, v.Missing.Numbers(2))
	assert.Empty(t, v.Missing.Numbers(-1))
	assert.Empty(t, wms.Range{}.Numbers(5), "the zero Range is empty")
	assert.Equal(t, int64(4), v.Missing.Last())
	assert.Equal(t, wms.InOrder, tr.Track("a", 6).Order)

	// A session first seen past 0 is missing the numbers from 0.
	v = tr.Track("b", 2)
	assert.Equal(t, wms.Gap, v.Order)
	assert.Equal(t, []int64{0, 1}, v.Missing.Numbers(10))
	// A huge jump stays cheap.
	v = tr.Track("c", 1<<52)
	assert.Equal(t, int64(1<<52), v.Missing.Count)
	assert.Len(t, v.Missing.Numbers(3), 3)
}

func TestTrackerReordering(t *testing.T) {
	tr := wms.NewTracker()
	// 0, 3, 1, 2, 2, 4: 3 opens a gap of 1 and 2, which then arrive late once.
	assert.Equal(t,
		[]wms.Order{wms.InOrder, wms.Gap, wms.Late, wms.Late, wms.Duplicate, wms.InOrder, wms.Duplicate, wms.Duplicate},
		orders(tr, "a", 0, 3, 1, 2, 2, 4, 1, 3))
	// Filling the middle of a gap splits it.
	tr = wms.NewTracker()
	assert.Equal(t,
		[]wms.Order{wms.Gap, wms.Late, wms.Late, wms.Late, wms.Duplicate, wms.Late, wms.Duplicate},
		orders(tr, "b", 5, 2, 0, 4, 2, 1, 1))
	assert.Equal(t, []wms.Order{wms.Late, wms.InOrder}, orders(tr, "b", 3, 6))
}

func TestTrackerSessionsAreIndependent(t *testing.T) {
	tr := wms.NewTracker()
	assert.Equal(t, []wms.Order{wms.InOrder, wms.InOrder}, orders(tr, "a", 0, 1))
	assert.Equal(t, []wms.Order{wms.InOrder, wms.InOrder}, orders(tr, "b", 0, 1))
	assert.Equal(t, 2, tr.Len())
}

func TestTrackerRelease(t *testing.T) {
	tr := wms.NewTracker()
	orders(tr, "a", 0, 1)
	tr.Release("a", 1) // the handler's function failed on 1
	assert.Equal(t, wms.InOrder, tr.Track("a", 1).Order, "the retry is processed")

	orders(tr, "a", 2, 3)
	tr.Release("a", 2) // an older one failed while 3 went through
	assert.Equal(t, []wms.Order{wms.Late, wms.Duplicate}, orders(tr, "a", 2, 2))

	// A released gap-opener re-reports its gap on retry.
	tr.Track("a", 7)
	tr.Release("a", 7)
	v := tr.Track("a", 7)
	assert.Equal(t, wms.Gap, v.Order)
	assert.Equal(t, []int64{4, 5, 6}, v.Missing.Numbers(10))

	// Releasing numbers among missing ones keeps the runs in order; a
	// number still missing is not changed by a release.
	tr = wms.NewTracker()
	orders(tr, "r", 0, 10, 5, 3, 7, 20)
	tr.Release("r", 5)
	tr.Release("r", 1) // still missing
	tr.Release("r", 3)
	tr.Release("r", 7)
	assert.Equal(t, []wms.Order{wms.Late, wms.Late, wms.Late, wms.Late, wms.Late, wms.Duplicate, wms.Duplicate, wms.InOrder, wms.Duplicate},
		orders(tr, "r", 7, 3, 5, 1, 2, 10, 0, 21, 1))
	// A released number above every missing run joins the expected range
	// when the last number is released too.
	orders(tr, "s", 0, 5, 6) // 1-4 missing
	tr.Release("s", 5)
	tr.Release("s", 6)
	assert.Equal(t, []wms.Order{wms.InOrder, wms.InOrder, wms.Late}, orders(tr, "s", 5, 6, 2))

	tr = wms.NewTracker()
	orders(tr, "a", 0, 1, 2, 3, 7)
	tr.Release("a", 100)    // never seen: no effect
	tr.Release("nobody", 0) // unknown session: no effect
	assert.Equal(t, wms.InOrder, tr.Track("a", 8).Order)
}

func TestTrackerIdleExpiry(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tr := wms.NewTracker(wms.WithIdleTimeout(time.Minute), wms.WithClock(func() time.Time { return now }))
	orders(tr, "a", 0, 1)
	now = now.Add(30 * time.Second)
	orders(tr, "b", 0)
	now = now.Add(45 * time.Second) // a idle 75s, b idle 45s
	assert.Equal(t, 1, tr.Len())
	// a was forgotten: its retry of 1 is not recognised as a duplicate.
	v := tr.Track("a", 1)
	assert.Equal(t, wms.Gap, v.Order)
	assert.Equal(t, wms.Duplicate, tr.Track("b", 0).Order)
}

func TestTrackerMaxSessions(t *testing.T) {
	tr := wms.NewTracker(wms.WithMaxSessions(2))
	orders(tr, "a", 0)
	orders(tr, "b", 0)
	orders(tr, "a", 1) // a is now the most recent
	orders(tr, "c", 0) // evicts b
	assert.Equal(t, 2, tr.Len())
	assert.Equal(t, wms.Duplicate, tr.Track("a", 1).Order)
	assert.Equal(t, wms.InOrder, tr.Track("b", 0).Order, "b was forgotten")
}

func TestTrackerBoundedHoles(t *testing.T) {
	tr := wms.NewTracker()
	// 1000 gaps of one number each: more than a session remembers.
	for i := int64(0); i < 1000; i++ {
		require.Equal(t, wms.Gap, tr.Track("a", 2*i+1).Order)
	}
	// Every even number is missing; the oldest holes were trimmed, and a
	// trimmed number is reported late, never as a duplicate.
	for i := int64(0); i < 1000; i++ {
		assert.Equal(t, wms.Late, tr.Track("a", 2*i).Order, "seq %d", 2*i)
	}
	assert.Equal(t, wms.Duplicate, tr.Track("a", 1997).Order)
	assert.Equal(t, wms.Duplicate, tr.Track("a", 1998).Order)
	// The session remembers only the last 256 runs: an old number is not
	// remembered as seen (late again, never a duplicate), a recent one is.
	assert.Equal(t, wms.Late, tr.Track("a", 0).Order, "trimmed")
	assert.Equal(t, wms.Duplicate, tr.Track("a", 2*(1000-256)).Order, "within the last 256 runs")
	assert.Equal(t, wms.Late, tr.Track("a", 2*(1000-257)).Order, "just past the last 256 runs")
}

func TestTrackerConcurrent(t *testing.T) {
	tr := wms.NewTracker(wms.WithMaxSessions(50))
	const sessions, events = 8, 200
	var wg sync.WaitGroup
	counts := make([]map[wms.Order]int, sessions)
	for s := range sessions {
		counts[s] = map[wms.Order]int{}
		// Two goroutines deliver every event of a session once each, one
		// in order and one in reverse, so gaps, late and duplicate events
		// all occur.
		var mu sync.Mutex
		for g := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id := fmt.Sprint("s", s)
				for i := range int64(events) {
					if g == 1 {
						i = events - 1 - i
					}
					o := tr.Track(id, i).Order
					mu.Lock()
					counts[s][o]++
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	for s := range sessions {
		// Each number is first seen once (in order, gap or late) and seen
		// again once (duplicate), whatever the interleaving.
		assert.Equal(t, events, counts[s][wms.Duplicate], "session %d: %v", s, counts[s])
		assert.Equal(t, events, counts[s][wms.InOrder]+counts[s][wms.Gap]+counts[s][wms.Late], "session %d", s)
	}
	t.Logf("orders seen in session 0: %v", counts[0])
	assert.Equal(t, sessions, tr.Len())
}

func TestOrderString(t *testing.T) {
	assert.Equal(t, "in order", wms.InOrder.String())
	assert.Equal(t, "duplicate", wms.Duplicate.String())
	assert.Equal(t, "gap", wms.Gap.String())
	assert.Equal(t, "late", wms.Late.String())
	assert.Equal(t, "Order(0)", wms.Order(0).String())
}

// TestTrackerHugeNumbers checks that numbers at the ends of int64 cannot
// make the tracker's arithmetic wrap: a gap's count is never negative, and a
// number outside 0 ≤ n < 2^53 is reported Late, never Duplicate.
func TestTrackerHugeNumbers(t *testing.T) {
	const maxSeq = 1<<53 - 1
	tr := wms.NewTracker()
	for _, seq := range []int64{math.MaxInt64, math.MinInt64, -1, 1 << 53} {
		v := tr.Track("a", seq)
		assert.Equal(t, wms.Late, v.Order, "%d", seq)
		assert.Zero(t, v.Missing.Count)
	}
	assert.Equal(t, wms.InOrder, tr.Track("a", 0).Order, "nothing was recorded")
	v := tr.Track("a", maxSeq)
	assert.Equal(t, wms.Gap, v.Order)
	assert.Equal(t, wms.Range{First: 1, Count: maxSeq - 1}, v.Missing)
	assert.Equal(t, int64(maxSeq-1), v.Missing.Last())
	assert.Equal(t, wms.Duplicate, tr.Track("a", maxSeq).Order)
	v = tr.Track("a", math.MaxInt64)
	assert.Equal(t, wms.Late, v.Order, "past the last number: not recorded, no wrap")
	assert.Equal(t, int64(maxSeq+1), v.Expected)
	assert.Equal(t, wms.Late, tr.Track("a", 5).Order, "a missing number")
	tr.Release("a", math.MaxInt64)
	tr.Release("a", math.MinInt64)
	assert.Equal(t, wms.Duplicate, tr.Track("a", maxSeq).Order, "releasing huge numbers changes nothing")

	for _, seq := range []int64{maxSeq, maxSeq / 2, 1 << 40, maxSeq - 1, 0, 1} {
		v := tr.Track("b", seq)
		assert.GreaterOrEqual(t, v.Missing.Count, int64(0), "%d", seq)
		assert.GreaterOrEqual(t, v.Missing.Last(), v.Missing.First-1)
	}
}
