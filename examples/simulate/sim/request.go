package sim

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Expect is what a request should produce at the receiver.
type Expect int

const (
	// ExpectSuccess means a 2xx answer (and the answer check, if any, passes).
	ExpectSuccess Expect = iota
	// ExpectFailure means a 4xx answer, or a connection the receiver closed
	// before answering (on an oversized body). A 5xx is not one: it tells
	// the sender to retry a request that can never succeed.
	ExpectFailure
	// ExpectEither means the outcome is not judged (a truncated form body
	// may still parse).
	ExpectEither
)

func (e Expect) String() string {
	switch e {
	case ExpectSuccess:
		return "success"
	case ExpectFailure:
		return "failure"
	default:
		return "either"
	}
}

// Request is one HTTP request of a simulated session, with what it should
// produce.
type Request struct {
	Vendor  string
	Kind    string // the vendor's own message name, as the receiver stores it
	Session string // session key as the receiver stores it ("" for none)
	Seq     int    // position in its session as the vendor numbers it (WMS sequence), -1 when none

	Method string
	Route  string     // appended to the vendor's base path ("/recordTrial")
	Query  url.Values // query parameters (signage GET forms)
	Header http.Header
	Body   []byte

	// NoBodyFaults marks a body that truncation and padding do not apply to
	// (multipart uploads).
	NoBodyFaults bool
	// TruncatedMayPass marks a body format where a truncated body can still
	// be well formed (form encoding).
	TruncatedMayPass bool
	// Pad returns the body grown to at least n bytes while staying well
	// formed, for the oversized-body fault; nil when not applicable.
	Pad func(body []byte, n int) []byte
	// Check judges the header and body of a 2xx answer (nil accepts any).
	Check func(h http.Header, body []byte) error
	// NoEvent marks a request the receiver stores nothing for (a CORS
	// preflight).
	NoEvent bool

	Expect Expect
	Fault  Fault // the fault this request carries (FaultNone for ordinary traffic)
	Slow   bool  // send the body in slow pieces
}

// clone returns a deep enough copy for a fault to change header and body.
func (r *Request) clone() *Request {
	c := *r
	c.Header = r.Header.Clone()
	c.Body = bytes.Clone(r.Body)
	if r.Query != nil {
		c.Query = url.Values{}
		for k, v := range r.Query {
			c.Query[k] = append([]string(nil), v...)
		}
	}
	return &c
}

// Outcome is what one request produced.
type Outcome struct {
	Req      *Request
	Status   int // 0 when no answer arrived
	Err      error
	Latency  time.Duration
	Body     []byte
	Expected bool // the outcome matched Req.Expect
	Sent     bool // false for a dropped or cancelled request
}

// Succeeded reports a 2xx answer whose body passed the request's check.
func (o Outcome) Succeeded() bool {
	return o.Status >= 200 && o.Status < 300 && o.Err == nil
}

// sender sends requests to one receiver.
type sender struct {
	client    *http.Client
	base      string
	paths     map[string]string
	slowDelay time.Duration
}

// send performs r and judges the answer against r.Expect.
func (s *sender) send(ctx context.Context, r *Request) Outcome {
	u := strings.TrimRight(s.base, "/") + joinPath(s.paths[r.Vendor], r.Route)
	if len(r.Query) > 0 {
		u += "?" + r.Query.Encode()
	}
	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
		if r.Slow {
			body = &slowReader{ctx: ctx, data: r.Body, delay: s.slowDelay / slowPieces, piece: max(1, len(r.Body)/slowPieces+1)}
		}
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, u, body)
	if err != nil {
		return Outcome{Req: r, Err: err, Sent: true}
	}
	req.Header = r.Header.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	if r.Body != nil {
		req.ContentLength = int64(len(r.Body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(r.Body)), nil }
	}
	start := time.Now()
	resp, err := s.client.Do(req)
	o := Outcome{Req: r, Sent: true}
	if err == nil {
		o.Status = resp.StatusCode
		o.Body, err = io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if err == nil && o.Succeeded() && r.Check != nil {
			err = r.Check(resp.Header, o.Body)
		}
	}
	o.Latency = time.Since(start)
	if err != nil {
		if ctx.Err() != nil {
			o.Sent = false
		}
		o.Err = err
	}
	switch r.Expect {
	case ExpectSuccess:
		o.Expected = o.Succeeded()
	case ExpectFailure:
		// A receiver may close the connection on an oversized body before
		// the client finished writing it: no answer is a refusal too.
		o.Expected = o.Status >= 400 && o.Status < 500 || o.Status == 0
	default:
		o.Expected = true
	}
	return o
}

// joinPath joins a vendor's base path and a route with exactly one slash
// between them; an empty route keeps the base path as it is.
func joinPath(base, route string) string {
	if !strings.HasPrefix(base, "/") {
		base = "/" + base
	}
	if route == "" {
		return base
	}
	return strings.TrimRight(base, "/") + "/" + strings.TrimLeft(route, "/")
}

// slowPieces is how many pieces a slow sender cuts a body into.
const slowPieces = 4

// slowReader hands out data piece by piece, pausing before each piece, like
// a sender on a poor connection.
type slowReader struct {
	ctx   context.Context
	data  []byte
	delay time.Duration
	piece int
}

func (s *slowReader) Read(p []byte) (int, error) {
	if len(s.data) == 0 {
		return 0, io.EOF
	}
	t := time.NewTimer(s.delay)
	select {
	case <-s.ctx.Done():
		t.Stop()
		return 0, s.ctx.Err()
	case <-t.C:
	}
	n := copy(p, s.data[:min(s.piece, len(s.data))])
	s.data = s.data[n:]
	return n, nil
}

// describeStatus names an outcome for the fault table: the status code, or
// why there is none.
func describeStatus(o Outcome) string {
	switch {
	case !o.Sent:
		return "not sent"
	case o.Status == 0:
		return "no answer"
	case o.Err != nil:
		return fmt.Sprintf("%d bad answer", o.Status)
	default:
		return fmt.Sprint(o.Status)
	}
}
