package httpx

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks"
)

// testPipeline is a pipeline over string events: the body is the event,
// "bad" is malformed, and the kind is "k".
func testPipeline(t *testing.T, deliver func(context.Context, string) error) *Pipeline[string] {
	t.Helper()
	p := &Pipeline[string]{
		Vendor:  "test",
		Methods: []string{http.MethodPost},
		Redact:  []string{"X-Key"},
		Authorize: func(r *http.Request) error {
			if r.Header.Get("X-Key") != "k1" {
				return Unauthorized("test: invalid X-Key")
			}
			return nil
		},
		Decode: func(r *http.Request, body []byte) (string, Info, error) {
			if string(body) == "bad" {
				return "", Info{}, &vendorhooks.DecodeError{Vendor: "test", Path: "/x", Offset: 1, Msg: "want a number"}
			}
			return string(body), Info{Kind: "k", Session: "s"}, nil
		},
		Deliver: deliver,
	}
	require.NoError(t, p.Check())
	return p
}

func post(body io.Reader) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/", body)
	r.Header.Set("X-Key", "k1")
	return r
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

func gzipped(t *testing.T, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(b)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func TestPipelineSteps(t *testing.T) {
	var got []string
	var delivery *vendorhooks.Delivery
	p := testPipeline(t, func(ctx context.Context, ev string) error {
		got = append(got, ev)
		delivery, _ = vendorhooks.DeliveryFromContext(ctx)
		if ev == "fail" {
			return errors.New("database down: secret detail")
		}
		return nil
	})
	p.MaxBodyBytes = 16
	require.NoError(t, p.Check())

	rec := serve(p, post(strings.NewReader("hello")))
	assert.Equal(t, 200, rec.Code)
	assert.JSONEq(t, `{"ok":true}`, rec.Body.String())
	assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	require.NotNil(t, delivery)
	assert.Equal(t, "hello", string(delivery.Body))
	assert.Equal(t, "test", delivery.Vendor)
	assert.Equal(t, "k", delivery.Kind)
	assert.Equal(t, "s", delivery.Session)
	assert.Equal(t, vendorhooks.RedactedValue, delivery.Header.Get("X-Key"))
	assert.False(t, delivery.Received.IsZero())
	assert.Equal(t, "UTC", delivery.Received.Location().String())
	first := delivery.IdempotencyKey
	assert.True(t, strings.HasPrefix(first, "test:"), first)

	serve(p, post(strings.NewReader("hello")))
	assert.Equal(t, first, delivery.IdempotencyKey, "a retry has the same key")
	serve(p, post(strings.NewReader("hello2")))
	assert.NotEqual(t, first, delivery.IdempotencyKey, "another body has another key")

	r := httptest.NewRequest(http.MethodGet, "/", nil)
	rec = serve(p, r)
	assert.Equal(t, 405, rec.Code)
	assert.Equal(t, "POST", rec.Header().Get("Allow"))

	r = post(strings.NewReader("hello"))
	r.Header.Set("X-Key", "wrong")
	rec = serve(p, r)
	assert.Equal(t, 401, rec.Code)
	assert.JSONEq(t, `{"error":"test: invalid X-Key"}`, rec.Body.String())

	rec = serve(p, post(strings.NewReader("bad")))
	assert.Equal(t, 400, rec.Code)
	assert.JSONEq(t, `{"error":"test: /x (offset 1): want a number"}`, rec.Body.String())

	rec = serve(p, post(strings.NewReader("fail")))
	assert.Equal(t, 500, rec.Code)
	assert.NotContains(t, rec.Body.String(), "secret")

	rec = serve(p, post(strings.NewReader(strings.Repeat("a", 17))))
	assert.Equal(t, 413, rec.Code)

	assert.Equal(t, []string{"hello", "hello", "hello2", "fail"}, got, "fn runs only for requests that pass every step")
}

// An error the user's function returns is answered 500 even when it
// happens to match a class (a DecodeError from the user's own decoding),
// while an error the vendor's Deliver classes keeps its class.
func TestPipelineDeliverErrors(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
	}{
		{&vendorhooks.DecodeError{Vendor: "user", Msg: "x"}, 500},
		{errors.New("boom"), 500},
		{Wrap(ErrNotFound, errors.New("test: unknown event")), 404},
		{Wrap(ErrMalformed, errors.New("test: rule needs sensor data")), 400},
	} {
		p := testPipeline(t, func(context.Context, string) error { return tc.err })
		assert.Equal(t, tc.status, serve(p, post(strings.NewReader("x"))).Code, "%v", tc.err)
	}
}

// Every step runs before the next: the key is checked before the body is
// read, and the body before the MAC, the MAC before decoding.
func TestPipelineOrder(t *testing.T) {
	var steps []string
	p := testPipeline(t, func(context.Context, string) error { steps = append(steps, "deliver"); return nil })
	auth := p.Authorize
	p.Authorize = func(r *http.Request) error { steps = append(steps, "authorize"); return auth(r) }
	p.Verify = func(r *http.Request, body []byte) error {
		steps = append(steps, "verify:"+string(body))
		if r.Header.Get("X-Mac") != "ok" {
			return Unauthorized("test: invalid X-Mac")
		}
		return nil
	}
	decode := p.Decode
	p.Decode = func(r *http.Request, body []byte) (string, Info, error) {
		steps = append(steps, "decode")
		return decode(r, body)
	}
	require.NoError(t, p.Check())

	r := post(readerFunc(func([]byte) (int, error) { steps = append(steps, "read"); return 0, io.EOF }))
	r.Header.Set("X-Key", "nope")
	assert.Equal(t, 401, serve(p, r).Code)
	assert.Equal(t, []string{"authorize"}, steps, "a wrong key is refused before the body is read")

	steps = nil
	r = post(strings.NewReader("abc"))
	assert.Equal(t, 401, serve(p, r).Code)
	assert.Equal(t, []string{"authorize", "verify:abc"}, steps, "a wrong MAC is refused before decoding")

	steps = nil
	r = post(strings.NewReader("abc"))
	r.Header.Set("X-Mac", "ok")
	assert.Equal(t, 200, serve(p, r).Code)
	assert.Equal(t, []string{"authorize", "verify:abc", "decode", "deliver"}, steps)
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(b []byte) (int, error) { return f(b) }

func TestPipelineEncodings(t *testing.T) {
	var body []byte
	p := testPipeline(t, func(ctx context.Context, ev string) error {
		d, _ := vendorhooks.DeliveryFromContext(ctx)
		body = d.Body
		return nil
	})
	p.MaxBodyBytes = 1 << 10
	var mac []byte
	p.Verify = func(_ *http.Request, b []byte) error { mac = b; return nil }
	require.NoError(t, p.Check())

	plain := []byte(strings.Repeat("hello ", 100))
	r := post(bytes.NewReader(gzipped(t, plain)))
	r.Header.Set("Content-Encoding", "gzip")
	rec := serve(p, r)
	require.Equal(t, 200, rec.Code, rec.Body.String())
	assert.Equal(t, plain, body, "Delivery.Body is the decompressed body")
	assert.Equal(t, plain, mac, "the MAC is checked over the decompressed body")

	bomb := gzipped(t, make([]byte, 10<<20)) // 10 MiB of zeros in about 10 KiB
	require.Less(t, len(bomb), 1<<20)
	r = post(bytes.NewReader(bomb))
	r.Header.Set("Content-Encoding", "gzip")
	p.MaxBodyBytes = 64 << 10
	require.NoError(t, p.Check())
	assert.Equal(t, 413, serve(p, r).Code, "the limit applies to the decompressed size")

	r = post(strings.NewReader("not gzip at all"))
	r.Header.Set("Content-Encoding", "gzip")
	rec = serve(p, r)
	assert.Equal(t, 400, rec.Code)
	assert.JSONEq(t, `{"error":"body is not valid gzip"}`, rec.Body.String())

	for _, enc := range []string{"br", "deflate", "compress", "gzip, br"} {
		r = post(strings.NewReader("x"))
		r.Header.Set("Content-Encoding", enc)
		rec = serve(p, r)
		assert.Equal(t, 415, rec.Code, enc)
		assert.JSONEq(t, `{"error":"unsupported content encoding"}`, rec.Body.String())
	}
	r = post(strings.NewReader("x"))
	r.Header.Set("Content-Encoding", "identity")
	assert.Equal(t, 200, serve(p, r).Code)
}

// A request that declares 30 MiB and sends one byte costs what it sent,
// not what it declared.
func TestReadBodyDeclaredLengthIsNotAllocated(t *testing.T) {
	const declared = 30 << 20
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("x"))
	r.ContentLength = declared
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b, err := ReadBody(httptest.NewRecorder(), r, 32<<20)
	runtime.ReadMemStats(&after)
	require.NoError(t, err) // a server's body reader would report the short body; this one just ends
	assert.Equal(t, "x", string(b))
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<20))
}

func TestReadBodyGrowsAsBytesArrive(t *testing.T) {
	body := strings.Repeat("a", 200<<10)
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	b, err := ReadBody(httptest.NewRecorder(), r, 1<<20)
	require.NoError(t, err)
	assert.Equal(t, body, string(b))
	r = httptest.NewRequest(http.MethodPost, "/", strings.NewReader("exact"))
	b, err = ReadBody(httptest.NewRecorder(), r, 0)
	require.NoError(t, err)
	assert.Equal(t, 6, cap(b), "a declared length is used, plus one byte to see EOF")
	rd, buf := strings.NewReader(""), make([]byte, 0, 6)
	assert.Zero(t, testing.AllocsPerRun(20, func() {
		rd.Reset("exact")
		_, _ = readAll(rd, buf[:0], 6)
	}), "an exactly sized buffer is not grown")
}

// allocated returns the bytes the heap allocated while f ran.
func allocated(f func()) uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	before := s[0].Value.Uint64()
	f()
	metrics.Read(s)
	return s[0].Value.Uint64() - before
}

// A 30 MiB body costs its final buffer and the doublings before it: under
// 2.2x its size allocated, whether its length is declared or not, and an
// exactly declared length ends in an exactly sized buffer.
func TestReadBodyGrowthIsBounded(t *testing.T) {
	const size = 30 << 20
	body := bytes.Repeat([]byte{'<'}, size)
	for _, declared := range []bool{true, false} {
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		if !declared {
			r.ContentLength = -1
		}
		var b []byte
		var err error
		n := allocated(func() { b, err = ReadBody(httptest.NewRecorder(), r, 32<<20) })
		require.NoError(t, err)
		require.Equal(t, size, len(b))
		assert.Less(t, n, uint64(size)*22/10, "declared %v: %d bytes allocated for %d", declared, n, size)
		if declared {
			assert.Equal(t, size+1, cap(b))
		} else {
			assert.LessOrEqual(t, cap(b), 32<<20+1, "never past the limit plus one")
		}
	}
}

func TestPipelineStrict(t *testing.T) {
	p := testPipeline(t, func(context.Context, string) error { return nil })
	p.Decode = func(*http.Request, []byte) (string, Info, error) {
		return "x", Info{Kind: "k", Warnings: []vendorhooks.Warning{{Path: "/a", Offset: 3, Msg: "unknown field"}}}, nil
	}
	require.NoError(t, p.Check())
	assert.Equal(t, 200, serve(p, post(strings.NewReader("x"))).Code, "warnings are delivered")
	p.Strict = true
	rec := serve(p, post(strings.NewReader("x")))
	assert.Equal(t, 400, rec.Code)
	assert.JSONEq(t, `{"error":"test: strict: /a: unknown field"}`, rec.Body.String())
}

func TestPipelineCheck(t *testing.T) {
	p := testPipeline(t, func(context.Context, string) error { return nil })
	p.Deliver = nil
	assert.Error(t, p.Check())
	p = testPipeline(t, func(context.Context, string) error { return nil })
	p.MaxBodyBytes = -1
	assert.EqualError(t, p.Check(), "test: negative body limit -1")
	p.MaxBodyBytes = 0
	p.DefaultMaxBodyBytes = 7
	require.NoError(t, p.Check())
	assert.Equal(t, int64(7), p.Limit())
	p.DefaultMaxBodyBytes = 0
	require.NoError(t, p.Check())
	assert.Equal(t, DefaultMaxBodyBytes, p.Limit())
}

func TestPipelineNoKeyAndBodyOverride(t *testing.T) {
	var d *vendorhooks.Delivery
	p := testPipeline(t, func(ctx context.Context, _ string) error { d, _ = vendorhooks.DeliveryFromContext(ctx); return nil })
	p.Decode = func(*http.Request, []byte) (string, Info, error) {
		return "x", Info{Kind: "trigger", NoKey: true, Body: []byte(`{"event_id":"a"}`)}, nil
	}
	require.NoError(t, p.Check())
	require.Equal(t, 200, serve(p, post(strings.NewReader("raw"))).Code)
	assert.Equal(t, "", d.IdempotencyKey)
	assert.Equal(t, `{"event_id":"a"}`, string(d.Body))
}

func TestIdempotencyKey(t *testing.T) {
	a := IdempotencyKey("wms", "MEASUREMENT_CREATED", "s\x001", []byte("one body"))
	assert.Equal(t, a, IdempotencyKey("wms", "MEASUREMENT_CREATED", "s\x001", []byte("another body")), "an identity decides, not the body")
	assert.NotEqual(t, a, IdempotencyKey("wms", "MEASUREMENT_CREATED", "s\x002", nil))
	assert.NotEqual(t, a, IdempotencyKey("wms", "MEASUREMENT_CANCELLED", "s\x001", nil), "scoped by kind")
	assert.NotEqual(t, IdempotencyKey("eeg", "k", "", []byte("b")), IdempotencyKey("sleep", "k", "", []byte("b")), "scoped by vendor")
	assert.NotEqual(t, IdempotencyKey("eeg", "k", "b", nil), IdempotencyKey("eeg", "k", "", []byte("b")), "an identity never equals a body")
	assert.NotEqual(t, IdempotencyKey("eeg", "ab", "", []byte("c")), IdempotencyKey("eeg", "a", "", []byte("bc")))
}

func TestQuote(t *testing.T) {
	assert.Equal(t, `"abc"`, Quote("abc"))
	long := strings.Repeat("9", 5000)
	assert.Equal(t, `"`+long[:32]+`"...`, Quote(long))
	s := strings.Repeat("a", 31) + "é" // the 32nd byte starts a two-byte sequence
	assert.Equal(t, `"`+strings.Repeat("a", 31)+`"...`, Quote(s+"x"))
}
