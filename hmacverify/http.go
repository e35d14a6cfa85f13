package hmacverify

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/vendorhooks/vendorhooks/internal/httpx"
)

// SetHeaders sets on h the headers a sender of body sends: the signature
// header, and for a timestamped verifier the id header (when configured) and
// the timestamp header, from id and t.
func (v *Verifier) SetHeaders(h http.Header, body []byte, id string, t time.Time) {
	if v.segments == nil {
		h.Set(v.header, v.Sign(body))
		return
	}
	if v.idHeader != "" {
		h.Set(v.idHeader, id)
	}
	h.Set(v.tsHeader, strconv.FormatInt(t.Unix(), 10))
	h.Set(v.header, v.SignTimestamped(body, id, t))
}

// VerifyRequest verifies r and returns its body. It checks the headers
// first (a request without a signature, or with a timestamp outside the
// tolerance, is refused before its body is read), then reads the body, no
// more than the limit (WithMaxBodyBytes), and verifies it. Once the body has
// been read whole, r.Body holds it again, verified or not, so that the next
// handler can read it.
//
// On error the body is nil. Errors are those of Verify and
// VerifyTimestamped, ErrTooLarge for a body over the limit, or the read
// error.
func (v *Verifier) VerifyRequest(r *http.Request) ([]byte, error) {
	return v.verifyRequest(nil, r)
}

// verifyRequest is VerifyRequest; w, when not nil, lets the server close
// the connection after a body over the limit.
func (v *Verifier) verifyRequest(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	var id, ts string
	if v.segments != nil {
		if v.idHeader != "" {
			id = r.Header.Get(v.idHeader)
		}
		ts = r.Header.Get(v.tsHeader)
	}
	header := r.Header.Get(v.header)
	var sig [maxMACSize]byte
	n, single, err := v.check(&sig, id, ts, header)
	if err != nil {
		return nil, err
	}
	body, err := httpx.ReadBody(w, r, v.maxBody)
	if err != nil {
		if errors.Is(err, httpx.ErrTooLarge) {
			return nil, fmt.Errorf("%w: %w", ErrTooLarge, err)
		}
		return nil, fmt.Errorf("hmacverify: %w", err)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	if err := v.compare(body, id, ts, header, single, sig[:n]); err != nil {
		return nil, err
	}
	return body, nil
}

// Middleware returns a handler that verifies each request with
// VerifyRequest and calls next with the body readable again. It answers a
// refused signature or timestamp with 401, a body over the limit with 413,
// and a failed read with 400, each with a JSON body {"error": "..."} that
// names what failed and holds no secret or MAC.
func (v *Verifier) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := v.verifyRequest(w, r); err != nil {
			httpx.Fail(w, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}
