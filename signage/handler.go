package signage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"

	"github.com/vendorhooks/vendorhooks/internal/httpx"
)

// Option configures NewHandler.
type Option func(*config)

type config struct {
	httpx.Options
	keys      []string
	actions   Actions
	onCommand func(context.Context, Command) error
}

// WithAPIKeys adds accepted API keys; calls add up. Several keys may be
// accepted at once (for rotation); they are compared in constant time. A
// handler with no key, or with an empty key, refuses to serve.
func WithAPIKeys(keys ...string) Option {
	return func(c *config) { c.keys = append(c.keys, keys...) }
}

// WithMaxBodyBytes sets the largest POST body accepted (413 above it). Zero
// or less means the default of 1 MiB.
func WithMaxBodyBytes(n int64) Option {
	return func(c *config) { c.MaxBodyBytes = n }
}

// WithLogger logs one line per request to l. A nil l logs nothing (the
// default).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.Logger = l }
}

// WithActions resolves every trigger through table, as the vendor's server
// does, and calls fn with the Command. An event id not in the table is
// answered 404, and a sensor-data rule without sensor data 400, before any
// function runs. When NewHandler's own function is not nil too, it runs
// first, then fn. The table is copied; a handler with an invalid table
// (Actions.Validate) or a nil fn refuses to serve.
func WithActions(table Actions, fn func(context.Context, Command) error) Option {
	return func(c *config) {
		c.actions = maps.Clone(table)
		if c.actions == nil {
			c.actions = Actions{}
		}
		c.onCommand = fn
	}
}

// handler is the http.Handler NewHandler returns.
type handler struct {
	cfg      config
	keys     httpx.Keys
	fn       func(context.Context, Trigger) error
	setupErr error // not nil: refuse every request with 500
}

// NewHandler returns a handler that accepts triggers the way the vendor's
// server does, and calls fn with each one.
//
// It accepts POST with the key in the X-Webhook-Apikey header and the JSON
// body DecodeBody reads, and GET with the key in the apiKey parameter (or the
// header) and the trigger in the payload or eventId parameter (DecodeQuery).
// The key of a POST is only read from the header. The handler never looks at
// the path, so it works at /public-api/integration/webhooks or mounted under
// any prefix.
//
// It answers {"message":"success"} with 200 when fn returns nil, and
// {"message":"Error","error":"<short reason>"} otherwise: 400 for a request
// that does not decode, 401 for a missing or wrong key, 404 for an event id
// WithActions does not know, 405 (with Allow) for another method, 413 for a
// body over the limit, and 500 when fn fails (the reason is then only
// "handler failed") or when the handler is misconfigured (no key, nothing to
// call). Reasons never include a key.
func NewHandler(fn func(context.Context, Trigger) error, opts ...Option) http.Handler {
	h := &handler{fn: fn}
	for _, o := range opts {
		o(&h.cfg)
	}
	keys, err := httpx.NewKeys(h.cfg.keys)
	switch {
	case err != nil:
		h.setupErr = fmt.Errorf("signage: %w", err)
	case fn == nil && h.cfg.actions == nil:
		h.setupErr = errors.New("signage: no function to call")
	case h.cfg.actions != nil && h.cfg.onCommand == nil:
		h.setupErr = errors.New("signage: WithActions without a function")
	case h.cfg.actions != nil:
		h.setupErr = h.cfg.actions.Validate()
	}
	h.keys = keys
	return h
}

// answer is the body of every response.
type answer struct {
	Message string `json:"message"`
	Error   string `json:"error,omitempty"`
}

const (
	messageSuccess = "success"
	messageError   = "Error"
)

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.setupErr != nil {
		httpx.WriteJSON(w, http.StatusInternalServerError, answer{Message: messageError, Error: "handler not configured"})
		h.cfg.Log(r, "signage", "", http.StatusInternalServerError, h.setupErr)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		httpx.WriteJSON(w, http.StatusMethodNotAllowed, answer{Message: messageError, Error: "signage: method " + r.Method + " not allowed"})
		h.cfg.Log(r, "signage", "", http.StatusMethodNotAllowed, nil)
		return
	}
	t, err := h.trigger(w, r)
	kind := ""
	if err == nil {
		kind = t.Kind()
		err = h.dispatch(r.Context(), t)
	}
	if err != nil {
		status := httpx.Status(err)
		httpx.WriteJSON(w, status, answer{Message: messageError, Error: httpx.PublicMessage(err)})
		h.cfg.Log(r, "signage", kind, status, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, answer{Message: messageSuccess})
	h.cfg.Log(r, "signage", kind, http.StatusOK, nil)
}

// errQueryEscape replaces url.ParseQuery's error, which quotes the broken
// escape and could quote part of a key.
var errQueryEscape = errors.New("invalid percent-encoding")

// trigger authenticates r and decodes its trigger. Errors carry their httpx
// class.
func (h *handler) trigger(w http.ResponseWriter, r *http.Request) (Trigger, error) {
	var q url.Values
	if r.Method == http.MethodGet {
		var err error
		if q, err = url.ParseQuery(r.URL.RawQuery); err != nil {
			return Trigger{}, httpx.Wrap(httpx.ErrMalformed, &SyntaxError{Part: "query", Err: errQueryEscape})
		}
	}
	key := r.Header.Get(HeaderAPIKey)
	if key == "" && r.Method == http.MethodGet {
		key = q.Get(QueryAPIKey)
	}
	switch {
	case key == "" && r.Method == http.MethodGet:
		return Trigger{}, httpx.Unauthorized("signage: missing apiKey")
	case key == "":
		return Trigger{}, httpx.Unauthorized("signage: missing " + HeaderAPIKey + " header")
	case !h.keys.Match(key):
		return Trigger{}, httpx.Unauthorized("signage: invalid key")
	}
	if r.Method == http.MethodGet {
		t, err := DecodeQuery(q)
		return t, httpx.Wrap(httpx.ErrMalformed, err)
	}
	body, err := httpx.ReadBody(w, r, h.cfg.MaxBodyBytes)
	if err != nil {
		return Trigger{}, err
	}
	t, err := DecodeBody(body)
	return t, httpx.Wrap(httpx.ErrMalformed, err)
}

// dispatch resolves t through the action table, if any, and calls the
// functions. Errors carry their httpx class.
func (h *handler) dispatch(ctx context.Context, t Trigger) error {
	var cmd Command
	if h.cfg.actions != nil {
		var err error
		if cmd, err = h.cfg.actions.Resolve(t); err != nil {
			if errors.Is(err, ErrUnknownEvent) {
				return httpx.Wrap(httpx.ErrNotFound, err)
			}
			return httpx.Wrap(httpx.ErrMalformed, err)
		}
	}
	if h.fn != nil {
		if err := h.fn(ctx, t); err != nil {
			return httpx.Wrap(httpx.ErrHandler, err)
		}
	}
	if h.cfg.onCommand != nil {
		if err := h.cfg.onCommand(ctx, cmd); err != nil {
			return httpx.Wrap(httpx.ErrHandler, err)
		}
	}
	return nil
}
