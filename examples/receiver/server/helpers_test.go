package server_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/examples/receiver/server"
	"github.com/vendorhooks/vendorhooks/internal/golden"
)

// Keys the end-to-end tests configure.
const (
	sleepKey   = "test-sleep-key"
	signageKey = "test-signage-key"
	wmsSecret  = "test-wms-secret"
)

// testdata is the repository's golden directory, seen from this package.
var testdata = filepath.Join("..", "..", "..", "testdata")

// env is one receiver over a real database (a SQLite file, or PostgreSQL in
// a postgres case of server.ForBackends), served by httptest.
type env struct {
	s   *server.Server
	srv *httptest.Server
	cfg server.Config
}

func newEnv(t testing.TB, mutate ...func(*server.Config)) *env {
	t.Helper()
	dir := t.TempDir()
	cfg := server.Config{
		DBPath:         server.DBFor(t, dir),
		UploadsDir:     filepath.Join(dir, "uploads"),
		SleepAPIKeys:   []string{sleepKey},
		SignageAPIKeys: []string{signageKey},
		WMSSecrets:     []string{wmsSecret},
	}
	for _, m := range mutate {
		m(&cfg)
	}
	s, err := server.Open(context.Background(), cfg)
	require.NoError(t, err)
	srv := httptest.NewServer(s.Handler())
	// The server's client reads as the admin: it sends the token (to the
	// vendors' routes too, which ignore it).
	srv.Client().Transport = bearer{s.AdminToken(), srv.Client().Transport}
	t.Cleanup(func() {
		srv.Close()
		s.Close()
	})
	return &env{s: s, srv: srv, cfg: cfg}
}

// bearer is a RoundTripper that adds Authorization: Bearer token to every
// request that has no Authorization header.
type bearer struct {
	token string
	next  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get("Authorization") == "" {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+b.token)
	}
	return b.next.RoundTrip(r)
}

// do sends req to the receiver and returns the status and answer.
func (e *env) do(t testing.TB, req *http.Request) (int, string) {
	t.Helper()
	u := e.srv.URL + req.URL.RequestURI()
	r2, err := http.NewRequest(req.Method, u, req.Body)
	require.NoError(t, err)
	r2.Header = req.Header
	r2.ContentLength = req.ContentLength
	resp, err := e.srv.Client().Do(r2)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// events lists every stored event, oldest first.
func (e *env) events(t testing.TB, query string) []server.Event {
	t.Helper()
	var all []server.Event
	after := int64(0)
	for {
		var list server.EventList
		e.getJSON(t, fmt.Sprintf("/events?after_id=%d&limit=1000&%s", after, query), &list)
		if len(list.Events) == 0 {
			return all
		}
		all = append(all, list.Events...)
		after = list.LastID
	}
}

// event returns one stored event with its raw body.
func (e *env) event(t testing.TB, id int64) server.Event {
	t.Helper()
	var ev server.Event
	e.getJSON(t, fmt.Sprintf("/events/%d", id), &ev)
	return ev
}

func (e *env) getJSON(t testing.TB, target string, v any) {
	t.Helper()
	resp, err := e.srv.Client().Get(e.srv.URL + target)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, target)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(v))
}

// readInput returns the golden input testdata/VENDOR/NAME.in.
func readInput(t testing.TB, vendor, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdata, vendor, name+".in"))
	require.NoError(t, err)
	return b
}

// goldenCase is one golden input with its expectation.
type goldenCase struct {
	golden.Case
	// Want is the decoded value the .golden.json shows; nil when the case
	// expects an error.
	Want []byte
	// Warnings are the warnings the .golden.json lists beside the value
	// (golden.Warned), in the form the receiver stores them; empty for a
	// clean case.
	Warnings []string
}

// goldenCases returns the golden cases of vendor pkg.
func goldenCases(t *testing.T, pkg string) []goldenCase {
	t.Helper()
	dir := filepath.Join(testdata, pkg)
	var out []goldenCase
	for _, c := range golden.Cases(t, dir) {
		gc := goldenCase{Case: c}
		b, err := os.ReadFile(filepath.Join(dir, c.Name+golden.GoldenSuffix))
		if err == nil {
			gc.Want, gc.Warnings = splitWarned(t, b)
		} else if !os.IsNotExist(err) {
			t.Fatal(err)
		}
		out = append(out, gc)
	}
	return out
}

// splitWarned splits a golden file's content into the decoded value and its
// warnings: golden.Warned writes {"value": v, "warnings": [...]} for a value
// with warnings, and the value alone for a clean one. A golden warning whose
// path and offset are both unknown starts with a space there; the receiver
// stores it without.
func splitWarned(t testing.TB, b []byte) (value []byte, warnings []string) {
	t.Helper()
	var w map[string]json.RawMessage
	if json.Unmarshal(b, &w) != nil || len(w) != 2 || w["value"] == nil || w["warnings"] == nil {
		return b, []string{}
	}
	require.NoError(t, json.Unmarshal(w["warnings"], &warnings), "%s", b)
	for i, s := range warnings {
		warnings[i] = strings.TrimPrefix(s, " ")
	}
	return w["value"], warnings
}

// compact returns JSON without insignificant space, for comparison.
func compact(t testing.TB, b []byte) string {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(b, &v), "%s", b)
	out, err := json.Marshal(v)
	require.NoError(t, err)
	return string(out)
}

// storedRaw returns the raw body of a stored event from GET /events/{id}:
// its text, or its base64 form where it is not UTF-8.
func storedRaw(t testing.TB, ev server.Event) []byte {
	t.Helper()
	if ev.Raw != nil {
		assert.Empty(t, ev.RawBase64)
		return []byte(*ev.Raw)
	}
	b, err := base64.StdEncoding.DecodeString(ev.RawBase64)
	require.NoError(t, err)
	return b
}

// readCloser returns b as a request body.
func readCloser(b []byte) io.ReadCloser { return io.NopCloser(bytes.NewReader(b)) }

// assertReceived checks that a stored received_at is an RFC 3339 UTC instant
// between before (taken just before the request was sent) and now.
func assertReceived(t testing.TB, receivedAt string, before time.Time) {
	t.Helper()
	at, err := time.Parse(time.RFC3339Nano, receivedAt)
	require.NoError(t, err, "received_at %q", receivedAt)
	assert.Equal(t, time.UTC, at.Location(), "received_at %q is UTC", receivedAt)
	assert.False(t, at.Before(before), "received_at %s is before the request was sent (%s)", at, before)
	assert.False(t, at.After(time.Now()), "received_at %s is in the future", at)
}
