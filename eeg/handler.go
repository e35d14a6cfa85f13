package eeg

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/vendorhooks/vendorhooks/internal/httpx"
)

// Option configures New and NewHandler.
type Option func(*config)

// config is what the options set.
type config struct {
	httpx.Options
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
// answer. nil, the default, logs nothing.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.Logger = l }
}

// WithStrict answers 400 to a delivery with any warning, an unknown field
// included, instead of delivering it with Delivery.Warnings. What a refusal
// costs with Petal: its sender does not change the message because of the
// answer, so a message refused is a message lost (a retry, if it sends
// one, is refused the same way), and a Petal release that adds a field
// makes every message of that type refused until you upgrade. Without it
// (the default) such messages reach your function, and only the fatal
// cases of Decode are answered 400.
func WithStrict() Option {
	return func(c *config) { c.Strict = true }
}

// New returns the http.Handler that receives Petal Metrics webhooks, or an
// error for a configuration it cannot serve with: a nil fn, or a negative
// WithMaxBodyBytes. Errors start with "eeg: ". A handler New returns
// answers every request; none is answered 500 for want of configuration.
//
// The handler decodes each POST body with Decode, whatever its content
// type (Petal posts application/json; text in the docs' Python form is
// accepted too, and Content-Encoding gzip is decompressed), and calls fn
// with the event and a context that carries the request's
// vendorhooks.Delivery: Vendor "eeg", Kind the message's type ("bandpower"),
// Session "" (Petal has no session key), the body as read, and an
// IdempotencyKey made from the kind and the body, so that a retry of the
// same message has the same key.
//
// Petal posts every message to "/"; the handler answers at whatever path
// it is mounted (directly, or under a prefix with http.StripPrefix or a
// router's group), and does not look at the path. Petal sends no key or
// signature, so New takes none: put the handler behind your own
// authentication if it is reachable from outside.
//
// A message Decode delivers with warnings (a value of the wrong type, an
// unknown or duplicate member, text that is not UTF-8) reaches fn, and
// Delivery.Warnings lists them all; WithStrict refuses it instead.
//
// Answers: 200 {"ok":true} once fn returns nil; 400 {"error": "..."} with
// the DecodeError's text (the offset, line and column of a syntax error, or
// what is wrong with the type) for a message Decode refuses, and with
// WithStrict for one with a warning; 405 with Allow: POST for another
// method; 413 for a body over the limit; 415 for a Content-Encoding other
// than gzip; 500 when fn returns an error, so that the sender may retry
// (fn's error text is logged, never sent).
func New(fn func(context.Context, Event) error, opts ...Option) (http.Handler, error) {
	if fn == nil {
		return nil, errors.New("eeg: nil function: New needs a function to deliver events to")
	}
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	p := &httpx.Pipeline[Event]{
		Vendor:              vendor,
		DefaultMaxBodyBytes: DefaultMaxBodyBytes,
		Methods:             []string{http.MethodPost},
		Options:             cfg.Options,
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

// decodeRequest is the pipeline's Decode step.
func decodeRequest(_ *http.Request, body []byte) (Event, httpx.Info, error) {
	ev, ws, err := DecodeWarnings(body)
	if err != nil {
		return nil, httpx.Info{}, err
	}
	return ev, httpx.Info{Kind: ev.Kind(), Warnings: ws}, nil
}
