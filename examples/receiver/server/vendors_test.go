package server_test

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// bodyVendor describes a vendor whose golden inputs are request bodies.
type bodyVendor struct {
	name    string // vendor and testdata directory
	path    string // where the receiver mounts it
	okCode  int    // status of an accepted event
	prepare func(req *http.Request, body []byte)
	// session returns the session key expected for an accepted golden
	// event, from its golden JSON.
	session func(t *testing.T, golden []byte) string
	// kind returns the kind expected for an accepted golden event.
	kind func(t *testing.T, golden []byte) string
}

// runBodyGoldens posts every golden input of v to the receiver: a case with
// a .golden.json must be answered 2xx and stored once, with its decoded
// value, raw body, kind and session; a case with a .err must be answered 4xx
// and not stored.
func runBodyGoldens(t *testing.T, e *env, v bodyVendor) {
	stored := len(e.events(t, "vendor="+v.name))
	accepted := 0
	for _, c := range goldenCases(t, v.name) {
		t.Run(c.Name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, v.path, bytes.NewReader(c.Data))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/json")
			v.prepare(req, c.Data)
			before := time.Now()
			status, answer := e.do(t, req)
			if c.Want == nil {
				assert.GreaterOrEqual(t, status, 400, answer)
				assert.Less(t, status, 500, answer)
				assert.Len(t, e.events(t, "vendor="+v.name), stored, "a refused event is not stored")
				return
			}
			require.Equal(t, v.okCode, status, answer)
			stored++
			accepted++
			evs := e.events(t, "vendor="+v.name)
			require.Len(t, evs, stored)
			got := e.event(t, evs[len(evs)-1].ID)
			assert.Equal(t, v.name, got.Vendor)
			assert.Equal(t, v.kind(t, c.Want), got.Kind)
			assert.Equal(t, v.session(t, c.Want), got.Session)
			assertReceived(t, got.ReceivedAt, before)
			assert.Equal(t, compact(t, c.Want), compact(t, got.Event))
			assert.Equal(t, c.Warnings, got.Warnings)
			assert.Equal(t, c.Data, storedRaw(t, got), "raw body byte for byte")
		})
	}
	require.Positive(t, accepted, "no golden case of %s was accepted", v.name)
}

// unauthorized sends body to path with a request prepare spoils, and checks
// that the answer is 401 and nothing is stored.
func unauthorized(t *testing.T, e *env, vendor, path string, body []byte, spoil func(*http.Request)) {
	t.Helper()
	before := len(e.events(t, "vendor="+vendor))
	req, err := http.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	spoil(req)
	status, answer := e.do(t, req)
	assert.Equal(t, http.StatusUnauthorized, status, answer)
	assert.Len(t, e.events(t, "vendor="+vendor), before, "an unauthenticated event is not stored")
}
