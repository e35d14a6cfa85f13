package server_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/examples/receiver/server"
)

func TestSleepGolden(t *testing.T) { server.ForBackends(t, testSleepGolden) }

func testSleepGolden(t *testing.T) {
	e := newEnv(t)
	runBodyGoldens(t, e, bodyVendor{
		name:   "sleep",
		path:   "/sleep/",
		okCode: http.StatusOK,
		prepare: func(req *http.Request, _ []byte) {
			req.Header.Set("x-api-key", sleepKey)
		},
		kind: func(t *testing.T, golden []byte) string {
			// A known event's golden names its kind in "event", an
			// Unknown's in "kind".
			var v struct{ Event, Kind string }
			require.NoError(t, json.Unmarshal(golden, &v))
			if v.Event != "" {
				return v.Event
			}
			return v.Kind
		},
		session: func(t *testing.T, golden []byte) string {
			var v struct {
				SessionID string `json:"session_id"`
			}
			require.NoError(t, json.Unmarshal(golden, &v))
			return v.SessionID
		},
	})
}

func TestSleepUnauthorized(t *testing.T) { server.ForBackends(t, testSleepUnauthorized) }

func testSleepUnauthorized(t *testing.T) {
	e := newEnv(t)
	body, err := os.ReadFile(filepath.Join(testdata, "sleep", "session_complete_v3.in"))
	require.NoError(t, err)
	unauthorized(t, e, "sleep", "/sleep/", body, func(r *http.Request) {})
	unauthorized(t, e, "sleep", "/sleep/", body, func(r *http.Request) { r.Header.Set("x-api-key", "wrong") })
	unauthorized(t, e, "sleep", "/sleep", body, func(r *http.Request) { r.Header.Set("x-api-key", signageKey) })
}
