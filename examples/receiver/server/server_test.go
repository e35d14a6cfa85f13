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
