package wms

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/vendorhooks/vendorhooks/internal/httpx"
)

// Option configures NewHandler.
type Option func(*config)

type config struct {
	httpx.Options
	secrets  []string
	tracker  *Tracker
	dropDups bool
	rawOnly  bool
}

// WithSecrets sets the MAC secrets a call may be signed with; a call signed
// with any of them passes, so a secret can be rotated by listing the new one
// beside the old one. A handler without a secret refuses to serve.
func WithSecrets(secrets ...string) Option {
	return func(c *config) { c.secrets = append(c.secrets, secrets...) }
}

// WithTracker makes the handler track every verified event's sequence
// number with t, and hand the verdict to the function through its context
// (VerdictFromContext). When the function fails, the number is released, so
// the sender's retry is not taken for a duplicate.
func WithTracker(t *Tracker) Option {
	return func(c *config) { c.tracker = t }
}

// WithDropDuplicates makes the handler answer 200 to an event its tracker
// has already seen, without calling the function, so a retried delivery is
// processed once. Without WithTracker it uses a NewTracker() of its own.
func WithDropDuplicates() Option {
	return func(c *config) { c.dropDups = true }
}

// WithRawMACOnly makes the handler accept only a MAC of the raw body bytes
// (Verifier.VerifyRaw), refusing non-ASCII bodies signed the way the vendor's
// Node sample signs them. Use it once the sender signs bytes.
func WithRawMACOnly() Option {
	return func(c *config) { c.rawOnly = true }
}

// WithMaxBodyBytes sets the largest body accepted (default 1 MiB); a larger
// one is answered 413. n <= 0 keeps the default.
func WithMaxBodyBytes(n int64) Option {
	return func(c *config) { c.MaxBodyBytes = n }
}

// WithLogger logs one line per request to l (nil, the default, is silent).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.Logger = l }
}

// handler is the http.Handler NewHandler returns.
type handler struct {
	config
	fn       func(context.Context, Event) error
	verifier *Verifier
	err      error // a configuration error: every request is refused with 500
}

// NewHandler returns a handler for WMS webhook calls. It accepts POST only
// (405 otherwise), reads the body under the limit (413), verifies the
// X-WMS-Content-MAC header before looking at the body (401 when missing or
// wrong), decodes it (400 with the decode error), tracks its sequence number
// when a tracker is set, and calls fn with the request's context and the
// event: 500 when fn fails, so the sender retries, and 200 otherwise.
//
// Without a secret (WithSecrets) the handler refuses every request with 500
// and calls nothing, so a deployment missing its secret never accepts
// unauthenticated calls and the sender keeps retrying until it is fixed.
// The handler does not depend on its path: mount it under any prefix.
func NewHandler(fn func(context.Context, Event) error, opts ...Option) http.Handler {
	h := &handler{fn: fn}
	for _, o := range opts {
		o(&h.config)
	}
	h.verifier, h.err = NewVerifier(h.secrets...)
	if h.dropDups && h.tracker == nil {
		h.tracker = NewTracker()
	}
	return h
}

// errNotConfigured is answered by a handler without a usable secret.
var errNotConfigured = errors.New("wms: handler has no usable MAC secret")

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !httpx.Method(w, r, http.MethodPost) {
		h.Log(r, "wms", "", http.StatusMethodNotAllowed, nil)
		return
	}
	if h.err != nil {
		httpx.WriteError(w, http.StatusInternalServerError, errNotConfigured.Error())
		h.Log(r, "wms", "", http.StatusInternalServerError, h.err)
		return
	}
	ev, err := h.serve(r.Context(), w, r)
	status := http.StatusOK
	if err != nil {
		status = httpx.Fail(w, err)
	} else {
		w.WriteHeader(status)
	}
	h.Log(r, "wms", ev.Kind(), status, err)
}

// serve runs the steps after the method check; a nil error means 200.
func (h *handler) serve(ctx context.Context, w http.ResponseWriter, r *http.Request) (Event, error) {
	body, err := httpx.ReadBody(w, r, h.MaxBodyBytes)
	if err != nil {
		return Event{}, err
	}
	verify := h.verifier.Verify
	if h.rawOnly {
		verify = h.verifier.VerifyRaw
	}
	if err := verify(body, r.Header.Get(MACHeader)); err != nil {
		msg := "invalid " + MACHeader
		if errors.Is(err, ErrMissingMAC) {
			msg = "missing " + MACHeader + " header"
		}
		return Event{}, httpx.Wrap(httpx.Unauthorized(msg), err)
	}
	ev, err := Decode(body)
	if err != nil {
		return ev, httpx.Wrap(httpx.ErrMalformed, err)
	}
	if h.tracker == nil {
		return ev, h.call(ctx, ev)
	}
	v := h.tracker.Track(ev.SessionID, ev.Sequence)
	if v.Order == Duplicate && h.dropDups {
		return ev, nil
	}
	err = h.call(ContextWithVerdict(ctx, v), ev)
	if err != nil && v.Order != Duplicate {
		h.tracker.Release(ev.SessionID, ev.Sequence)
	}
	return ev, err
}

// call runs the user's function.
func (h *handler) call(ctx context.Context, ev Event) error {
	return httpx.Wrap(httpx.ErrHandler, h.fn(ctx, ev))
}
