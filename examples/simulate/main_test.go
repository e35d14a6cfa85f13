package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/examples/receiver/server"

	_ "github.com/vendorhooks/vendorhooks/internal/golden" // every test binary must accept -update
)

// acceptAll answers 200 to everything, with a body every answer check of the
// simulator accepts: a receiver that validates nothing.
func acceptAll(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Access-Control-Allow-Origin", "*")
		_, _ = io.WriteString(w, `{"success":true,"message":"success","file_guid":"g","file_name":"f"}`)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func runArgs(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-nosuchflag"},
		{"-faults", "meteor"},
		{"extra"},
		{"-vendor", "fax", "-quiet"},
		{"-vendor", "sleep", "-sleep-key", "k", "-sleep-version", "V9", "-quiet"},
	} {
		code, _, stderr := runArgs(args...)
		assert.Equal(t, 2, code, "%v: %s", args, stderr)
		assert.NotEmpty(t, stderr, args)
	}
}

// -h exits 0 and never prints a key from the environment.
func TestHelpHidesKeys(t *testing.T) {
	t.Setenv("VENDORHOOKS_WMS_SECRETS", "top-secret")
	code, _, stderr := runArgs("-h")
	assert.Equal(t, 0, code)
	assert.Contains(t, stderr, "-wms-secret")
	assert.NotContains(t, stderr, "top-secret")
}

func TestCleanRunExitsZero(t *testing.T) {
	srv := acceptAll(t)
	code, stdout, stderr := runArgs("-url", srv.URL, "-vendor", "eeg,labvanced", "-rate", "0", "-quiet", "-eeg-messages", "12")
	assert.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "p95")
	assert.Contains(t, stdout, "labvanced")
	assert.Contains(t, stdout, "ok: every request got the answer it should have")
}

// A receiver that accepts truncated bodies fails the run.
func TestBrokenReceiverExitsOne(t *testing.T) {
	srv := acceptAll(t)
	code, stdout, _ := runArgs("-url", srv.URL, "-vendor", "eeg", "-rate", "0", "-quiet",
		"-faults", "truncate", "-fault-rate", "1", "-eeg-messages", "5", "-sessions", "1")
	assert.Equal(t, 1, code)
	assert.Contains(t, stdout, "FAIL: 5 requests")
	assert.Contains(t, stdout, "truncate  5         5           200×5")
	assert.Contains(t, stdout, "(fault truncate): want failure, got 200")
}

// Keys come from the receiver's environment variables: the first of the list.
func TestKeysFromEnvironment(t *testing.T) {
	t.Setenv("VENDORHOOKS_WMS_SECRETS", "first-secret, second-secret")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		m := hmac.New(sha256.New, []byte("first-secret"))
		m.Write(body)
		if r.URL.Path != "/custom/wms" || r.Header.Get("X-WMS-Content-MAC") != "hmac-sha256="+hex.EncodeToString(m.Sum(nil)) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	code, stdout, stderr := runArgs("-url", srv.URL, "-vendor", "wms", "-wms-path", "/custom/wms", "-rate", "0", "-quiet")
	assert.Equal(t, 0, code, stdout+stderr)

	t.Setenv("VENDORHOOKS_WMS_SECRETS", "")
	code, stdout, stderr = runArgs("-url", srv.URL, "-vendor", "wms", "-quiet", "-db", filepath.Join(t.TempDir(), "none.db"))
	assert.Equal(t, 2, code)
	assert.Contains(t, stdout, "skipped wms: no key configured: set VENDORHOOKS_WMS_SECRETS or -wms-secret")
	assert.Contains(t, stderr, "could not run")
}

// With no key in flags or environment, the keys the receiver generated in its
// database are used, so `go run ./examples/receiver` and
// `go run ./examples/simulate -vendor all` work together with no setup.
func TestKeysFromReceiverDatabase(t *testing.T) {
	for _, env := range []string{"VENDORHOOKS_SLEEP_API_KEYS", "VENDORHOOKS_SIGNAGE_API_KEYS", "VENDORHOOKS_WMS_SECRETS", "VENDORHOOKS_ADMIN_TOKEN"} {
		t.Setenv(env, "")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "vendorhooks.db")
	s, err := server.Open(context.Background(), server.Config{DBPath: db, UploadsDir: filepath.Join(dir, "uploads")})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	require.Equal(t, []string{"sleep", "signage", "wms"}, s.Keys().Generated)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)

	code, stdout, stderr := runArgs("-url", srv.URL, "-vendor", "sleep,signage,wms", "-rate", "0", "-quiet",
		"-sessions", "1", "-sleep-windows", "2", "-db", db)
	assert.Equal(t, 0, code, stdout+stderr)
	assert.NotContains(t, stdout, "skipped")
	assert.Contains(t, stdout, "ok: every request got the answer it should have")
	assert.Contains(t, stderr, "sleep, signage, wms, admin keys: the ones the receiver generated in "+db)
	assert.Regexp(t, `newest stored event: #\d+ (sleep|signage|wms) `, stderr, "read back with the generated admin token")

	code, _, stderr = runArgs("-url", srv.URL, "-vendor", "wms", "-rate", "0", "-quiet", "-sessions", "1", "-db", db,
		"-admin-token", "wrong")
	assert.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, "GET /events answered 401", "a wrong token is said so")
}
