package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/examples/internal/pgtest"
	"github.com/vendorhooks/vendorhooks/examples/receiver/server"
)

// liveStream opens e's /live and returns a function reading the next
// delivery from it.
func liveStream(t *testing.T, ctx context.Context, e *env) func() (id int64, vendor string) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.srv.URL+"/live", nil)
	require.NoError(t, err)
	resp, err := e.srv.Client().Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	require.Equal(t, http.StatusOK, resp.StatusCode)
	lines := bufio.NewScanner(resp.Body)
	for lines.Scan() && lines.Text() != ": connected" {
	}
	return func() (int64, string) {
		t.Helper()
		for lines.Scan() {
			if d, ok := strings.CutPrefix(lines.Text(), "data: "); ok {
				var ev struct {
					ID     int64  `json:"id"`
					Vendor string `json:"vendor"`
				}
				require.NoError(t, json.Unmarshal([]byte(d), &ev), "%q", d)
				return ev.ID, ev.Vendor
			}
		}
		t.Fatalf("the stream ended: %v", lines.Err())
		return 0, ""
	}
}

// TestLiveAcrossReceivers: two receivers on one PostgreSQL database; a
// delivery stored by one reaches the other's live view (LISTEN/NOTIFY), and
// each receiver's own view shows its own deliveries once.
func TestLiveAcrossReceivers(t *testing.T) {
	dsn := pgtest.URL(t)
	a := newEnv(t, func(c *server.Config) { c.DBPath = dsn })
	b := newEnv(t, func(c *server.Config) { c.DBPath = dsn })
	deadline := time.Now().Add(10 * time.Second) // generous: listening starts at once
	for !server.Listening(b.s) || !server.Listening(a.s) {
		require.True(t, time.Now().Before(deadline), "the receivers never listened")
		time.Sleep(10 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second) // a bound for the whole test
	defer cancel()
	nextA, nextB := liveStream(t, ctx, a), liveStream(t, ctx, b)

	var ids []int64
	for n := 1; n <= 2; n++ {
		status, answer := a.do(t, mustRequest(t, "/eeg/", eegMessage(t, n)))
		require.Equal(t, http.StatusOK, status, answer)
		evs := a.events(t, "vendor=eeg")
		ids = append(ids, evs[len(evs)-1].ID)
	}
	for _, want := range ids {
		id, vendor := nextB()
		assert.Equal(t, want, id, "b sees a's delivery")
		assert.Equal(t, "eeg", vendor)
		id, _ = nextA()
		assert.Equal(t, want, id, "a sees its own delivery once")
	}
}
