package server

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// TokenCookie is the name of the cookie that carries the admin token in a
// browser, set by opening any read URL with ?token=<token> once.
const TokenCookie = "vendorhooks_token"

// tokenCookieAge is how long a browser keeps the sign-in cookie.
const tokenCookieAge = 30 * 24 * time.Hour

// requireToken guards a read route h (everything but the vendors' routes and
// GET /healthz). Every route that shows stored data, or a page or asset of
// the dashboard, is wrapped in it; its name and signature are stable.
//
// In order, it answers:
//   - 421 Misdirected Request when the request's Host is not one the
//     receiver serves reads under (hostAllowed): a page on another site
//     that rebinds its own name to this address cannot read through the
//     visitor's browser;
//   - for a GET or HEAD with ?token=<token>: when the token is right, sets
//     the sign-in cookie (HttpOnly, SameSite=Strict, Secure under TLS) and
//     redirects (303) to the same URL without the token, so that it stays
//     out of the address bar, history and logs; when it is wrong, the
//     sign-in page;
//   - 401 without a right token, as Authorization: Bearer <token> or the
//     cookie: a small sign-in page to a browser (Accept: text/html), a JSON
//     error otherwise;
//   - 503 when a quarter of Config.MaxConns reads are being served
//     already (see Listen), so that readers never take the connections
//     vendors need;
//   - otherwise h, with a write deadline of Config.ReadWriteTimeout (see
//     setReadDeadlines), under which a streaming handler (the dashboard's
//     Server-Sent Events) extends or clears the deadline itself through
//     http.ResponseController.
//
// Tokens are compared in constant time (over their SHA-256, so not even
// the length leaks).
func (s *Server) requireToken(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.hostAllowed(r.Host) {
			writeError(w, http.StatusMisdirectedRequest, "host not served: reads answer only to the receiver's own names (add yours with -allowed-host)")
			return
		}
		q := r.URL.Query()
		if q.Has("token") && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			if !s.tokenOK(q.Get("token")) {
				s.log.WarnContext(r.Context(), "sign-in with a wrong token", "path", r.URL.Path, "remote", r.RemoteAddr)
				s.signIn(w, r, true)
				return
			}
			http.SetCookie(w, &http.Cookie{
				Name:     TokenCookie,
				Value:    s.adminToken,
				Path:     "/",
				MaxAge:   int(tokenCookieAge / time.Second),
				HttpOnly: true,
				Secure:   r.TLS != nil,
				SameSite: http.SameSiteStrictMode,
			})
			q.Del("token")
			http.Redirect(w, r, localURL(r.URL.Path, q), http.StatusSeeOther)
			return
		}
		if !s.authorized(r) {
			s.signIn(w, r, false)
			return
		}
		if !s.acquireRead() {
			w.Header().Set("Retry-After", "5")
			writeError(w, http.StatusServiceUnavailable, errTooManyReads.Error())
			return
		}
		defer s.releaseRead()
		s.setReadDeadlines(w)
		h.ServeHTTP(w, r)
	})
}

// authorized reports whether r carries the admin token, as a bearer token
// or in the sign-in cookie.
func (s *Server) authorized(r *http.Request) bool {
	if a := r.Header.Get("Authorization"); a != "" {
		scheme, tok, ok := strings.Cut(a, " ")
		if ok && strings.EqualFold(scheme, "Bearer") && s.tokenOK(strings.TrimSpace(tok)) {
			return true
		}
	}
	c, err := r.Cookie(TokenCookie)
	return err == nil && s.tokenOK(c.Value)
}

// tokenOK compares tok with the admin token in constant time.
func (s *Server) tokenOK(tok string) bool {
	a, b := sha256.Sum256([]byte(tok)), sha256.Sum256([]byte(s.adminToken))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1 && s.adminToken != ""
}

// localURL is path?query as a redirect target that stays on this site: a
// path that a browser would read as another host ("//evil", "/\evil") is
// replaced by "/".
func localURL(path string, q url.Values) string {
	if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") || strings.HasPrefix(path, "/\\") {
		path = "/"
	}
	u := (&url.URL{Path: path}).EscapedPath()
	if enc := q.Encode(); enc != "" {
		u += "?" + enc
	}
	return u
}

// signIn answers 401: the sign-in page for a browser, a JSON error for a
// program. wrong says that a token was given and is not the admin token.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request, wrong bool) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="vendorhooks receiver"`)
	w.Header().Set("Cache-Control", "no-store")
	if !strings.Contains(r.Header.Get("Accept"), "text/html") {
		msg := "admin token required: send Authorization: Bearer <token> (receiver -print-keys shows it)"
		if wrong || r.Header.Get("Authorization") != "" {
			msg = "admin token not accepted"
		}
		writeError(w, http.StatusUnauthorized, msg)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
	w.WriteHeader(http.StatusUnauthorized)
	_ = signInPage.Execute(w, struct {
		Action string
		Wrong  bool
	}{localURL(r.URL.Path, nil), wrong})
}

// signInPage asks for the admin token and opens the page asked for with
// ?token=, which sets the cookie.
var signInPage = template.Must(template.New("signin").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in · vendorhooks receiver</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px system-ui,sans-serif;max-width:28em;margin:4em auto;padding:0 1em}input{font:inherit;width:100%;margin:.5em 0;padding:.4em}p.err{color:#b00020}</style>
</head><body>
<h1>vendorhooks receiver</h1>
{{if .Wrong}}<p class="err" id="wrong">That token is not the receiver's admin token.</p>{{end}}
<form method="get" action="{{.Action}}">
<label for="token">Admin token</label>
<input id="token" name="token" type="password" autocomplete="current-password" autofocus required>
<button type="submit">Sign in</button>
</form>
<p>The receiver prints the token and a sign-in link when it generates it; <code>receiver -print-keys</code> shows it again.</p>
</body></html>
`))

// hostAllowed reports whether reads are served under host (a Host header,
// with or without port): localhost, 127.0.0.1, ::1, or one of
// Config.AllowedHosts, compared without port, case and a final dot. The
// vendor routes are not checked: vendors post to whatever public name they
// are given.
func (s *Server) hostAllowed(host string) bool {
	h := normalHost(host)
	if h == "" {
		return false
	}
	switch h {
	case "localhost", "127.0.0.1", "::1":
		return true
	}
	for _, a := range s.cfg.AllowedHosts {
		if normalHost(a) == h {
			return true
		}
	}
	return false
}

// normalHost is host without port or brackets, lower-cased, without a final
// dot.
func normalHost(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	return strings.TrimSuffix(strings.ToLower(host), ".")
}

// defaultReadWriteTimeout is the write deadline of a read's answer when
// Config.ReadWriteTimeout is zero: long enough for the largest /events page
// (1000 events of up to 32 MiB each is not a page anyone reads over a slow
// link; 60 s of a healthy link is), short enough that clients which never
// read their answer do not hold its memory for long.
const defaultReadWriteTimeout = 60 * time.Second

// setReadDeadlines sets the write deadline of a read's answer. A handler
// that streams for longer (Server-Sent Events, a large export) extends it
// with http.NewResponseController(w).SetWriteDeadline as it writes. Where
// the ResponseWriter cannot take deadlines (httptest.ResponseRecorder) this
// does nothing.
func (s *Server) setReadDeadlines(w http.ResponseWriter) {
	d := s.cfg.ReadWriteTimeout
	if d <= 0 {
		d = defaultReadWriteTimeout
	}
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(d))
}

// adminSecret is the name of the generated admin token in the secrets table.
const adminSecret = "admin"

// loadAdminToken sets the admin token: Config.AdminToken, or the one kept in
// the database, generated on first start.
func (s *Server) loadAdminToken(ctx context.Context) error {
	if s.cfg.AdminToken != "" {
		s.adminToken = s.cfg.AdminToken
		return nil
	}
	v, gen, err := secret(ctx, s.db, adminSecret)
	if err != nil {
		return fmt.Errorf("server: loading the admin token: %w", err)
	}
	s.adminToken, s.fresh[adminSecret] = v, gen
	return nil
}

// AdminToken returns the token reads need.
func (s *Server) AdminToken() string { return s.adminToken }

// envAdminToken is the environment variable the command reads the admin
// token from.
const envAdminToken = "VENDORHOOKS_ADMIN_TOKEN"

// printAccess writes the banner's lines about the admin token: the token
// and a sign-in URL when it was generated on this start, else where it
// comes from; and, when any secret was generated, how to set them in a
// shell for the curl lines (which read them from there) and to show them
// again.
func (s *Server) printAccess(out io.Writer, baseURL string) {
	switch {
	case s.fresh[adminSecret]:
		fmt.Fprintf(out, "admin token (generated, kept in the database; set %s to choose your own): %s\n", envAdminToken, s.adminToken)
		fmt.Fprintf(out, "sign in (opens the dashboard and sets a cookie): %s/?token=%s\n", baseURL, url.QueryEscape(s.adminToken))
	case s.cfg.AdminToken != "":
		fmt.Fprintf(out, "admin token: configured (from %s in the command)\n", envAdminToken)
	default:
		fmt.Fprintf(out, "admin token: generated earlier, kept in the database\n")
	}
	if len(s.keys.Generated) > 0 || s.cfg.AdminToken == "" {
		fmt.Fprintf(out, "in a second terminal at the repository root, set the generated keys for the lines below (again at any time) with:\n  eval \"$(go run ./examples/receiver -db %s -print-keys)\"\n", shellQuote(s.cfg.DBPath))
	}
}

// keyLine is the banner's line about vendor's key: the key itself only when
// this start generated it.
func (s *Server) keyLine(vendor, env, key string, generated bool) string {
	switch {
	case s.fresh[vendor]:
		return fmt.Sprintf("%s key (generated, kept in the database; set %s to choose your own): %s", vendor, env, key)
	case generated:
		return fmt.Sprintf("%s key: generated earlier, kept in the database", vendor)
	}
	return fmt.Sprintf("%s key: configured (from %s in the command)", vendor, env)
}

// eventsCurl is the banner's line that lists what arrived, with the admin
// token as the curl lines name keys (shellKey).
func (s *Server) eventsCurl(baseURL string) string {
	return fmt.Sprintf("see what arrived: curl -sS -H \"Authorization: Bearer %s\" %s/events",
		shellKey(envAdminToken), baseURL)
}

// PrintKeys writes the secrets a receiver generated and kept in the database
// at dbPath as shell assignments (VENDORHOOKS_SLEEP_API_KEYS=...), which a
// shell can eval, then the sign-in URL of a receiver at baseURL as a
// comment. It changes nothing and is safe while the receiver runs. Keys
// given in the environment are not in the database and are not printed. A
// missing file gives an error that wraps fs.ErrNotExist.
func PrintKeys(ctx context.Context, out io.Writer, dbPath, baseURL string) error {
	keys, err := GeneratedKeys(ctx, dbPath)
	if err != nil {
		return err
	}
	for _, k := range []struct{ name, env string }{
		{"sleep", envSleepKeys}, {"signage", envSignageKeys}, {"wms", envWMSSecrets}, {adminSecret, envAdminToken},
	} {
		if v, ok := keys[k.name]; ok {
			fmt.Fprintf(out, "%s=%s\n", k.env, shellQuote(v))
		}
	}
	if tok, ok := keys[adminSecret]; ok {
		fmt.Fprintf(out, "# sign in (unless %s is set where the receiver runs): %s/?token=%s\n", envAdminToken, baseURL, url.QueryEscape(tok))
	}
	return nil
}

// shellQuote returns s as one POSIX shell word: unchanged when it holds only
// characters no shell treats specially, else in single quotes.
func shellQuote(s string) string {
	safe := s != ""
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("_-./:@%+=,", c)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// restrictMode makes the database file at path, and its -wal and -shm files
// where they exist, readable and writable by their owner only: they hold
// the generated keys and every raw body, and a file made by an older
// receiver or another tool may be readable by others.
func restrictMode(path string) error {
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}
