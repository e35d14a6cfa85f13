package server_test

import (
	"context"
	"io"
	"io/fs"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/examples/receiver/server"
	"github.com/vendorhooks/vendorhooks/labvanced"
	"github.com/vendorhooks/vendorhooks/labvanced/labvancedtest"
)

// readRoutes are the read routes every part of the receiver mounts behind
// the admin token; each answers 200 to the admin once an event is stored.
var readRoutes = []string{"/events", "/events/1", "/events?vendor=eeg"}

// get sends a GET of target to e with the headers h (name, value pairs) over
// a client that sends no token of its own and follows no redirect.
func (e *env) get(t *testing.T, client *http.Client, target string, h ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.srv.URL+target, nil)
	require.NoError(t, err)
	for i := 0; i+1 < len(h); i += 2 {
		if h[i] == "Host" {
			req.Host = h[i+1]
			continue
		}
		req.Header.Set(h[i], h[i+1])
	}
	if client == nil {
		client = noRedirect(nil)
	}
	resp, err := client.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func noRedirect(jar http.CookieJar) *http.Client {
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

// TestReadsNeedToken checks that every read is 401 without the admin token
// (or with another), 200 with it as a bearer token, and that /healthz and the
// vendors' routes need none.
func TestReadsNeedToken(t *testing.T) { server.ForBackends(t, testReadsNeedToken) }

func testReadsNeedToken(t *testing.T) {
	e := newEnv(t)
	status, answer := e.do(t, mustRequest(t, "/eeg/", readInput(t, "eeg", benchEEGCase)))
	require.Equal(t, http.StatusOK, status, answer)
	token := e.s.AdminToken()
	require.NotEmpty(t, token)

	for _, target := range readRoutes {
		resp := e.get(t, nil, target)
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "%s without a token", target)
		assert.Contains(t, resp.Header.Get("WWW-Authenticate"), "Bearer", target)
		assert.NotContains(t, body(t, resp), `"events"`, target)

		for _, wrong := range []string{"Bearer " + token + "x", "Bearer " + token[:len(token)-1], "Basic " + token, token} {
			resp = e.get(t, nil, target, "Authorization", wrong)
			assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "%s with Authorization %q", target, wrong)
		}
		resp = e.get(t, nil, target, "Cookie", server.TokenCookie+"=nope")
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "%s with a wrong cookie", target)

		resp = e.get(t, nil, target, "Authorization", "Bearer "+token)
		assert.Equal(t, http.StatusOK, resp.StatusCode, "%s with the token", target)
		resp = e.get(t, nil, target, "Authorization", "bearer "+token)
		assert.Equal(t, http.StatusOK, resp.StatusCode, "%s: the scheme is case-insensitive", target)
	}
	resp := e.get(t, nil, "/healthz")
	assert.Equal(t, http.StatusOK, resp.StatusCode, "/healthz stays open")
}

// TestSignInCookie opens a read URL with ?token= once, as the printed sign-in
// URL does: the answer sets an HttpOnly, SameSite=Strict cookie and redirects
// to the URL without the token, and the cookie alone then reads. A browser
// without it, or with a wrong ?token=, gets the sign-in page.
func TestSignInCookie(t *testing.T) { server.ForBackends(t, testSignInCookie) }

func testSignInCookie(t *testing.T) {
	e := newEnv(t)
	token := e.s.AdminToken()

	resp := e.get(t, nil, "/events?vendor=eeg", "Accept", "text/html,application/xhtml+xml")
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("Content-Type"), "text/html")
	page := body(t, resp)
	assert.Contains(t, page, `name="token"`, "the sign-in page asks for the token")
	assert.NotContains(t, page, `id="wrong"`)

	resp = e.get(t, nil, "/events?vendor=eeg&token=wrong", "Accept", "text/html")
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Contains(t, body(t, resp), `id="wrong"`, "a wrong token is said so")
	assert.Empty(t, resp.Cookies())

	resp = e.get(t, nil, "/events?vendor=eeg&token="+url.QueryEscape(token), "Accept", "text/html")
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/events?vendor=eeg", resp.Header.Get("Location"), "redirected without the token")
	require.Len(t, resp.Cookies(), 1)
	c := resp.Cookies()[0]
	assert.Equal(t, server.TokenCookie, c.Name)
	assert.True(t, c.HttpOnly, "HttpOnly")
	assert.Equal(t, http.SameSiteStrictMode, c.SameSite)
	assert.False(t, c.Secure, "not Secure over plain HTTP (the browser would not send it back)")
	assert.Equal(t, "/", c.Path)

	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	client := noRedirect(jar)
	resp = e.get(t, client, "/events?token="+url.QueryEscape(token))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	resp = e.get(t, client, "/events")
	assert.Equal(t, http.StatusOK, resp.StatusCode, "the cookie alone reads")
	assert.True(t, strings.HasPrefix(body(t, resp), `{"events":`))
}

// TestReadsHostAllowList checks that reads are answered only under the
// receiver's own names (421 otherwise, even with the token), and that the
// vendors' routes are not Host-checked.
func TestReadsHostAllowList(t *testing.T) { server.ForBackends(t, testReadsHostAllowList) }

func testReadsHostAllowList(t *testing.T) {
	e := newEnv(t, func(c *server.Config) { c.AllowedHosts = []string{"Receiver.Example.org"} })
	auth := "Bearer " + e.s.AdminToken()
	for host, want := range map[string]int{
		"127.0.0.1":                 http.StatusOK,
		"localhost:8080":            http.StatusOK,
		"LOCALHOST.":                http.StatusOK,
		"[::1]:8080":                http.StatusOK,
		"receiver.example.org":      http.StatusOK,
		"receiver.example.org:8443": http.StatusOK,
		"evil.example":              http.StatusMisdirectedRequest,
		"127.0.0.1.evil.example":    http.StatusMisdirectedRequest,
		"localhost.evil.example:80": http.StatusMisdirectedRequest,
	} {
		resp := e.get(t, nil, "/events", "Host", host, "Authorization", auth)
		assert.Equal(t, want, resp.StatusCode, "Host %q", host)
	}
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/eeg/", strings.NewReader(string(readInput(t, "eeg", benchEEGCase))))
	require.NoError(t, err)
	req.Host = "evil.example"
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode, "a vendor route answers any Host: %s", body(t, resp))
	resp.Body.Close()
}

// TestBannerKeysOnlyWhenGenerated restarts a receiver on the database of an
// earlier one: the banner prints no key and no token (the first start did),
// says how to show them again, and its curl lines work in a shell that took
// the keys from PrintKeys (receiver -print-keys), as the banner says.
func TestBannerKeysOnlyWhenGenerated(t *testing.T) {
	server.ForBackends(t, testBannerKeysOnlyWhenGenerated)
}

func testBannerKeysOnlyWhenGenerated(t *testing.T) {
	dir := t.TempDir()
	path := server.DBFor(t, dir) // one database: the second receiver reopens the first's
	first, err := server.Open(context.Background(), server.Config{DBPath: path})
	require.NoError(t, err)
	var firstBanner strings.Builder
	first.PrintBanner(&firstBanner, "http://127.0.0.1:8080")
	keys, token := first.Keys(), first.AdminToken()
	require.NoError(t, first.Close())
	assert.Contains(t, firstBanner.String(), "http://127.0.0.1:8080/?token="+token, "the first start prints a sign-in URL")
	for _, k := range [][]string{keys.Sleep, keys.Signage, keys.WMS} {
		assert.Contains(t, firstBanner.String(), k[0])
	}

	e := newEnv(t, func(c *server.Config) {
		c.DBPath, c.UploadsDir = path, filepath.Join(dir, "uploads")
		c.SleepAPIKeys, c.SignageAPIKeys, c.WMSSecrets = nil, nil, nil
	})
	require.Equal(t, token, e.s.AdminToken(), "the token survives a restart")
	var printed strings.Builder
	require.NoError(t, server.PrintKeys(context.Background(), &printed, path, e.srv.URL))
	var env []string
	for _, l := range strings.Split(printed.String(), "\n") {
		if strings.HasPrefix(l, "VENDORHOOKS_") {
			env = append(env, l)
		}
	}
	assert.ElementsMatch(t, []string{
		"VENDORHOOKS_SLEEP_API_KEYS=" + keys.Sleep[0],
		"VENDORHOOKS_SIGNAGE_API_KEYS=" + keys.Signage[0],
		"VENDORHOOKS_WMS_SECRETS=" + keys.WMS[0],
		"VENDORHOOKS_ADMIN_TOKEN=" + token,
	}, env)
	assert.Contains(t, printed.String(), "# sign in (unless VENDORHOOKS_ADMIN_TOKEN is set where the receiver runs): "+e.srv.URL+"/?token="+token)

	banner := runBanner(t, e, env)
	for _, secret := range []string{keys.Sleep[0], keys.Signage[0], keys.WMS[0], token} {
		assert.NotContains(t, banner, secret, "printed only when generated")
	}
	assert.Contains(t, banner, "-print-keys")
	assert.Contains(t, banner, "admin token: generated earlier")

	assert.ErrorIs(t, server.PrintKeys(context.Background(), io.Discard, filepath.Join(dir, "none.db"), ""), fs.ErrNotExist)
}

// TestDatabaseMode0600 opens a database file that exists with mode 0644: the
// receiver makes it (and its WAL files) 0600 before writing keys into it.
// SQLite only: a PostgreSQL database is no file of the receiver's.
func TestDatabaseMode0600(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "open.db")
	require.NoError(t, os.WriteFile(path, nil, 0o644))
	require.NoError(t, os.Chmod(path, 0o644)) // whatever the umask
	s, err := server.Open(context.Background(), server.Config{DBPath: path})
	require.NoError(t, err)
	defer s.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), p)
	}
}

// TestLabvancedOriginNotAllowed posts a trial from a page whose Origin is
// not allowed: no CORS grant, but the trial is stored, with the warning.
func TestLabvancedOriginNotAllowed(t *testing.T) {
	server.ForBackends(t, testLabvancedOriginNotAllowed)
}

func testLabvancedOriginNotAllowed(t *testing.T) {
	e := newEnv(t)
	req := labvancedtest.NewFormRequest(e.srv.URL+"/labvanced/recordTrial", labvancedtest.Payload(labvanced.RouteRecordTrial))
	req.RequestURI = ""
	req.Header.Set("Origin", "https://typo.labvanced.example")
	resp, err := e.srv.Client().Do(req)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode, body(t, resp))
	resp.Body.Close()
	assert.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))
	evs := e.events(t, "vendor=labvanced")
	require.Len(t, evs, 1)
	assert.Contains(t, evs[0].Warnings, `origin not allowed: "https://typo.labvanced.example"`)
}
