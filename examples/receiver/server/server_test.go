package server_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/examples/receiver/server"
	"github.com/vendorhooks/vendorhooks/labvanced/labvancedtest"
	"github.com/vendorhooks/vendorhooks/signage"
	"github.com/vendorhooks/vendorhooks/wms/wmstest"
)

func TestHealthz(t *testing.T) { server.ForBackends(t, testHealthz) }

func testHealthz(t *testing.T) {
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

// TestRequestLog checks the log lines of vendor requests: one per request
// (vendor, method, path, status, duration, and the vendor's reason for a
// refusal) and, before it, one per stored event (vendor, kind, session, event
// id, and duplicate for a repeat that was not stored again).
func TestRequestLog(t *testing.T) { server.ForBackends(t, testRequestLog) }

func testRequestLog(t *testing.T) {
	var out syncBuffer
	e := newEnv(t, func(c *server.Config) { c.Logger = slog.New(slog.NewJSONHandler(&out, nil)) })
	body, err := os.ReadFile(filepath.Join(testdata, "eeg", benchEEGCase+".in"))
	require.NoError(t, err)
	status, _ := e.do(t, mustRequest(t, "/eeg/", body))
	require.Equal(t, http.StatusOK, status)
	status, _ = e.do(t, mustRequest(t, "/sleep/", body)) // no key
	require.Equal(t, http.StatusUnauthorized, status)
	wmsBody, err := os.ReadFile(filepath.Join(testdata, "wms", "spec-body.in"))
	require.NoError(t, err)
	for range 2 {
		status, answer := e.do(t, wmstest.NewRequest(e.srv.URL+"/wms/", wmsBody, wmsSecret))
		require.Equal(t, http.StatusOK, status, answer)
	}

	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), l)
		lines = append(lines, m)
	}
	var msgs []string
	for _, l := range lines {
		msgs = append(msgs, l["msg"].(string)+" "+l["vendor"].(string))
	}
	require.Equal(t, []string{
		"stored eeg", "request eeg", "request sleep",
		"stored wms", "request wms", "stored wms", "request wms",
	}, msgs, out.String())

	stored, ok, refused := lines[0], lines[1], lines[2]
	assert.Equal(t, "bandpower", stored["kind"])
	assert.Equal(t, float64(1), stored["event_id"])
	assert.NotContains(t, stored, "duplicate")
	assert.NotContains(t, stored, "session", "Petal has no session")
	assert.Equal(t, float64(200), ok["status"])
	assert.Equal(t, "/eeg/", ok["path"])
	assert.Equal(t, "POST", ok["method"])
	assert.Contains(t, ok, "duration")
	assert.NotContains(t, ok, "answer", "a success's answer is not logged")
	assert.Equal(t, float64(401), refused["status"])
	assert.Equal(t, "WARN", refused["level"])
	assert.Contains(t, refused["answer"], "x-api-key")

	first, again := lines[3], lines[5]
	assert.Equal(t, first["event_id"], again["event_id"], "a repeat names the stored row")
	assert.NotContains(t, first, "duplicate")
	assert.Equal(t, true, again["duplicate"])
	assert.NotEmpty(t, first["session"])
	assert.Equal(t, float64(200), lines[6]["status"])
}

// signageRoute is where the receiver mounts the signage handler.
const signageRoute = "/signage" + signage.Path

// onceBody is a request body that can be read once. It counts the calls and
// bytes read, and a Read after it reported io.EOF fails the test.
type onceBody struct {
	t     testing.TB
	data  []byte
	off   int
	eof   bool
	reads int // calls of Read
}

func (b *onceBody) Read(p []byte) (int, error) {
	b.reads++
	if b.eof {
		b.t.Errorf("body read again after io.EOF (read %d times)", b.reads)
		return 0, errors.New("onceBody: second pass")
	}
	n := copy(p, b.data[b.off:])
	b.off += n
	if b.off == len(b.data) {
		b.eof = true
		return n, io.EOF
	}
	return n, nil
}

func (b *onceBody) Close() error { return nil }

// TestBodyReadOnce sends each vendor a request whose body can be read only
// once and checks that the event is stored with exactly the bytes sent: the
// receiver reads no body itself and stores what its vendor's handler read.
func TestBodyReadOnce(t *testing.T) { server.ForBackends(t, testBodyReadOnce) }

func testBodyReadOnce(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		vendor, path string
		body         []byte
		header       http.Header
	}{
		{"eeg", "/eeg/", readInput(t, "eeg", benchEEGCase), nil},
		{"sleep", "/sleep/", readInput(t, "sleep", "session_complete_v3"), http.Header{"X-Api-Key": {sleepKey}}},
		{"signage", signageRoute, []byte(`{"event_id": "show-menu"}`), http.Header{"X-Webhook-Apikey": {signageKey}}},
		{"labvanced", "/labvanced/recordTrial", readInput(t, "labvanced", "recordTrial.form"),
			http.Header{"Content-Type": {labvancedtest.FormContentType}}},
		{"wms", "/wms/", readInput(t, "wms", "spec-body"),
			http.Header{"X-Wms-Content-Mac": {wmstest.Sign(readInput(t, "wms", "spec-body"), wmsSecret)}}},
	} {
		t.Run(c.vendor, func(t *testing.T) {
			body := &onceBody{t: t, data: c.body}
			req := httptest.NewRequest(http.MethodPost, c.path, nil)
			req.Body, req.ContentLength = body, int64(len(c.body))
			if req.Header.Get("Content-Type") == "" {
				req.Header.Set("Content-Type", "application/json")
			}
			for k, v := range c.header {
				req.Header[k] = v
			}
			w := httptest.NewRecorder()
			e.s.Handler().ServeHTTP(w, req)
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			assert.Equal(t, len(c.body), body.off, "bytes read")
			evs := e.events(t, "vendor="+c.vendor)
			require.Len(t, evs, 1)
			got := e.event(t, evs[0].ID)
			require.NotNil(t, got.Raw)
			assert.Equal(t, string(c.body), *got.Raw, "stored byte for byte")
		})
	}
}

// peekBody is a request body that records whether it was read.
type peekBody struct {
	io.Reader
	read bool
}

func (b *peekBody) Read(p []byte) (int, error) {
	b.read = true
	return b.Reader.Read(p)
}

func (b *peekBody) Close() error { return nil }

// TestKeyCheckedBeforeBody checks that a request to a vendor whose key
// travels in a header is refused 401 without its body being read, when the
// key is missing or wrong.
func TestKeyCheckedBeforeBody(t *testing.T) { server.ForBackends(t, testKeyCheckedBeforeBody) }

func testKeyCheckedBeforeBody(t *testing.T) {
	e := newEnv(t)
	body, err := os.ReadFile(filepath.Join(testdata, "sleep", "session_complete_v3.in"))
	require.NoError(t, err)
	for _, c := range []struct {
		name, path, header, key string
	}{
		{"sleep/no key", "/sleep/", "", ""},
		{"sleep/wrong key", "/sleep/", "x-api-key", "wrong"},
		{"signage/no key", signageRoute, "", ""},
		{"signage/wrong key", signageRoute, "X-Webhook-Apikey", sleepKey},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := &peekBody{Reader: bytes.NewReader(body)}
			req := httptest.NewRequest(http.MethodPost, c.path, nil)
			req.Body, req.ContentLength = b, int64(len(body))
			req.Header.Set("Content-Type", "application/json")
			if c.header != "" {
				req.Header.Set(c.header, c.key)
			}
			w := httptest.NewRecorder()
			e.s.Handler().ServeHTTP(w, req)
			assert.Equal(t, http.StatusUnauthorized, w.Code, w.Body.String())
			assert.False(t, b.read, "the body of an unauthenticated request is not read")
		})
	}
	assert.Empty(t, e.events(t, ""))
}

// TestTooLarge checks that a body over the 1 MiB limit is answered 413 by the
// vendor's handler, in its own format, and not stored.
func TestTooLarge(t *testing.T) { server.ForBackends(t, testTooLarge) }

func testTooLarge(t *testing.T) {
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
func TestEventsFilters(t *testing.T) { server.ForBackends(t, testEventsFilters) }

func testEventsFilters(t *testing.T) {
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
	for i, s := range []struct{ route, session string }{
		{"recordStartTask", "5001"}, {"recordTrial", "5001"}, {"recordTrial", "5001"}, {"recordTrial", "5002"},
	} {
		p := labvancedtest.Payload(s.route)
		require.NotNil(t, p, s.route)
		p["expSessionNr"] = s.session
		if s.route == "recordTrial" {
			p["trialNr"] = i // two trials, not a retry of one
		}
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
