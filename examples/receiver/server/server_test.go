package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/examples/receiver/server"
	"github.com/vendorhooks/vendorhooks/labvanced/labvancedtest"
)

func TestHealthz(t *testing.T) {
	e := newEnv(t)
	var h struct {
		Status  string
		Vendors []string
	}
	e.getJSON(t, "/healthz", &h)
	assert.Equal(t, "ok", h.Status)
	assert.Equal(t, []string{"eeg", "sleep", "signage", "labvanced", "wms"}, h.Vendors)
	assert.Equal(t, h.Vendors, e.s.Vendors())
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestRequestLog checks the one log line per vendor request: vendor, kind,
// status and duration, and the vendor's reason for a refusal.
func TestRequestLog(t *testing.T) {
	var out syncBuffer
	e := newEnv(t, func(c *server.Config) { c.Logger = slog.New(slog.NewJSONHandler(&out, nil)) })
	body, err := os.ReadFile(filepath.Join(testdata, "eeg", benchEEGCase+".in"))
	require.NoError(t, err)
	status, _ := e.do(t, mustRequest(t, "/eeg/", body))
	require.Equal(t, http.StatusOK, status)
	status, _ = e.do(t, mustRequest(t, "/sleep/", body)) // no key
	require.Equal(t, http.StatusUnauthorized, status)

	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), l)
		lines = append(lines, m)
	}
	require.Len(t, lines, 2, out.String())
	ok, refused := lines[0], lines[1]
	assert.Equal(t, "eeg", ok["vendor"])
	assert.Equal(t, "bandpower", ok["kind"])
	assert.Equal(t, float64(200), ok["status"])
	assert.Equal(t, "/eeg/", ok["path"])
	assert.Contains(t, ok, "duration")
	assert.Equal(t, float64(1), ok["event_id"])
	assert.Equal(t, "sleep", refused["vendor"])
	assert.Equal(t, float64(401), refused["status"])
	assert.Equal(t, "WARN", refused["level"])
	assert.Contains(t, refused["answer"], "x-api-key")
}

// TestTooLarge checks that a body over the 1 MiB limit is answered 413 by the
// vendor's handler, in its own format, and not stored.
func TestTooLarge(t *testing.T) {
	e := newEnv(t)
	big := append([]byte(`{"event": "INFERENCE_COMPLETE", "pad": "`), bytes.Repeat([]byte("x"), 1<<20)...)
	big = append(big, `"}`...)
	req := mustRequest(t, "/sleep/", big)
	req.Header.Set("x-api-key", sleepKey)
	status, answer := e.do(t, req)
	assert.Equal(t, http.StatusRequestEntityTooLarge, status, answer)
	status, answer = e.do(t, mustRequest(t, "/eeg/", big))
	assert.Equal(t, http.StatusRequestEntityTooLarge, status, answer)

	// Sent chunked, the size shows only while reading.
	chunked := mustRequest(t, "/eeg/", nil)
	chunked.Body = io.NopCloser(io.MultiReader(bytes.NewReader(big)))
	chunked.ContentLength = -1
	status, answer = e.do(t, chunked)
	assert.Equal(t, http.StatusRequestEntityTooLarge, status, answer)
	assert.Empty(t, e.events(t, ""))
}

// TestEventsFilters stores events of several vendors, kinds and sessions and
// checks that each filter of GET /events (vendor, kind, session, and their
// combination) selects exactly the matching rows.
func TestEventsFilters(t *testing.T) {
	e := newEnv(t)
	eegBody, err := os.ReadFile(filepath.Join(testdata, "eeg", benchEEGCase+".in"))
	require.NoError(t, err)
	status, answer := e.do(t, mustRequest(t, "/eeg/", eegBody))
	require.Equal(t, http.StatusOK, status, answer)
	sleepBody, err := os.ReadFile(filepath.Join(testdata, "sleep", "session_complete_v3.in"))
	require.NoError(t, err)
	req := mustRequest(t, "/sleep/", sleepBody)
	req.Header.Set("x-api-key", sleepKey)
	status, answer = e.do(t, req)
	require.Equal(t, http.StatusOK, status, answer)
	for _, s := range []struct{ route, session string }{
		{"recordStartTask", "5001"}, {"recordTrial", "5001"}, {"recordTrial", "5001"}, {"recordTrial", "5002"},
	} {
		p := labvancedtest.Payload(s.route)
		require.NotNil(t, p, s.route)
		p["expSessionNr"] = s.session
		req := labvancedtest.NewFormRequest(e.srv.URL+"/labvanced/"+s.route, p)
		req.RequestURI = ""
		resp, err := e.srv.Client().Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, s.route)
	}

	type row struct{ Vendor, Kind, Session string }
	list := func(query string) []row {
		var out []row
		for _, ev := range e.events(t, query) {
			out = append(out, row{ev.Vendor, ev.Kind, ev.Session})
		}
		return out
	}
	trial := row{"labvanced", "recordTrial", "5001"}
	assert.Len(t, list(""), 6)
	assert.Equal(t, []row{{"eeg", "bandpower", ""}}, list("vendor=eeg"))
	assert.Equal(t, []row{{"sleep", "SESSION_COMPLETE", "20250115025029_fvivn"}}, list("vendor=sleep"))
	assert.Equal(t, []row{trial, trial, {"labvanced", "recordTrial", "5002"}}, list("kind=recordTrial"))
	assert.Equal(t, []row{{"labvanced", "recordStartTask", "5001"}, trial, trial}, list("session=5001"))
	assert.Equal(t, []row{trial, trial}, list("vendor=labvanced&kind=recordTrial&session=5001"))
	assert.Empty(t, list("vendor=eeg&kind=recordTrial"))
}
