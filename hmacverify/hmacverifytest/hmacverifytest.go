// Package hmacverifytest builds signed requests and signature header values
// for tests of code that receives HMAC-signed webhooks, in the manner of
// net/http/httptest.
package hmacverifytest

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/vendorhooks/vendorhooks/hmacverify"
)

// DefaultID is the message id NewRequest sends for a timestamped verifier.
const DefaultID = "msg_test"

// NewRequest returns a request for target, like httptest.NewRequest, whose
// body is body and whose headers are those a sender configured like v sets:
// the signature with v's first secret and, for a timestamped verifier, the
// message id DefaultID and the current time. It is for tests: it panics where
// httptest.NewRequest does.
func NewRequest(v *hmacverify.Verifier, method, target string, body []byte) *http.Request {
	return NewRequestAt(v, method, target, body, DefaultID, time.Now())
}

// NewRequestAt is NewRequest with the message id and time of a timestamped
// verifier given (a verifier without timestamps ignores them), for testing
// replays and clock skew.
func NewRequestAt(v *hmacverify.Verifier, method, target string, body []byte, id string, t time.Time) *http.Request {
	r := httptest.NewRequest(method, target, bytes.NewReader(body))
	v.SetHeaders(r.Header, body, id, t)
	return r
}

// HeaderValue returns the signature header's value for body, signed by a
// verifier built from opts with its first secret (see Verifier.Sign). It
// panics when opts do not build a verifier.
func HeaderValue(body []byte, opts ...hmacverify.Option) string {
	return mustNew(opts).Sign(body)
}

// TimestampedHeaderValue returns the signature header's value for the
// timestamped message of body, id and t, signed by a verifier built from opts
// with its first secret (see Verifier.SignTimestamped). It panics when opts
// do not build a verifier.
func TimestampedHeaderValue(body []byte, id string, t time.Time, opts ...hmacverify.Option) string {
	return mustNew(opts).SignTimestamped(body, id, t)
}

// Join returns one header value holding every value, separated by spaces,
// as a sender signing with several secrets sends it.
func Join(values ...string) string { return strings.Join(values, " ") }

// mustNew builds a verifier or panics.
func mustNew(opts []hmacverify.Option) *hmacverify.Verifier {
	v, err := hmacverify.New(opts...)
	if err != nil {
		panic("hmacverifytest: " + err.Error())
	}
	return v
}
