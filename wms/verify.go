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

// Errors of Verifier.Verify. ErrMissingMAC and ErrInvalidMAC are refusals,
// and the handler answers them with 401; ErrNodeFormMAC and ErrNotLatin1
// say more about an ErrInvalidMAC.
var (
	// ErrMissingMAC means the X-WMS-Content-MAC header is absent or empty.
	ErrMissingMAC = errors.New("wms: missing X-WMS-Content-MAC header")
	// ErrInvalidMAC means the header holds no MAC of the body, in the
	// verifier's form, by any of its secrets.
	ErrInvalidMAC = errors.New("wms: invalid X-WMS-Content-MAC")
	// ErrNodeFormMAC is matched, beside ErrInvalidMAC, by a refusal of a raw
	// Verifier whose MAC is that of the body's Node 'ascii' form
	// (NodeASCII): the sender signs the way the vendor's sample does, and
	// its secret belongs in NewNodeVerifier (WithNodeSecrets), not
	// NewVerifier (WithSecrets).
	ErrNodeFormMAC = errors.New("wms: the MAC is of the body's Node 'ascii' form: a sender that signs so needs WithNodeSecrets")
	// ErrNotLatin1 is matched, beside ErrInvalidMAC, by a refusal of a Node
	// Verifier for a body that is not valid UTF-8 or holds a character
	// above U+00FF: for such a body the Node form is not one-to-one (other
	// bodies share its MAC), so no MAC of that form can authenticate it.
	ErrNotLatin1 = errors.New("wms: body has a character above U+00FF or is not UTF-8: its Node 'ascii' form cannot authenticate it")
)

// Verifier checks the X-WMS-Content-MAC header of WMS calls with one or more
// MAC secrets (several during a rotation), each in the one form the
// Verifier was built for: NewVerifier, the HMAC of the body's raw bytes, or
// NewNodeVerifier, the HMAC of its Node 'ascii' form. A body passes only
// when the MAC binds every byte of it, whatever the form. It is safe for
// concurrent use.
type Verifier struct {
	v    *hmacverify.Verifier
	node bool
}

// NewVerifier returns a Verifier accepting the HMAC-SHA256 of the raw body
// bytes by any of secrets, the macSecret strings assigned by NuraLogix (used
// as their UTF-8 bytes): standard HMAC, which authenticates every body byte
// for byte, whatever the sender really does. A sender signing the way the
// vendor's Node sample does is refused for a non-ASCII body, with an error
// that also matches ErrNodeFormMAC (NewNodeVerifier is then the one to use).
//
// It fails when secrets is empty (the error matches hmacverify.ErrNoSecret
// with errors.Is) or holds an empty secret (hmacverify.ErrEmptySecret), so
// nothing is ever accepted unauthenticated by accident.
func NewVerifier(secrets ...string) (*Verifier, error) {
	return newVerifier(false, secrets)
}

// NewNodeVerifier returns a Verifier accepting, by any of secrets, the MAC
// the vendor's Node sample computes: the HMAC-SHA256 of NodeASCII(body). It
// accepts only a body that is valid UTF-8 with every character at most
// U+00FF, where that form is one-to-one, so that no second body shares its
// MAC; any other body is refused (ErrInvalidMAC and ErrNotLatin1) whatever its
// MAC. Use it only for a sender known to sign that way. It fails
// as NewVerifier does.
func NewNodeVerifier(secrets ...string) (*Verifier, error) {
	return newVerifier(true, secrets)
}

func newVerifier(node bool, secrets []string) (*Verifier, error) {
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
	return &Verifier{v: v, node: node}, nil
}

// Node reports whether v verifies the Node 'ascii' form (NewNodeVerifier).
func (v *Verifier) Node() bool { return v.node }

// Verify checks header, the X-WMS-Content-MAC value, against body in the
// verifier's one form. Every comparison is constant time (hmac.Equal)
// against every secret. A refusal matches ErrMissingMAC or ErrInvalidMAC,
// and the hmacverify sentinel of the failure (hmacverify.ErrMissingSignature,
// ErrMalformedSignature or ErrInvalidSignature); its message names what
// failed, never a value.
//
// A raw Verifier whose MAC fails for a non-ASCII body checks, only to say
// so, whether the MAC is that of the body's Node form: the refusal then
// also matches ErrNodeFormMAC, a hint for the operator. The body is refused
// all the same.
func (v *Verifier) Verify(body []byte, header string) error {
	if !v.node {
		err := v.v.Verify(body, header)
		if errors.Is(err, hmacverify.ErrInvalidSignature) && !errors.Is(err, hmacverify.ErrMalformedSignature) &&
			!isASCII(body) && v.v.Verify(NodeASCII(body), header) == nil {
			return errNodeForm
		}
		return refusal(err)
	}
	if !latin1Text(body) {
		if err := refusal(v.v.Verify(nil, header)); errors.Is(err, ErrMissingMAC) || errors.Is(err, hmacverify.ErrMalformedSignature) {
			return err // the header's own fault comes first
		}
		return errNotLatin1
	}
	return refusal(v.v.Verify(NodeASCII(body), header))
}

// Sign returns the header value for body signed with the first secret in
// the verifier's form, as a sender of that form would.
func (v *Verifier) Sign(body []byte) string {
	if v.node {
		return v.v.Sign(NodeASCII(body))
	}
	return v.v.Sign(body)
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
	errNodeForm = &macError{
		msg: ErrInvalidMAC.Error() + ": " + ErrNodeFormMAC.Error()[len("wms: "):],
		is:  []error{ErrInvalidMAC, ErrNodeFormMAC, hmacverify.ErrInvalidSignature},
	}
	errNotLatin1 = &macError{
		msg: ErrInvalidMAC.Error() + ": " + ErrNotLatin1.Error()[len("wms: "):],
		is:  []error{ErrInvalidMAC, ErrNotLatin1, hmacverify.ErrInvalidSignature},
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
