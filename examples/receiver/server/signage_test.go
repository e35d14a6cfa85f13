package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/examples/receiver/server"
	"github.com/vendorhooks/vendorhooks/internal/golden"
	"github.com/vendorhooks/vendorhooks/signage"
	"github.com/vendorhooks/vendorhooks/signage/signagetest"
)

// TestSignageGolden sends every signage golden request to the receiver. The
// action-* cases are left out: they test the package's action table, which
// the receiver does not configure (it stores triggers as they come).
func TestSignageGolden(t *testing.T) { server.ForBackends(t, testSignageGolden) }

func testSignageGolden(t *testing.T) {
	e := newEnv(t, func(c *server.Config) { c.SignageAPIKeys = []string{"test-key", "rotated-key"} })
	stored := 0
	for _, c := range goldenCases(t, "signage") {
		if strings.HasPrefix(c.Name, "action-") {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			req, err := signagetest.ParseRequest(c.Data)
			require.NoError(t, err)
			body := []byte{}
			if req.Body != nil {
				body, err = io.ReadAll(req.Body)
				require.NoError(t, err)
			}
			req.URL.Path = "/signage/public-api/integration/webhooks"
			req.Body = readCloser(body)
			req.ContentLength = int64(len(body))
			before := time.Now()
			status, answer := e.do(t, req)
			if c.Want == nil {
				wantStatus := wantErrStatus(t, "signage", c.Name)
				assert.Equal(t, wantStatus, status, answer)
				assert.Len(t, e.events(t, "vendor=signage"), stored, "a refused trigger is not stored")
				return
			}
			require.Equal(t, http.StatusOK, status, answer)
			assert.JSONEq(t, `{"message":"success"}`, answer)
			stored++
			evs := e.events(t, "vendor=signage")
			require.Len(t, evs, stored)
			got := e.event(t, evs[len(evs)-1].ID)
			assert.Equal(t, "signage", got.Vendor)
			assert.Equal(t, "trigger", got.Kind)
			assert.Empty(t, got.Session)
			assertReceived(t, got.ReceivedAt, before)
			assert.Equal(t, compact(t, c.Want), compact(t, got.Event))
			assert.Equal(t, c.Warnings, got.Warnings)
			raw := storedRaw(t, got)
			if req.Method == http.MethodGet {
				// The raw body of a GET trigger is the payload JSON the
				// handler decoded from the query: the same trigger, no key.
				assert.NotContains(t, string(raw), "apiKey", "the key is not stored")
				assert.NotContains(t, string(raw), "test-key")
				assert.NotContains(t, string(raw), "rotated-key")
				tr, err := signage.DecodeBody(raw)
				require.NotErrorIs(t, err, signage.ErrMalformed, "raw %q", raw)
				b, err := json.Marshal(tr)
				require.NoError(t, err)
				assert.Equal(t, compact(t, c.Want), compact(t, b), "raw %q", raw)
			} else {
				assert.Equal(t, body, raw)
			}
		})
	}
	require.Positive(t, stored)
}

// wantErrStatus returns the status a handler golden .err file starts with.
func wantErrStatus(t *testing.T, pkg, name string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdata, pkg, name+golden.ErrSuffix))
	require.NoError(t, err)
	code, _, _ := strings.Cut(string(b), " ")
	n, err := strconv.Atoi(code)
	require.NoError(t, err, "%s.err does not start with a status: %s", name, b)
	return n
}
