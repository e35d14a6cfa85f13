package sleep

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/vendorhooks/vendorhooks/internal/httpx"
)

// vendor is the package's name in errors, logs and vendorhooks.Delivery.
const vendor = "sleep"

// Request headers Asleep sends with every callback.
const (
	HeaderAPIKey = "x-api-key" // the API key the session was created with
	HeaderUserID = "x-user-id" // the user the session belongs to
)

// ErrNoAPIKey is matched (with errors.Is) by New's error when no API key is
// configured: a handler without a key could be fed forged reports by anyone
// who finds its URL, so New refuses to build one.
var ErrNoAPIKey = errors.New("sleep: no api key configured")

// Option configures New and NewHandler.
type Option func(*config)

type config struct {
	httpx.Options
	keys []string
}

// WithAPIKeys adds API keys a callback's x-api-key header may carry; give
// several while rotating keys. Calls add up. New refuses a handler without
// any key, or with an empty one.
func WithAPIKeys(keys ...string) Option {
	return func(c *config) {
		c.keys = append(c.keys, keys...)
	}
}

// DefaultMaxBodyBytes is the body limit, after decompression, of a handler
// built without WithMaxBodyBytes (or with 0): 1 MiB.
const DefaultMaxBodyBytes int64 = 1 << 20

// WithMaxBodyBytes limits request bodies to n bytes, after gzip
// decompression; a larger body is answered 413 without calling your
// function. 0 keeps the default of 1 MiB; New refuses a negative n.
func WithMaxBodyBytes(n int64) Option {
	return func(c *config) { c.MaxBodyBytes = n }
}

// WithLogger logs one line per request to l: Info, or Warn for a 5xx
// answer. Lines carry the method, path, status, event name and error, never
// a key. nil, the default, logs nothing.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.Logger = l }
}

// WithStrict makes the handler answer 400 to a callback with any warning
// (see Decode), unknown members included, instead of delivering it with
// Delivery.Warnings. Use it only where a wrong report is worse than none:
// Asleep does not resend a callback that was answered 400, so a refused
// report of the night is lost (the session's data stays on Asleep's side,
// to be fetched through its Data API).
func WithStrict() Option {
	return func(c *config) { c.Strict = true }
}

// New returns the http.Handler for Asleep callbacks, to mount at the
// callback URL given to Asleep (under any prefix: it ignores the path), or
// an error for a configuration it cannot serve with: a nil fn, no API key
// (the error matches ErrNoAPIKey), an empty key, or a negative
// WithMaxBodyBytes. Errors start with "sleep: ". A handler New returns
// answers every request; none is answered 500 for want of configuration.
//
// For each request it answers 405 to a method other than POST; 401 unless
// the x-api-key header equals one of the keys given with WithAPIKeys
// (compared in constant time, before the body is read); 413 to a body over
// the limit; 415 to a Content-Encoding other than gzip; 400 to a body
// Decode refuses, with the DecodeError's text as {"error": "..."} (and,
// with WithStrict, to one with warnings); and otherwise calls fn with the
// event, the x-user-id header stored in its Envelope.HeaderUserID, and
// Decode's warnings, unknown members included, in Delivery.Warnings. A
// callback with warnings is delivered: Asleep would not resend it. Unknown
// events reach fn as *Unknown.
//
// fn's context carries the request's vendorhooks.Delivery: Vendor "sleep",
// Kind the event name ("SESSION_COMPLETE", or an unknown event's own name),
// Session the event's session id ("" for an *Unknown), the body as read,
// the header with x-api-key redacted, and an IdempotencyKey made from the
// kind and the body, equal for a retry of the same callback. If fn returns
// an error the answer is 500, so that Asleep retries; the error is logged,
// not sent. On success the answer is 200 {"ok":true}.
func New(fn func(context.Context, Event) error, opts ...Option) (http.Handler, error) {
	if fn == nil {
		return nil, errors.New("sleep: nil function: New needs a function to deliver events to")
	}
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	if len(cfg.keys) == 0 {
		return nil, ErrNoAPIKey
	}
	keys, err := httpx.NewKeys(cfg.keys)
	if err != nil {
		return nil, fmt.Errorf("sleep: %w", err)
	}
	p := &httpx.Pipeline[Event]{
		Vendor:              vendor,
		DefaultMaxBodyBytes: DefaultMaxBodyBytes,
		Methods:             []string{http.MethodPost},
		Options:             cfg.Options,
		Redact:              []string{HeaderAPIKey},
		Authorize:           func(r *http.Request) error { return authorize(keys, r) },
		Decode:              decodeRequest,
		Deliver:             fn,
		// OK is the pipeline's default, 200 {"ok":true}.
	}
	if err := p.Check(); err != nil {
		return nil, err
	}
	return p, nil
}

// NewHandler is New for a configuration written in code: it panics with
// New's error where New returns one, as regexp.MustCompile does.
func NewHandler(fn func(context.Context, Event) error, opts ...Option) http.Handler {
	return httpx.Must(New(fn, opts...))
}

// authorize checks the x-api-key header. Its errors name what is wrong,
// never the key presented.
func authorize(keys httpx.Keys, r *http.Request) error {
	switch key := r.Header.Get(HeaderAPIKey); {
	case key == "":
		return httpx.Unauthorized("missing " + HeaderAPIKey)
	case !keys.Match(key):
		return httpx.Unauthorized("invalid " + HeaderAPIKey)
	}
	return nil
}

// decodeRequest is the pipeline's Decode step: a refusal is answered 400,
// warnings go to Delivery.Warnings.
func decodeRequest(r *http.Request, body []byte) (Event, httpx.Info, error) {
	ev, ws, err := DecodeWarnings(body)
	if err != nil {
		return nil, httpx.Info{}, err
	}
	ev.Meta().HeaderUserID = r.Header.Get(HeaderUserID)
	info := httpx.Info{Kind: ev.Kind(), Warnings: ws}
	switch ev := ev.(type) {
	case *InferenceComplete:
		info.Session = ev.SessionID
	case *SessionComplete:
		info.Session = ev.SessionID
	}
	return ev, info, nil
}
