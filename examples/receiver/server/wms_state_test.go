package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/examples/receiver/server"
	"github.com/vendorhooks/vendorhooks/wms"
	"github.com/vendorhooks/vendorhooks/wms/wmstest"
)

// sendWMS posts event seq of session to path ("/wms/", "/wms/<source>/"),
// signed, and requires a 200.
func sendWMS(t *testing.T, e *env, path, session string, seq int64) {
	t.Helper()
	body := fmt.Appendf(nil, `{"timestamp":1689684577,"sessionId":%q,"sequence":%d,"event":"WMS_LOADED","severity":"INFO"}`, session, seq)
	status, answer := e.do(t, wmstest.NewRequest(e.srv.URL+path, body, wmsSecret))
	require.Equal(t, http.StatusOK, status, answer)
}

// storedVerdicts lists the stored "sequence verdict" of the events query
// selects, oldest first.
func storedVerdicts(t *testing.T, e *env, query string) []string {
	t.Helper()
	var got []string
	for _, ev := range e.events(t, query) {
		var v struct{ Sequence int64 }
		require.NoError(t, json.Unmarshal(ev.Event, &v))
		got = append(got, fmt.Sprintf("%d %s", v.Sequence, ev.Verdict))
	}
	return got
}

// openEnv opens a receiver on cfg, closed at the end of the test (or by
// close, which may be called once before).
func openEnv(t *testing.T, cfg server.Config) (e *env, close func()) {
	t.Helper()
	s, err := server.Open(context.Background(), cfg)
	require.NoError(t, err)
	srv := httptest.NewServer(s.Handler())
	srv.Client().Transport = bearer{s.AdminToken(), srv.Client().Transport}
	closed := false
	close = func() {
		if !closed {
			closed = true
			srv.Close()
			require.NoError(t, s.Close())
		}
	}
	t.Cleanup(close)
	return &env{s: s, srv: srv, cfg: cfg}, close
}

// TestWMSVerdictsSurviveRestart: a session's sequence state is in the
// database, so the first event after a restart is in order, not a false gap,
// and a number missing before the restart is late after it.
func TestWMSVerdictsSurviveRestart(t *testing.T) {
	server.ForBackends(t, testWMSVerdictsSurviveRestart)
}

func testWMSVerdictsSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	cfg := server.Config{
		DBPath:     server.DBFor(t, dir), // one database: each openEnv below reopens it
		UploadsDir: filepath.Join(dir, "uploads"),
		WMSSecrets: []string{wmsSecret},
	}
	e, closeEnv := openEnv(t, cfg)
	for seq := range int64(5) {
		sendWMS(t, e, "/wms/", "restart", seq)
	}
	closeEnv()

	var logs lockedBuffer
	logged := cfg
	logged.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	e, closeEnv = openEnv(t, logged)
	sendWMS(t, e, "/wms/", "restart", 5)
	assert.Contains(t, logs.String(), `"msg":"stored","vendor":"wms"`)
	assert.Contains(t, logs.String(), `"verdict":"in order"`, "the logged verdict is the stored one")
	sendWMS(t, e, "/wms/", "restart", 8)
	closeEnv()

	e, _ = openEnv(t, cfg)
	sendWMS(t, e, "/wms/", "restart", 6)
	sendWMS(t, e, "/wms/", "restart", 9)
	assert.Equal(t, []string{
		"0 in order", "1 in order", "2 in order", "3 in order", "4 in order",
		"5 in order", "8 gap (missing 6..7)", "6 late", "9 in order",
	}, storedVerdicts(t, e, "session=restart"))
}

// TestWMSDeleteForgetsSession: DELETE /sessions/wms/{session} removes the
// session's sequence state with its events, so the session sent again
// starts over in order (not judged late against the deleted numbers),
// while another session's state stays.
func TestWMSDeleteForgetsSession(t *testing.T) { server.ForBackends(t, testWMSDeleteForgetsSession) }

func testWMSDeleteForgetsSession(t *testing.T) {
	e := newEnv(t)
	for seq := range int64(3) {
		sendWMS(t, e, "/wms/", "gone", seq)
		sendWMS(t, e, "/wms/", "kept", seq)
	}
	req, err := http.NewRequest(http.MethodDelete, e.srv.URL+"/sessions/wms/gone", nil)
	require.NoError(t, err)
	status, answer := e.do(t, req)
	require.Equal(t, http.StatusOK, status, answer)
	// The deleted events again: each is a new delivery (its dedup key
	// went with its row).
	sendWMS(t, e, "/wms/", "gone", 0)
	sendWMS(t, e, "/wms/", "gone", 1)
	sendWMS(t, e, "/wms/", "kept", 4)
	assert.Equal(t, []string{"0 in order", "1 in order"}, storedVerdicts(t, e, "session=gone"),
		"the deleted session starts over")
	assert.Equal(t, []string{"0 in order", "1 in order", "2 in order", "4 gap (missing 3..3)"}, storedVerdicts(t, e, "session=kept"))
}

// TestWMSVerdictsMatchTracker: the stored verdicts are those of one
// wms.Tracker over the same events, through gaps, late arrivals, repeats
// (stored once: the repeat has the first one's idempotency key) and more
// runs of missing numbers than a session remembers (256).
func TestWMSVerdictsMatchTracker(t *testing.T) { server.ForBackends(t, testWMSVerdictsMatchTracker) }

func testWMSVerdictsMatchTracker(t *testing.T) {
	seqs := []int64{0, 1, 1, 4, 2, 4, 3, 3, 10, 7, 12, 5, 11, 6, 8, 9, 9, 13, 20, 15, 14, 21, 0}
	// 300 runs of one missing number, then numbers from a trimmed run, a
	// kept run, and a repeat.
	for n := int64(0); n < 300; n++ {
		seqs = append(seqs, 100+2*n)
	}
	seqs = append(seqs, 101, 99, 697, 697, 695, 698, 50)

	e := newEnv(t)
	tr := wms.NewTracker()
	var want []string
	seen := map[int64]bool{}
	for _, seq := range seqs {
		sendWMS(t, e, "/wms/", "table", seq)
		v := tr.Track("table", seq)
		if seen[seq] {
			// The same kind, session and number: a duplicate
			// delivery, not stored again.
			require.Equal(t, wms.Duplicate, v.Order, "sequence %d", seq)
			continue
		}
		seen[seq] = true
		text := v.Order.String()
		if v.Order == wms.Gap {
			text = fmt.Sprintf("gap (missing %d..%d)", v.Missing.First, v.Missing.Last())
		}
		want = append(want, fmt.Sprintf("%d %s", seq, text))
	}
	got := storedVerdicts(t, e, "session=table")
	assert.Equal(t, want, got)
	// The table exercises every verdict.
	assert.Contains(t, got, "101 late", "a number of a trimmed run")
	assert.Contains(t, got, "697 late", "a number of a kept run")
	assert.Contains(t, got, "4 gap (missing 2..3)")
}

// TestWMSVerdictsPerSource: two sources may use the same session id; each
// has its own sequence state.
func TestWMSVerdictsPerSource(t *testing.T) { server.ForBackends(t, testWMSVerdictsPerSource) }

func testWMSVerdictsPerSource(t *testing.T) {
	e := newEnv(t)
	sendWMS(t, e, "/wms/a/", "shared", 0)
	sendWMS(t, e, "/wms/a/", "shared", 1)
	sendWMS(t, e, "/wms/b/", "shared", 0)
	sendWMS(t, e, "/wms/a/", "shared", 2)
	sendWMS(t, e, "/wms/b/", "shared", 1)
	sendWMS(t, e, "/wms/", "shared", 3)
	sendWMS(t, e, "/wms/b/", "shared", 5)
	assert.Equal(t, []string{"0 in order", "1 in order", "2 in order"}, storedVerdicts(t, e, "source=a"))
	assert.Equal(t, []string{"0 in order", "1 in order", "5 gap (missing 2..4)"}, storedVerdicts(t, e, "source=b"))
	var none []string
	for _, ev := range e.events(t, "session=shared") {
		if ev.Source == "" {
			none = append(none, ev.Verdict)
		}
	}
	assert.Equal(t, []string{"gap (missing 0..2)"}, none, "the mount without a source is one more")
}

// TestWMSVerdictsConcurrent: concurrent events of one session get the
// verdicts one tracker gives them in the order they were committed (row id
// order).
func TestWMSVerdictsConcurrent(t *testing.T) { server.ForBackends(t, testWMSVerdictsConcurrent) }

func testWMSVerdictsConcurrent(t *testing.T) {
	e := newEnv(t)
	var wg sync.WaitGroup
	for seq := range int64(40) {
		wg.Go(func() {
			body := fmt.Appendf(nil, `{"timestamp":1689684577,"sessionId":"concurrent","sequence":%d,"event":"WMS_LOADED","severity":"INFO"}`, seq)
			req := wmstest.NewRequest(e.srv.URL+"/wms/", body, wmsSecret)
			req.RequestURI = "" // a server's request, made a client's
			resp, err := e.srv.Client().Do(req)
			if assert.NoError(t, err) {
				resp.Body.Close()
				assert.Equal(t, http.StatusOK, resp.StatusCode)
			}
		})
	}
	wg.Wait()
	tr := wms.NewTracker()
	evs := e.events(t, "session=concurrent")
	require.Len(t, evs, 40)
	for _, ev := range evs {
		var v struct{ Sequence int64 }
		require.NoError(t, json.Unmarshal(ev.Event, &v))
		want := tr.Track("concurrent", v.Sequence)
		text := want.Order.String()
		if want.Order == wms.Gap {
			text = fmt.Sprintf("gap (missing %d..%d)", want.Missing.First, want.Missing.Last())
		}
		assert.Equal(t, text, ev.Verdict, "sequence %d (row %d)", v.Sequence, ev.ID)
	}
}

// lockedBuffer is a bytes.Buffer safe for the server's goroutines and the
// test's.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
