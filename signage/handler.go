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
	"github.com/vendorhooks/vendorhooks/internal/tolerant"
)

// Option configures New and NewHandler.
type Option func(*config)

type config struct {
	httpx.Options
	keys      []string
	actions   Actions // not nil once WithActions is given
	onCommand func(context.Context, Command) error
}

// WithAPIKeys adds accepted API keys; calls add up. Several keys may be
// accepted at once (for rotation); they are compared in constant time. New
// refuses a configuration with no key or with an empty key.
func WithAPIKeys(keys ...string) Option {
	return func(c *config) { c.keys = append(c.keys, keys...) }
}

// DefaultMaxBodyBytes is the body limit, after decompression, of a handler
// built without WithMaxBodyBytes (or with 0): 1 MiB.
const DefaultMaxBodyBytes int64 = 1 << 20

// WithMaxBodyBytes sets the largest body accepted, after decompression (413
// above it). Zero keeps the default of 1 MiB; New refuses a negative n.
func WithMaxBodyBytes(n int64) Option {
	return func(c *config) { c.MaxBodyBytes = n }
}

// WithLogger logs one line per request to l: method, path, status, kind and
// error, never a key. A nil l logs nothing (the default).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.Logger = l }
}

// WithStrict makes the handler refuse (400) a trigger with any warning,
// an unknown member included, instead of delivering it with
// Delivery.Warnings. A refusal costs the trigger: the sender sees
// {"message":"Error"} (the vendor's own sample then throws), the action is
// not run and your function is not called, and nothing retries it.
func WithStrict() Option {
	return func(c *config) { c.Strict = true }
}

// WithActions resolves every trigger through table, as the vendor's server
// does, and calls fn with the Command. An event id not in the table is
// answered 404, and a sensor-data rule without sensor data 400, before any
// function runs. When New's own function is not nil too, it runs first, then
// fn. The table is copied; New refuses an invalid table (Actions.Validate)
// and a nil fn.
func WithActions(table Actions, fn func(context.Context, Command) error) Option {
	return func(c *config) {
		c.actions = maps.Clone(table)
		if c.actions == nil {
			c.actions = Actions{}
		}
		c.onCommand = fn
	}
}

// New returns a handler that accepts triggers the way the vendor's server
// does, and calls fn with each one, or reports why it cannot.
//
// It refuses (with an error starting "signage: ") a configuration with no
// key or an empty one (WithAPIKeys), a nil fn without WithActions,
// WithActions with a nil function or an invalid table, and a negative
// WithMaxBodyBytes. A handler New returns serves every request it gets.
//
// The handler accepts POST with the key in the X-Webhook-Apikey header and
// the JSON body DecodeBody reads, and GET with the key in the apiKey
// parameter (or the header) and the trigger in the payload or eventId
// parameter (DecodeQuery). A trigger the decoders deliver with warnings is
// delivered, with the warnings in Delivery.Warnings (WithStrict refuses it). The key of a POST is only read from the header.
// The key is checked before the body is read. The handler never looks at
// the path, so it works at /public-api/integration/webhooks or mounted under
// any prefix.
//
// Inside fn, vendorhooks.DeliveryFromContext gives the Delivery: Kind
// "trigger", no Session, an empty IdempotencyKey (a trigger is a command:
// two equal triggers are two deliveries), Body the POST body as read or, for
// a GET, the trigger's JSON, always valid UTF-8 (the decoded payload, with
// any string read as Latin-1 re-encoded as UTF-8, or {"event_id":...} for
// the legacy form), Warnings every warning of DecodeBodyWarnings or
// DecodeQueryWarnings, and Header with X-Webhook-Apikey redacted. The GET's
// apiKey parameter is in the URL, which a Delivery does not carry.
//
// It answers {"message":"success"} with 200 when fn returns nil, and
// {"message":"Error","error":"<short reason>"} otherwise, as the vendor's
// senders test "message": 400 for a request that the decoders refuse (or,
// with WithStrict, that has a warning), 401 for a
// missing or wrong key, 404 for an event id WithActions does not know, 405
// (with Allow) for another method, 413 for a body over the limit, 415 for a
// Content-Encoding other than gzip, and 500 when fn fails (the reason is
// then only "handler failed"). Reasons never include a key.
func New(fn func(context.Context, Trigger) error, opts ...Option) (http.Handler, error) {
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	if len(cfg.keys) == 0 {
		return nil, errors.New("signage: no api key configured")
	}
	keys, err := httpx.NewKeys(cfg.keys)
	if err != nil {
		return nil, fmt.Errorf("signage: %w", err)
	}
	switch {
	case fn == nil && cfg.actions == nil:
		return nil, errors.New("signage: no function to call")
	case cfg.actions != nil && cfg.onCommand == nil:
		return nil, errors.New("signage: WithActions without a function")
	case cfg.actions != nil:
		if err := cfg.actions.Validate(); err != nil {
			return nil, err
		}
	}
	h := &handler{keys: keys, fn: fn, actions: cfg.actions, onCommand: cfg.onCommand}
	h.p = httpx.Pipeline[Trigger]{
		Vendor:              "signage",
		DefaultMaxBodyBytes: DefaultMaxBodyBytes,
		Methods:             []string{http.MethodGet, http.MethodPost},
		Options:             cfg.Options,
		Redact:              []string{HeaderAPIKey},
		Authorize:           h.authorize,
		Decode:              decodeRequest,
		Deliver:             h.deliver,
		OK:                  writeSuccess,
		Fail:                writeFailure,
	}
	if err := h.p.Check(); err != nil {
		return nil, err
	}
	return &h.p, nil
}

// NewHandler is New for a configuration written in code: it panics with
// New's error, like regexp.MustCompile.
func NewHandler(fn func(context.Context, Trigger) error, opts ...Option) http.Handler {
	return httpx.Must(New(fn, opts...))
}

// handler holds what the pipeline's steps need.
type handler struct {
	p         httpx.Pipeline[Trigger]
	keys      httpx.Keys
	fn        func(context.Context, Trigger) error
	actions   Actions // nil without WithActions
	onCommand func(context.Context, Command) error
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

func writeSuccess(w http.ResponseWriter, _ *http.Request, _ Trigger) {
	httpx.WriteJSON(w, http.StatusOK, answer{Message: messageSuccess})
}

func writeFailure(w http.ResponseWriter, _ *http.Request, status int, msg string) {
	httpx.WriteJSON(w, status, answer{Message: messageError, Error: msg})
}

// authorize checks the key before the body is read: from the header, or for
// a GET from the apiKey parameter when the header is absent. A GET query
// that does not parse is a 400 whose message never quotes the query, which
// may hold the key.
func (h *handler) authorize(r *http.Request) error {
	key := r.Header.Get(HeaderAPIKey)
	if r.Method == http.MethodGet {
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			msg := "query does not parse"
			var ee url.EscapeError
			if errors.As(err, &ee) {
				msg = "query has an invalid percent-encoding"
			}
			return httpx.Wrap(httpx.ErrMalformed, decodeError("", -1, msg))
		}
		if key == "" {
			key = q.Get(QueryAPIKey)
		}
		if key == "" {
			return httpx.Unauthorized("signage: missing apiKey")
		}
	}
	switch {
	case key == "":
		return httpx.Unauthorized("signage: missing " + HeaderAPIKey + " header")
	case !h.keys.Match(key):
		return httpx.Unauthorized("signage: invalid key")
	}
	return nil
}

// decodeRequest decodes the POST body, or the GET query (whose JSON becomes
// Delivery.Body, valid UTF-8), with every warning in Info.Warnings.
func decodeRequest(r *http.Request, body []byte) (Trigger, httpx.Info, error) {
	info := httpx.Info{Kind: KindTrigger, NoKey: true}
	var ws tolerant.List
	var t Trigger
	var err error
	if r.Method == http.MethodGet {
		t, info.Body, err = decodeQuery(r.URL.Query(), &ws) // authorize parsed it without error
	} else {
		t, _, err = decodeBody(body, &ws)
	}
	if err != nil {
		return Trigger{}, info, err
	}
	info.Warnings = ws
	return t, info, nil
}

// deliver resolves t through the action table, if any, and calls the
// functions. The table's refusals carry their httpx class (404, 400); the
// functions' errors are theirs (500).
func (h *handler) deliver(ctx context.Context, t Trigger) error {
	var cmd Command
	if h.actions != nil {
		var err error
		if cmd, err = h.actions.Resolve(t); err != nil {
			if errors.Is(err, ErrUnknownEvent) {
				return httpx.Wrap(httpx.ErrNotFound, err)
			}
			return httpx.Wrap(httpx.ErrMalformed, err)
		}
	}
	if h.fn != nil {
		if err := h.fn(ctx, t); err != nil {
			return err
		}
	}
	if h.onCommand != nil {
		return h.onCommand(ctx, cmd)
	}
	return nil
}
