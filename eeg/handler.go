package eeg

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/vendorhooks/vendorhooks/internal/httpx"
)

// Option configures NewHandler.
type Option func(*config)

// config is what the options set.
type config struct {
	httpx.Options
}

// WithMaxBodyBytes limits request bodies to n bytes (default 1 MiB); a
// larger body is answered 413. n <= 0 means the default.
func WithMaxBodyBytes(n int64) Option {
	return func(c *config) { c.MaxBodyBytes = n }
}

// WithLogger logs one line per request to l (nil, the default, logs
// nothing).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.Logger = l }
}

type handler struct {
	fn  func(context.Context, Event) error
	cfg config
}

// NewHandler returns the http.Handler that receives Petal Metrics
// webhooks: it decodes each POST body with Decode, whatever its content
// type (Petal posts application/json; text in the docs' Python form is
// accepted too), and calls fn with the request's context and the event.
//
// Petal posts every message to "/"; the handler answers at whatever path
// it is mounted (directly, or under a prefix with http.StripPrefix or a
// router's group), and does not look at the path. Petal has no
// authentication: put the handler behind your own if it is reachable from
// outside.
//
// Answers: 200 {"ok":true} once fn returns nil; 400 {"error": "..."} with
// the syntax error's line, column and offset or the bad field's path; 405
// for a method other than POST; 413 for a body over the limit; 500 when fn
// returns an error, so that the sender may retry (fn's error text is
// logged, never sent).
func NewHandler(fn func(context.Context, Event) error, opts ...Option) http.Handler {
	h := &handler{fn: fn}
	for _, o := range opts {
		o(&h.cfg)
	}
	return h
}

var (
	okBody      = []byte(`{"ok":true}` + "\n")
	contentJSON = []string{"application/json"}
	noSniff     = []string{"nosniff"}
)

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !httpx.Method(w, r, http.MethodPost) {
		h.cfg.Log(r, "eeg", "", http.StatusMethodNotAllowed, nil)
		return
	}
	body, err := httpx.ReadBody(w, r, h.cfg.MaxBodyBytes)
	if err != nil {
		h.cfg.Log(r, "eeg", "", httpx.Fail(w, err), err)
		return
	}
	ev, err := Decode(body)
	if err != nil {
		err = httpx.Wrap(httpx.ErrMalformed, err)
		h.cfg.Log(r, "eeg", "", httpx.Fail(w, err), err)
		return
	}
	if err := h.fn(r.Context(), ev); err != nil {
		err = httpx.Wrap(httpx.ErrHandler, err)
		h.cfg.Log(r, "eeg", ev.Kind(), httpx.Fail(w, err), err)
		return
	}
	hd := w.Header()
	hd["Content-Type"] = contentJSON
	hd["X-Content-Type-Options"] = noSniff
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(okBody)
	h.cfg.Log(r, "eeg", ev.Kind(), http.StatusOK, nil)
}
