package wms

import (
	"errors"
	"fmt"

	"github.com/vendorhooks/vendorhooks/hmacverify"
)

// MACHeader is the header carrying the body's MAC; MACPrefix starts its
// value, followed by the lowercase hex HMAC-SHA256.
const (
	MACHeader = "X-WMS-Content-MAC"
	MACPrefix = "hmac-sha256="
)

// Errors of Verifier.Verify. Both are refusals, and the handler answers them
// with 401.
var (
	// ErrMissingMAC means the X-WMS-Content-MAC header is absent or empty.
	ErrMissingMAC = errors.New("wms: missing X-WMS-Content-MAC header")
	// ErrInvalidMAC means the header holds no MAC of the body, by any secret,
	// computed either way the vendor's code can compute it.
	ErrInvalidMAC = errors.New("wms: invalid X-WMS-Content-MAC")
)

// Verifier checks the X-WMS-Content-MAC header of WMS calls with one or more
// MAC secrets (several during a rotation). It is safe for concurrent use.
type Verifier struct {
	v *hmacverify.Verifier
}

// NewVerifier returns a Verifier accepting a MAC by any of secrets, the
// macSecret strings assigned by NuraLogix (used as their UTF-8 bytes, as the
// vendor's Node sample does). It fails when secrets is empty (the error
// matches hmacverify.ErrNoSecret with errors.Is) or holds an empty secret
// (hmacverify.ErrEmptySecret), so nothing is ever accepted unauthenticated by
// accident.
func NewVerifier(secrets ...string) (*Verifier, error) {
	keys := make([][]byte, len(secrets))
	for i, s := range secrets {
		keys[i] = []byte(s)
	}
	v, err := hmacverify.New(
		hmacverify.WithSecrets(keys...),
		hmacverify.WithHash(hmacverify.SHA256),
		hmacverify.WithEncoding(hmacverify.Hex),
		hmacverify.WithHeader(MACHeader),
		hmacverify.WithPrefix(MACPrefix),
	)
	if err != nil {
		return nil, fmt.Errorf("wms: %w", err)
	}
	return &Verifier{v: v}, nil
}

// Verify checks header, the X-WMS-Content-MAC value, against body. It
// accepts the HMAC-SHA256 of the raw body bytes and, only when that fails
// for a non-ASCII body, the HMAC of NodeASCII(body), which is what the
// vendor's sample code signs. Every comparison is constant time
// (hmac.Equal) against every secret. A refusal matches ErrMissingMAC or
// ErrInvalidMAC, and the hmacverify sentinel of the failure
// (hmacverify.ErrMissingSignature, ErrMalformedSignature or
// ErrInvalidSignature); its message names what failed, never a value.
//
// The second way inherits the weakness of the vendor's scheme: NodeASCII
// keeps one byte per character, so a body passing that way may differ from
// the one signed in its non-ASCII characters (U+0161 "š" and "a" both give
// 0x61). Only characters that were non-ASCII on one side can differ; JSON
// structure, numbers and ASCII text cannot. VerifyRaw refuses such bodies.
func (v *Verifier) Verify(body []byte, header string) error {
	err := v.v.Verify(body, header)
	if err != nil && !errors.Is(err, hmacverify.ErrMissingSignature) &&
		!errors.Is(err, hmacverify.ErrMalformedSignature) && !isASCII(body) {
		// Only when the header holds a well-formed MAC that did not match.
		err = v.v.Verify(NodeASCII(body), header)
	}
	return refusal(err)
}

// VerifyRaw is Verify without the second way: it accepts only the HMAC of
// the raw body bytes.
func (v *Verifier) VerifyRaw(body []byte, header string) error {
	return refusal(v.v.Verify(body, header))
}

// macError is a refusal of Verify: a message naming what failed (never a
// value), and the exported sentinels it matches. It wraps nothing else, so
// no error of this package leads to an unexported or internal type.
type macError struct {
	msg string
	is  []error
}

func (e *macError) Error() string   { return e.msg }
func (e *macError) Unwrap() []error { return e.is }

// The refusals without detail, built once so a refusal allocates nothing.
var (
	errMissing = &macError{
		msg: ErrMissingMAC.Error(),
		is:  []error{ErrMissingMAC, hmacverify.ErrMissingSignature},
	}
	errInvalid = &macError{
		msg: ErrInvalidMAC.Error(),
		is:  []error{ErrInvalidMAC, hmacverify.ErrInvalidSignature},
	}
)

// refusal maps an error of hmacverify to this package's, which matches the
// same hmacverify sentinels.
func refusal(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, hmacverify.ErrMissingSignature):
		return errMissing
	case errors.Is(err, hmacverify.ErrMalformedSignature):
		// hmacverify says which way the header is malformed, never a value.
		return &macError{
			msg: ErrInvalidMAC.Error() + ": " + err.Error(),
			is:  []error{ErrInvalidMAC, hmacverify.ErrMalformedSignature, hmacverify.ErrInvalidSignature},
		}
	}
	return errInvalid
}

// Sign returns the header value for body signed over its raw bytes with the
// first secret, as a sender that signs bytes would.
func (v *Verifier) Sign(body []byte) string { return v.v.Sign(body) }
