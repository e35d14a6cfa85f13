package hmacverify

import (
	"errors"

	"github.com/vendorhooks/vendorhooks/internal/httpx"
)

// Errors of New.
var (
	// ErrNoSecret means no secret was configured.
	ErrNoSecret = errors.New("hmacverify: no secret configured")
	// ErrEmptySecret means an empty secret was configured.
	ErrEmptySecret = errors.New("hmacverify: empty secret configured")
	// ErrMalformedSecret means a secret in a preset's format does not decode.
	ErrMalformedSecret = errors.New("hmacverify: malformed secret")
	// ErrInvalidConfig means an option holds an impossible value.
	ErrInvalidConfig = errors.New("hmacverify: invalid configuration")
)

// Errors of verification. Each error Verify, VerifyTimestamped and
// VerifyRequest return for a refused signature matches one of these with
// errors.Is; its message names what failed, never a value.
var (
	// ErrMissingSignature means the header is absent or holds no signature.
	ErrMissingSignature = errors.New("hmacverify: missing signature")
	// ErrInvalidSignature means no signature matched any secret. Errors
	// matching ErrMalformedSignature match it too.
	ErrInvalidSignature = errors.New("hmacverify: invalid signature")
	// ErrMalformedSignature means the header holds signatures, but none with
	// the configured prefix, encoding and length.
	ErrMalformedSignature = errors.New("hmacverify: malformed signature")
	// ErrMissingID means the timestamped scheme's id header is absent.
	ErrMissingID = errors.New("hmacverify: missing message id")
	// ErrMissingTimestamp means the timestamp header is absent.
	ErrMissingTimestamp = errors.New("hmacverify: missing timestamp")
	// ErrMalformedTimestamp means the timestamp is not Unix seconds.
	ErrMalformedTimestamp = errors.New("hmacverify: malformed timestamp")
	// ErrTimestampTooOld means the timestamp lies further in the past than
	// the tolerance.
	ErrTimestampTooOld = errors.New("hmacverify: timestamp too old")
	// ErrTimestampTooNew means the timestamp lies further in the future than
	// the tolerance.
	ErrTimestampTooNew = errors.New("hmacverify: timestamp too new")
	// ErrTooLarge means the request body is over the limit (VerifyRequest).
	ErrTooLarge = errors.New("hmacverify: request body too large")
)

// authError is a refused verification. It matches its sentinels and is an
// unauthorized error for the module's handlers, whose answer shows msg.
type authError struct {
	msg  string
	errs []error
}

func (e *authError) Error() string   { return e.msg }
func (e *authError) Unwrap() []error { return e.errs }

// refuse returns an authError for sentinel, with msg (which must hold no
// value) as its text, or the sentinel's own text when msg is empty.
func refuse(sentinel error, msg string, also ...error) error {
	if msg == "" {
		msg = sentinel.Error()
	}
	errs := append([]error{sentinel}, also...)
	return &authError{msg: msg, errs: append(errs, httpx.Unauthorized(msg))}
}

// Errors returned often, built once so a refusal allocates nothing.
var (
	errMissing = refuse(ErrMissingSignature, "")
	errInvalid = refuse(ErrInvalidSignature, "")
)
