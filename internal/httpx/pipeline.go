package httpx

import (
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/vendorhooks/vendorhooks"
)

// Pipeline is the one request pipeline every vendor handler is built from.
// Its steps run in this order, the same for every vendor:
//
//  1. method check: 405 with Allow;
//  2. Authorize, for a key that travels in a header or the query, before the
//     body is read: 401;
//  3. bounded read (ReadBody): 413 over the limit, 415 for an encoding other
//     than gzip, 400 for a body that cannot be read;
//  4. Verify, for a MAC over the bytes read: 401;
//  5. Decode: 400 for ErrMalformed (and, with Strict, for any warning);
//  6. Deliver, with the Delivery in its context: 500 when it fails, so the
//     sender retries;
//  7. OK, the vendor's success answer.
//
// What a vendor's sender reads differs only in OK and Fail. Build one with
// its fields set, then call Check; a Pipeline is not changed after that and
// serves requests concurrently.
type Pipeline[E any] struct {
	// Vendor names the vendor in Delivery, logs and errors: "eeg".
	Vendor string
	// Methods are the methods served; others get 405.
	Methods []string
	// Options are the settings every vendor package's options set.
	Options
	// DefaultMaxBodyBytes is the limit when Options.MaxBodyBytes is 0; 0
	// means DefaultMaxBodyBytes.
	DefaultMaxBodyBytes int64
	// Redact names the headers whose values Delivery.Header hides.
	Redact []string
	// Authorize checks r before its body is read; nil when the vendor has
	// no key in the header or query. Its errors carry their class
	// (Unauthorized; ErrMalformed for a query that does not parse).
	Authorize func(r *http.Request) error
	// Stream, when it holds for r, skips the bounded read: Decode gets a nil
	// body and reads r.Body itself, which is limited (and decompressed) as
	// ReadBody would; Info.Body then says what Delivery.Body holds. A
	// streamed request skips Verify too (there are no bytes read to check),
	// so Stream is only for vendors whose streamed route carries no MAC.
	Stream func(r *http.Request) bool
	// Verify checks the body as read; nil when the vendor signs nothing.
	Verify func(r *http.Request, body []byte) error
	// Decode turns the body into the event and says what it is. Its errors
	// are answered by their class: ErrMalformed (a DecodeError) 400, others
	// as Status maps them.
	Decode func(r *http.Request, body []byte) (E, Info, error)
	// Deliver calls the user's function with ctx, which carries the
	// Delivery. An error that carries a class of this package (Wrap) is
	// answered by it; any other error is the user's and answers 500.
	Deliver func(ctx context.Context, ev E) error
	// OK writes the success answer; nil writes 200 {"ok":true}.
	OK func(w http.ResponseWriter, r *http.Request, ev E)
	// Fail writes a failure answer with status and the public message; nil
	// writes {"error": msg}.
	Fail func(w http.ResponseWriter, r *http.Request, status int, msg string)

	limit int64
}

// Info is what Decode learns about a message besides the event itself.
type Info struct {
	Kind    string // the vendor's name of the message
	Session string // the vendor's session key, or ""
	// Identity is the vendor's own identity of the message, from which the
	// idempotency key is made instead of the body (WMS: session and
	// sequence). Empty: the body.
	Identity string
	// NoKey makes the idempotency key empty (signage commands).
	NoKey bool
	// Body, when not nil, is what Delivery.Body holds instead of the body
	// as read (a signage GET's payload, an upload's fields).
	Body []byte
	// Warnings are the decoder's non-fatal findings.
	Warnings []vendorhooks.Warning
}

// Check validates the pipeline's configuration and fixes its limit. It
// returns an error for a negative limit; the vendor's New returns it.
func (p *Pipeline[E]) Check() error {
	if p.MaxBodyBytes < 0 {
		return fmt.Errorf("%s: negative body limit %d", p.Vendor, p.MaxBodyBytes)
	}
	p.limit = p.MaxBodyBytes
	if p.limit == 0 {
		p.limit = p.DefaultMaxBodyBytes
	}
	if p.limit <= 0 {
		p.limit = DefaultMaxBodyBytes
	}
	if p.Decode == nil || p.Deliver == nil || len(p.Methods) == 0 {
		return fmt.Errorf("%s: pipeline without Decode, Deliver or methods", p.Vendor)
	}
	return nil
}

// Limit returns the body limit in force (after Check).
func (p *Pipeline[E]) Limit() int64 { return p.limit }

// okBody is the default success answer.
type okBody struct {
	OK bool `json:"ok"`
}

func (p *Pipeline[E]) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if p.Fail != nil {
		p.Fail(w, r, status, msg)
		return
	}
	WriteError(w, status, msg)
}

// ServeHTTP runs the steps in order and logs one line.
func (p *Pipeline[E]) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	kind, status, err := p.serve(w, r, start)
	p.Log(r, p.Vendor, kind, status, err)
}

func (p *Pipeline[E]) serve(w http.ResponseWriter, r *http.Request, start time.Time) (kind string, status int, err error) {
	if !methodAllowed(r.Method, p.Methods) {
		w.Header().Set("Allow", strings.Join(p.Methods, ", "))
		p.fail(w, r, http.StatusMethodNotAllowed, p.Vendor+": method "+Quote(r.Method)+" not allowed")
		return "", http.StatusMethodNotAllowed, nil
	}
	refuse := func(err error) (string, int, error) {
		status := Status(err)
		p.fail(w, r, status, PublicMessage(err))
		return kind, status, err
	}
	if p.Authorize != nil {
		if err := p.Authorize(r); err != nil {
			return refuse(err)
		}
	}
	var body []byte
	if p.Stream != nil && p.Stream(r) {
		rd, err := BodyReader(w, r, p.limit)
		if err != nil {
			return refuse(err)
		}
		r.Body = readCloser{rd, r.Body}
	} else {
		if body, err = ReadBody(w, r, p.limit); err != nil {
			return refuse(err)
		}
		if p.Verify != nil {
			if err := p.Verify(r, body); err != nil {
				return refuse(err)
			}
		}
	}
	ev, info, err := p.Decode(r, body)
	kind = info.Kind
	if err != nil {
		if Status(err) == http.StatusInternalServerError {
			// A decoder's error without a class is still the payload's
			// fault, never the user's function's.
			err = Wrap(ErrMalformed, err)
		}
		return refuse(err)
	}
	if p.Strict && len(info.Warnings) > 0 {
		return refuse(Wrap(ErrMalformed, errors.New(p.Vendor+": strict: "+info.Warnings[0].String())))
	}
	d := &vendorhooks.Delivery{
		Vendor:   p.Vendor,
		Kind:     info.Kind,
		Session:  info.Session,
		Body:     body,
		Header:   redact(r.Header, p.Redact),
		Received: start.UTC(),
		Warnings: info.Warnings,
	}
	if info.Body != nil {
		d.Body = info.Body
	}
	if !info.NoKey {
		d.IdempotencyKey = IdempotencyKey(p.Vendor, info.Kind, info.Identity, d.Body)
	}
	if err := p.Deliver(vendorhooks.ContextWithDelivery(r.Context(), d), ev); err != nil {
		var ce *classError
		if !errors.As(err, &ce) {
			err = Wrap(ErrHandler, err)
		}
		return refuse(err)
	}
	if p.OK != nil {
		p.OK(w, r, ev)
	} else {
		WriteJSON(w, http.StatusOK, okBody{OK: true})
	}
	return kind, http.StatusOK, nil
}

func methodAllowed(m string, allowed []string) bool {
	for _, a := range allowed {
		if m == a {
			return true
		}
	}
	return false
}

// Must returns h, or panics with err: every vendor package's NewHandler is
// Must(New(...)), as regexp.MustCompile is to Compile.
func Must(h http.Handler, err error) http.Handler {
	if err != nil {
		panic(err)
	}
	return h
}

// IdempotencyKey is Delivery.IdempotencyKey: vendor, ":", and the hex
// SHA-256 of kind and identity, or of kind and body when identity is empty.
func IdempotencyKey(vendor, kind, identity string, body []byte) string {
	h := sha256.New()
	_, _ = io.WriteString(h, kind)
	if identity != "" {
		_, _ = h.Write([]byte{0, 'i'})
		_, _ = io.WriteString(h, identity)
	} else {
		_, _ = h.Write([]byte{0, 'b'})
		_, _ = h.Write(body)
	}
	var sum [sha256.Size]byte
	return vendor + ":" + hex.EncodeToString(h.Sum(sum[:0]))
}

// redact returns a copy of h with the values of the named headers replaced
// by vendorhooks.RedactedValue.
func redact(h http.Header, names []string) http.Header {
	c := h.Clone()
	if c == nil {
		c = http.Header{}
	}
	for _, n := range names {
		if _, ok := c[http.CanonicalHeaderKey(n)]; ok {
			c.Set(n, vendorhooks.RedactedValue)
		}
	}
	return c
}

// Quote returns s in double quotes, cut to about 32 bytes with "..." when
// longer, so that an echoed value costs little whatever its size.
func Quote(s string) string {
	const max = 32
	if len(s) > max {
		i := max
		for i > 0 && s[i]&0xC0 == 0x80 { // do not cut a UTF-8 sequence
			i--
		}
		return fmt.Sprintf("%q...", s[:i])
	}
	return fmt.Sprintf("%q", s)
}

type readCloser struct {
	io.Reader
	io.Closer
}

// initialBuffer is the most ReadBody allocates before bytes arrive: a
// declared Content-Length is a claim, not a fact.
const initialBuffer = 64 << 10

// BodyReader returns r's body limited to limit bytes (a limit of zero or
// less means DefaultMaxBodyBytes) and, for Content-Encoding gzip,
// decompressed, with the limit applied to the decompressed bytes as well as
// to those on the wire. It refuses a declared Content-Length over the limit
// (ErrTooLarge) and any other encoding but identity (ErrUnsupported) before
// reading anything. Reading past the limit fails with an error of class
// ErrTooLarge, and the server closes the connection after the answer.
func BodyReader(w http.ResponseWriter, r *http.Request, limit int64) (io.Reader, error) {
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding")))
	wireLimit := limit
	switch enc {
	case "", "identity":
	case "gzip", "x-gzip":
		// The limit is on the decompressed bytes. The wire gets a little
		// more, since gzip makes a small or incompressible body longer (by
		// its header and 5 bytes per 64 KiB stored block), but not
		// unbounded: empty blocks would otherwise cost reading forever.
		wireLimit = limit + limit/1024 + 1024
	default:
		return nil, Wrap(ErrUnsupported, fmt.Errorf("content encoding %s", Quote(enc)))
	}
	if r.ContentLength > wireLimit {
		return nil, Wrap(ErrTooLarge, fmt.Errorf("body of %d bytes is over the limit of %d", r.ContentLength, wireLimit))
	}
	if r.Body == nil {
		return http.NoBody, nil
	}
	wire := http.MaxBytesReader(w, r.Body, wireLimit)
	if wireLimit == limit {
		return limitedReader{wire}, nil
	}
	return &gzipReader{wire: wire, left: limit}, nil
}

// limitedReader classes the errors of a body read.
type limitedReader struct{ r io.Reader }

func (l limitedReader) Read(b []byte) (int, error) {
	n, err := l.r.Read(b)
	return n, classRead(err)
}

func classRead(err error) error {
	if err == nil || err == io.EOF {
		return err
	}
	var ce *classError
	if errors.As(err, &ce) {
		return err
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) || errors.Is(err, ErrTooLarge) {
		return Wrap(ErrTooLarge, err)
	}
	return Wrap(ErrMalformed, fmt.Errorf("reading body: %w", err))
}

// gzipReader decompresses a gzip body, opening the stream on the first Read
// and allowing at most left decompressed bytes.
type gzipReader struct {
	wire io.Reader
	zr   *gzip.Reader
	left int64
}

var errInflated = errors.New("decompressed body over the limit")

func (g *gzipReader) Read(b []byte) (int, error) {
	if g.zr == nil {
		zr, err := gzip.NewReader(g.wire)
		if err != nil {
			if err == io.EOF {
				return 0, io.EOF // an empty body is an empty body
			}
			return 0, classGzip(err)
		}
		g.zr = zr
	}
	if int64(len(b)) > g.left+1 {
		b = b[:g.left+1]
	}
	n, err := g.zr.Read(b)
	if int64(n) > g.left {
		return 0, Wrap(ErrTooLarge, errInflated)
	}
	g.left -= int64(n)
	if err != nil && err != io.EOF {
		return n, classGzip(err)
	}
	return n, err
}

func classGzip(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return Wrap(ErrTooLarge, err)
	}
	return Wrap(ErrMalformed, errors.New("body is not valid gzip"))
}

// ReadBody reads r's body whole through BodyReader. It allocates no more
// than 64 KiB before bytes arrive, whatever Content-Length declares, and
// grows its buffer only as they do: it doubles when full, never past the
// declared length plus one byte (for a body without Content-Encoding) nor
// past the limit plus one. A 30 MiB body thus costs its final buffer plus
// the doublings before it, about 2x its size allocated in all, instead of
// the 5x of append's 1.25x growth (measured: 165 -> 62 MiB allocated for
// 30 MiB), and a sender must have sent half of any buffer it makes us hold.
func ReadBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	rd, err := BodyReader(w, r, limit)
	if err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	// One extra byte lets the read see EOF, or the limit's error, without
	// growing the slice.
	bound := limit + 1
	size := int64(512)
	if n := r.ContentLength; n >= 0 {
		size = min(n+1, initialBuffer)
	}
	if r.Header.Get("Content-Encoding") != "" {
		size = max(size, 4096)
	} else if n := r.ContentLength; n >= 0 {
		bound = min(bound, n+1)
	}
	b, err := readAll(rd, make([]byte, 0, min(size, bound)), bound)
	if err != nil {
		return nil, classRead(err)
	}
	return b, nil
}

// readAll is io.ReadAll into a caller-sized buffer, which grows only when it
// is full (io.ReadAll and bytes.Buffer grow as soon as less than 512 bytes
// are free, which would reallocate an exactly sized buffer), by doubling,
// to at most bound bytes of capacity while bound is above its length; a
// full buffer of bound bytes grows by append when the reader still yields
// (a reader that ignores its limit, or sends more than it declared).
func readAll(r io.Reader, b []byte, bound int64) ([]byte, error) {
	for {
		if len(b) == cap(b) {
			if n := min(2*int64(cap(b)), bound); n > int64(cap(b)) {
				b = append(make([]byte, 0, n), b...)
			} else {
				b = append(b, 0)[:len(b)]
			}
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			if err == io.EOF {
				return b, nil
			}
			return b, err
		}
	}
}
