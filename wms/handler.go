package wms

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/vendorhooks/vendorhooks/internal/httpx"
)

// Option configures New and NewHandler.
type Option func(*config)

type config struct {
	httpx.Options
	secrets     []string
	nodeSecrets []string
	tracker     *Tracker
	dropDups    bool
}

// WithSecrets sets the MAC secrets a call may be signed with, over the raw
// body bytes: standard HMAC (NewVerifier), the default and the safe choice
// whatever the sender does. A call signed with any of them passes, so a
// secret can be rotated by listing the new one beside the old one. A call
// whose MAC is instead that of the body's Node 'ascii' form is refused (401)
// and logged with a hint (WithLogger) that the sender needs
// WithNodeSecrets. New refuses a configuration without a secret, or with an
// empty one.
func WithSecrets(secrets ...string) Option {
	return func(c *config) { c.secrets = append(c.secrets, secrets...) }
}

// WithNodeSecrets sets MAC secrets whose calls are signed the way the
// vendor's Node sample signs (NewNodeVerifier): the HMAC of the body's Node
// 'ascii' form, which keeps the low byte of each UTF-16 code unit. Use it
// only for a sender known to sign that way. Even then a call passes only
// when its body is valid UTF-8 with every character at most U+00FF, where
// that form is one-to-one; any other body is answered 401, since a second
// body would share its MAC. A secret has one form: New refuses a secret
// given both here and to WithSecrets, since accepting both forms lets a
// body signed over its bytes be resent altered ("é" as "Ã©"). Secrets of
// both options may serve side by side (different senders, or a move from
// one form to the other under a new secret).
func WithNodeSecrets(secrets ...string) Option {
	return func(c *config) { c.nodeSecrets = append(c.nodeSecrets, secrets...) }
}

// WithTracker makes the handler track every verified event's sequence
// number with t, and hand the verdict to the function through its context
// (VerdictFromContext). When the function fails, the number is released, so
// the sender's retry is not taken for a duplicate.
func WithTracker(t *Tracker) Option {
	return func(c *config) { c.tracker = t }
}

// WithDropDuplicates makes the handler answer 200 {"ok":true} to an event
// whose first delivery the function has already handled (returned nil
// for), without calling the function again, so a retried delivery is
// processed once. Without WithTracker it uses a NewTracker() of its own.
func WithDropDuplicates() Option {
	return func(c *config) { c.dropDups = true }
}

// WithStrict makes the handler answer 400 to an event delivered with any
// warning, unknown fields included, instead of delivering it with
// Delivery.Warnings. Know what a refusal costs: WMS documents no retries,
// so a refused event is most likely lost for good, and your tracker sees a
// gap where it was. By default the handler refuses only what Decode
// refuses.
func WithStrict() Option {
	return func(c *config) { c.Strict = true }
}

// DefaultMaxBodyBytes is the body limit, after decompression, of a handler
// built without WithMaxBodyBytes (or with 0): 1 MiB.
const DefaultMaxBodyBytes int64 = 1 << 20

// WithMaxBodyBytes sets the largest body accepted, after gzip decoding
// (default 1 MiB); a larger one is answered 413. 0 keeps the default; New
// refuses a negative n.
func WithMaxBodyBytes(n int64) Option {
	return func(c *config) { c.MaxBodyBytes = n }
}

// WithLogger logs one line per request to l (nil, the default, is silent).
// A line never holds a secret or a MAC.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.Logger = l }
}

// The answers to a refused MAC: they name what failed, never a value.
var (
	errMissingAnswer = httpx.Unauthorized("missing " + MACHeader + " header")
	errInvalidAnswer = httpx.Unauthorized("invalid " + MACHeader)
)

// New returns a handler for WMS webhook calls. It accepts POST only (405
// with Allow otherwise), reads the body under the limit (413; a gzip body
// is decoded, with the limit applied to the decoded bytes; 415 for another
// encoding), verifies the X-WMS-Content-MAC header over the bytes read
// before looking at them (401 when missing or wrong, in the form of each
// secret: WithSecrets or WithNodeSecrets), decodes them (400 with the
// DecodeError's text for what Decode refuses; an event with warnings is
// delivered, with them in Delivery.Warnings, unless WithStrict), tracks the
// sequence number when a tracker is set, and calls fn with the event and a
// context that carries the vendorhooks.Delivery (and the tracker's
// Verdict): 500 when fn fails, so the sender retries, and 200 {"ok":true}
// otherwise.
//
// The Delivery's Kind is the event code, its Session the sessionId, and its
// IdempotencyKey is made from the code, the sessionId and the sequence
// number, the vendor's own identity of an event: a retry has the key of the
// first delivery even if its body differs. X-WMS-Content-MAC is redacted in
// its Header.
//
// New refuses a nil fn, a configuration without a secret or with an empty
// one (the error matches hmacverify.ErrNoSecret or ErrEmptySecret), a secret
// given in both forms, and a negative body limit, so a handler it returns never serves a request
// unauthenticated. Its errors start with "wms: ". The handler does not
// depend on its path: mount it under any prefix.
func New(fn func(context.Context, Event) error, opts ...Option) (http.Handler, error) {
	if fn == nil {
		return nil, errors.New("wms: nil function")
	}
	var c config
	for _, o := range opts {
		o(&c)
	}
	verify, err := verifier(c.secrets, c.nodeSecrets)
	if err != nil {
		return nil, err
	}
	if c.dropDups && c.tracker == nil {
		c.tracker = NewTracker()
	}
	p := &httpx.Pipeline[Event]{
		Vendor:              "wms",
		DefaultMaxBodyBytes: DefaultMaxBodyBytes,
		Methods:             []string{http.MethodPost},
		Options:             c.Options,
		Redact:              []string{MACHeader},
		Verify: func(r *http.Request, body []byte) error {
			err := verify(body, r.Header.Get(MACHeader))
			switch {
			case err == nil:
				return nil
			case errors.Is(err, ErrMissingMAC):
				return httpx.Wrap(errMissingAnswer, err)
			default:
				return httpx.Wrap(errInvalidAnswer, err)
			}
		},
		Decode:  decodeStep,
		Deliver: deliver(fn, c.tracker, c.dropDups),
	}
	if err := p.Check(); err != nil {
		return nil, err
	}
	return p, nil
}

// NewHandler is New for a configuration written in code: it panics with
// New's error, like regexp.MustCompile.
func NewHandler(fn func(context.Context, Event) error, opts ...Option) http.Handler {
	return httpx.Must(New(fn, opts...))
}

// verifier returns the handler's MAC check: raw secrets, Node-form secrets,
// or both side by side, each secret in one form.
func verifier(raw, node []string) (func(body []byte, header string) error, error) {
	for _, r := range raw {
		for _, n := range node {
			if r == n {
				return nil, errors.New("wms: a secret given to both WithSecrets and WithNodeSecrets: each secret has one form")
			}
		}
	}
	var rv, nv *Verifier
	var err error
	if len(raw) > 0 || len(node) == 0 {
		if rv, err = NewVerifier(raw...); err != nil {
			return nil, err
		}
	}
	if len(node) > 0 {
		if nv, err = NewNodeVerifier(node...); err != nil {
			return nil, err
		}
	}
	switch {
	case nv == nil:
		return rv.Verify, nil
	case rv == nil:
		return nv.Verify, nil
	}
	return func(body []byte, header string) error {
		rerr := rv.Verify(body, header)
		if rerr == nil {
			return nil
		}
		if nv.Verify(body, header) == nil {
			return nil
		}
		return rerr // the raw check's refusal, with its hint if any
	}, nil
}

// decodeStep is the handler's Decode step. The idempotency key comes from
// the event's identity (sessionId, NUL, sequence in decimal), not its body.
func decodeStep(_ *http.Request, body []byte) (Event, httpx.Info, error) {
	ev, warnings, err := decode(body)
	info := httpx.Info{Kind: ev.Kind()} // logged even when decoding fails
	if err != nil {
		return Event{}, info, err
	}
	info.Session = ev.SessionID
	info.Warnings = warnings
	info.Identity = ev.SessionID + "\x00" + strconv.FormatInt(ev.Sequence, 10)
	return ev, info, nil
}

// deliver returns the handler's Deliver step: fn, behind the tracker when
// there is one.
//
// With dropDups, a repeat is dropped (answered 200 without fn) only once
// the first delivery's fn has succeeded. A repeat that arrives while the
// first is in flight waits for it, within its own request context (when
// that ends first, it is answered 500, so the sender retries), and is then
// dropped if the first succeeded, or processed itself if it failed. A failed
// delivery releases its number, so the event stays unseen.
func deliver(fn func(context.Context, Event) error, t *Tracker, dropDups bool) func(context.Context, Event) error {
	// fn's error is marked as the function's, so that whatever it wraps it
	// is answered 500 with nothing of its text.
	call := func(ctx context.Context, ev Event) error {
		return httpx.Wrap(httpx.ErrHandler, fn(ctx, ev))
	}
	if t == nil {
		return call
	}
	return func(ctx context.Context, ev Event) error {
		for {
			v, f, busy := t.begin(ev.SessionID, ev.Sequence, dropDups)
			if busy != nil {
				ok, err := t.await(ctx, busy)
				if err != nil {
					return httpx.Wrap(httpx.ErrHandler, err)
				}
				if ok {
					return nil // the first delivery succeeded: a duplicate
				}
				continue // it failed: this one is processed, unless another got there first
			}
			if v.Order == Duplicate && dropDups {
				// Seen and not in flight: its delivery succeeded, since a
				// failed one releases its number.
				return nil
			}
			if f == nil {
				return call(ContextWithVerdict(ctx, v), ev)
			}
			ok := false
			// Deferred, so that a panicking fn fails the flight too.
			defer func() { t.end(ev.SessionID, ev.Sequence, f, ok) }()
			err := call(ContextWithVerdict(ctx, v), ev)
			ok = err == nil
			return err
		}
	}
}
