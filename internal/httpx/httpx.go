// Package httpx holds what every vendorhooks handler needs, so that no vendor
// package writes it again: reading a body under a limit, method checks,
// constant-time key comparison, the JSON error answer, and the mapping from a
// handler's errors to HTTP statuses.
//
// The error answer is always {"error": "<message>"}. Messages come from the
// error classes below and from decode errors; they never contain a secret, a
// presented key or a computed MAC.
package httpx

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/vendorhooks/vendorhooks/internal/tolerant"
)

// DefaultMaxBodyBytes is the body limit a handler uses unless an option
// changes it: 1 MiB.
const DefaultMaxBodyBytes int64 = 1 << 20

// Error classes. A handler wraps the error of a failed step in one of these
// (with Wrap), and Status maps the class to the HTTP status.
var (
	// ErrMalformed marks a request whose body or query cannot be decoded (400).
	ErrMalformed = errors.New("malformed request")
	// ErrUnauthorized marks a missing or wrong key or signature (401).
	ErrUnauthorized = errors.New("unauthorized")
	// ErrNotFound marks a request for something the server does not know (404).
	ErrNotFound = errors.New("not found")
	// ErrTooLarge marks a body over the limit (413).
	ErrTooLarge = errors.New("request body too large")
	// ErrUnsupported marks a Content-Encoding the handler cannot decode (415).
	ErrUnsupported = errors.New("unsupported content encoding")
	// ErrHandler marks a failure of the user's function (500), so the sender retries.
	ErrHandler = errors.New("handler failed")
)

// classError ties an error to its class without changing its message.
type classError struct {
	class error
	err   error
}

func (e *classError) Error() string   { return e.err.Error() }
func (e *classError) Unwrap() []error { return []error{e.class, e.err} }

// Wrap returns err marked with class, so that errors.Is(err, class) holds and
// Status knows the answer. Wrap(class, nil) returns nil.
func Wrap(class, err error) error {
	if err == nil {
		return nil
	}
	return &classError{class: class, err: err}
}

// Status returns the HTTP status for an error produced by a handler step:
// 500 for ErrHandler whatever else the error matches, 413 for ErrTooLarge or
// *http.MaxBytesError, 415, 401, 404, 400 for their classes, and 500 for
// anything else (a failure of the user's function, or
// one this package does not know, which the sender should retry).
func Status(err error) int {
	var mbe *http.MaxBytesError
	switch {
	case err == nil:
		return http.StatusOK
	case errors.Is(err, ErrHandler):
		return http.StatusInternalServerError
	case errors.Is(err, ErrTooLarge), errors.As(err, &mbe):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, ErrUnsupported):
		return http.StatusUnsupportedMediaType
	case errors.Is(err, ErrUnauthorized):
		return http.StatusUnauthorized
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, ErrMalformed):
		return http.StatusBadRequest
	default:
		return http.StatusInternalServerError
	}
}

// PublicMessage returns the text safe to show the sender for err. Decode
// errors (ErrMalformed) and not-found errors show their own message, which
// callers build only from the request's own content; the other classes show
// the class alone, so a presented key, a computed MAC or an internal error
// from the user's function never reaches the sender.
func PublicMessage(err error) string {
	switch Status(err) {
	case http.StatusBadRequest, http.StatusNotFound:
		return err.Error()
	case http.StatusUnauthorized:
		var pe *publicError
		if errors.As(err, &pe) {
			return pe.msg
		}
		return ErrUnauthorized.Error()
	case http.StatusRequestEntityTooLarge:
		return ErrTooLarge.Error()
	case http.StatusUnsupportedMediaType:
		return ErrUnsupported.Error()
	default:
		return ErrHandler.Error()
	}
}

// publicError is an authentication error whose message is known to be safe
// (it names what is missing or wrong, never a value).
type publicError struct{ msg string }

func (e *publicError) Error() string { return e.msg }

// Unauthorized returns an error of class ErrUnauthorized whose message msg is
// shown to the sender. msg must name what failed ("missing x-api-key"), never
// a value.
func Unauthorized(msg string) error {
	return Wrap(ErrUnauthorized, &publicError{msg: msg})
}

// WriteJSON writes v as JSON with status. Marshalling errors are not possible
// for the small answer types handlers use; if one happens, the answer is a
// plain 500.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"error":"internal error"}`, http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// errorBody is the JSON error answer.
type errorBody struct {
	Error string `json:"error"`
}

// WriteError answers {"error": msg} with status.
func WriteError(w http.ResponseWriter, status int, msg string) {
	WriteJSON(w, status, errorBody{Error: msg})
}

// Fail answers err with Status(err) and PublicMessage(err), and returns the
// status it wrote.
func Fail(w http.ResponseWriter, err error) int {
	status := Status(err)
	WriteError(w, status, PublicMessage(err))
	return status
}

// Method reports whether r's method is one of allowed. When it is not, it
// answers 405 with an Allow header and the JSON error, and returns false.
func Method(w http.ResponseWriter, r *http.Request, allowed ...string) bool {
	for _, m := range allowed {
		if r.Method == m {
			return true
		}
	}
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	WriteError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed")
	return false
}

// Keys is a set of accepted secret keys (several, for rotation). Match
// compares in constant time against every key, so neither which key matched
// nor how long the keys are shows in the timing.
type Keys struct {
	digests [][sha256.Size]byte
}

// NewKeys builds a key set. It fails when keys is empty or holds an empty
// key: a handler must never run unauthenticated by accident.
func NewKeys(keys []string) (Keys, error) {
	if len(keys) == 0 {
		return Keys{}, errors.New("no key configured")
	}
	k := Keys{digests: make([][sha256.Size]byte, len(keys))}
	for i, key := range keys {
		if key == "" {
			return Keys{}, errors.New("empty key configured")
		}
		k.digests[i] = sha256.Sum256([]byte(key))
	}
	return k, nil
}

// Len returns the number of keys in the set.
func (k Keys) Len() int { return len(k.digests) }

// Match reports whether got equals one of the keys. An empty got never
// matches.
func (k Keys) Match(got string) bool {
	if got == "" {
		return false
	}
	d := sha256.Sum256([]byte(got))
	ok := 0
	for i := range k.digests {
		ok |= subtle.ConstantTimeCompare(d[:], k.digests[i][:])
	}
	return ok == 1
}

// Options are the settings every handler shares; vendor packages embed it in
// their own configuration and expose it through their own Option functions.
type Options struct {
	MaxBodyBytes int64        // 0 means the vendor's default; negative is refused by Check
	Logger       *slog.Logger // nil means no logging
	Strict       bool         // answer 400 to a delivery with any warning
}

// maxLoggedPath is the longest request path a log line holds whole; a
// longer one is cut, so that a path an attacker chose costs little to log.
const maxLoggedPath = 256

// cut returns s cut to n bytes with "..." when longer, never inside a UTF-8
// sequence.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "..."
}

// Log logs one line per request at Info (or Warn for 5xx) when a logger is
// set. The path and kind are cut (to 256 and 64 bytes), since the sender
// chose them.
func (o *Options) Log(r *http.Request, vendor string, kind string, status int, err error) {
	if o.Logger == nil {
		return
	}
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelWarn
	}
	attrs := []slog.Attr{
		slog.String("vendor", vendor),
		slog.String("method", r.Method),
		slog.String("path", cut(r.URL.Path, maxLoggedPath)),
		slog.Int("status", status),
	}
	if kind != "" {
		attrs = append(attrs, slog.String("kind", cut(kind, tolerant.MaxKindBytes)))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	o.Logger.LogAttrs(r.Context(), level, "webhook", attrs...)
}
