package sleep

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/vendorhooks/vendorhooks/internal/httpx"
)

// Request headers Asleep sends with every callback.
const (
	HeaderAPIKey = "x-api-key" // the API key the session was created with
	HeaderUserID = "x-user-id" // the user the session belongs to
)

// ErrNoAPIKey is returned by New when no API key is configured. A handler
// without a key could be fed forged reports by anyone who finds its URL.
var ErrNoAPIKey = errors.New("sleep: no api key configured")

// Option configures a handler.
type Option func(*config)

type config struct {
	httpx.Options
	keys []string
}

// WithAPIKeys sets the API keys a callback's x-api-key header may carry.
// Give several while rotating keys. Calls add up. Without any key the
// handler serves nothing (see NewHandler).
func WithAPIKeys(keys ...string) Option {
	return func(c *config) {
		c.keys = append(c.keys, keys...)
	}
}

// WithMaxBodyBytes sets the largest body accepted; larger ones get 413. The
// default is 1 MiB; n <= 0 keeps it.
func WithMaxBodyBytes(n int64) Option {
	return func(c *config) { c.MaxBodyBytes = n }
}

// WithLogger logs one line per request to l (nil, the default, is silent).
// Lines carry the method, path, status, event name and error; never a key.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.Logger = l }
}

type handler struct {
	fn     func(context.Context, Event) error
	cfg    config
	keys   httpx.Keys
	keyErr error
}

// New is NewHandler that reports a configuration error instead of building
// a handler that refuses every request: it returns ErrNoAPIKey when no key
// is configured, and an error when a key is empty. Use it when a missing
// key should stop the program at start-up.
func New(fn func(context.Context, Event) error, opts ...Option) (http.Handler, error) {
	h := newHandler(fn, opts)
	if h.keyErr != nil {
		return nil, h.keyErr
	}
	return h, nil
}

// NewHandler returns a handler for Asleep callbacks, to mount at the
// callback URL given to Asleep (under any prefix: it ignores the path).
//
// For each request it answers 405 to a method other than POST; 401 unless
// the x-api-key header equals one of the keys given with WithAPIKeys
// (compared in constant time); 413 to a body over the limit; 400 to a body
// Decode rejects, with the decode error as {"error": "..."}; and otherwise
// calls fn with the request's context and the event, the x-user-id header
// stored in the event's Envelope.HeaderUserID. If fn returns an error the
// answer is 500, so that Asleep retries; the error is logged, not sent. On
// success the answer is 200 {"ok":true}. Unknown events reach fn as
// *Unknown.
//
// A handler built without a key (or with an empty one) never calls fn: it
// answers every request 500 with the reason as the error
// ({"error":"sleep: no api key configured"}) and logs it, so that the
// sender retries later instead of losing callbacks while the configuration
// is fixed.
// Use New to catch this at start-up instead.
func NewHandler(fn func(context.Context, Event) error, opts ...Option) http.Handler {
	return newHandler(fn, opts)
}

func newHandler(fn func(context.Context, Event) error, opts []Option) *handler {
	h := &handler{fn: fn}
	for _, o := range opts {
		o(&h.cfg)
	}
	if len(h.cfg.keys) == 0 {
		h.keyErr = ErrNoAPIKey
		return h
	}
	keys, err := httpx.NewKeys(h.cfg.keys)
	if err != nil {
		h.keyErr = fmt.Errorf("sleep: %w", err)
		return h
	}
	h.keys = keys
	h.cfg.keys = nil // keep only the digests
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	status, kind, err := h.serve(w, r)
	h.cfg.Log(r, "sleep", kind, status, err)
}

// serve answers r and returns the status, the event name and the error
// to log.
func (h *handler) serve(w http.ResponseWriter, r *http.Request) (int, string, error) {
	if h.keyErr != nil {
		httpx.WriteError(w, http.StatusInternalServerError, h.keyErr.Error())
		return http.StatusInternalServerError, "", h.keyErr
	}
	if !httpx.Method(w, r, http.MethodPost) {
		return http.StatusMethodNotAllowed, "", nil
	}
	if err := h.authorize(r); err != nil {
		return httpx.Fail(w, err), "", err
	}
	body, err := httpx.ReadBody(w, r, h.cfg.MaxBodyBytes)
	if err != nil {
		return httpx.Fail(w, err), "", err
	}
	ev, err := Decode(body)
	if err != nil {
		err = httpx.Wrap(httpx.ErrMalformed, err)
		return httpx.Fail(w, err), "", err
	}
	ev.Meta().HeaderUserID = r.Header.Get(HeaderUserID)
	if err := h.fn(r.Context(), ev); err != nil {
		err = httpx.Wrap(httpx.ErrHandler, err)
		return httpx.Fail(w, err), ev.Kind(), err
	}
	httpx.WriteJSON(w, http.StatusOK, okBody{OK: true})
	return http.StatusOK, ev.Kind(), nil
}

// authorize checks the x-api-key header. Its errors name what is wrong,
// never the key presented.
func (h *handler) authorize(r *http.Request) error {
	switch key := r.Header.Get(HeaderAPIKey); {
	case key == "":
		return httpx.Unauthorized("missing " + HeaderAPIKey)
	case !h.keys.Match(key):
		return httpx.Unauthorized("invalid " + HeaderAPIKey)
	}
	return nil
}

type okBody struct {
	OK bool `json:"ok"`
}
