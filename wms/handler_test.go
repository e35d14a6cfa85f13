package wms_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks"
	"github.com/vendorhooks/vendorhooks/hmacverify"
	"github.com/vendorhooks/vendorhooks/wms"
	"github.com/vendorhooks/vendorhooks/wms/wmstest"
)

// recorder collects the events a handler's function receives.
type recorder struct {
	events   []wms.Event
	verdicts []wms.Verdict
	fail     error
}

func (rec *recorder) fn(ctx context.Context, ev wms.Event) error {
	rec.events = append(rec.events, ev)
	if v, ok := wms.VerdictFromContext(ctx); ok {
		rec.verdicts = append(rec.verdicts, v)
	}
	return rec.fail
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// errorText returns the "error" field of a JSON error answer.
func errorText(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	var body struct{ Error string }
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &body), w.Body.String())
	return body.Error
}

func TestHandlerAccepts(t *testing.T) {
	rec := &recorder{}
	h := wms.NewHandler(rec.fn, wms.WithSecrets(wmstest.Secret))
	// Mounted under a prefix.
	mux := http.NewServeMux()
	mux.Handle("/hooks/wms/", http.StripPrefix("/hooks/wms", h))

	w := serve(mux, wmstest.NewRequest("/hooks/wms/", specBody(t), wmstest.Secret))
	assert.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
	assert.JSONEq(t, `{"ok":true}`, w.Body.String())
	w = serve(mux, wmstest.NewRequest("/hooks/wms/", nonASCIIBody, wmstest.Secret))
	assert.Equal(t, http.StatusOK, w.Code, w.Body.String())
	w = serve(mux, wmstest.NewNodeRequest("/hooks/wms/", nonASCIIBody, wmstest.Secret))
	assert.Equal(t, http.StatusUnauthorized, w.Code, "the Node form needs WithNodeSecrets")

	require.Len(t, rec.events, 2)
	assert.Equal(t, "MEASUREMENT_CREATED", rec.events[0].Kind())
	assert.Equal(t, &wms.Measurement{MeasurementID: "f0c8ca8d-111d-4dcf-a69d-46ed39a2db06"}, rec.events[0].Payload)
	assert.Equal(t, &wms.Details{Details: "caméra 😀 €"}, rec.events[1].Payload)
	assert.Empty(t, rec.verdicts, "no tracker, no verdict")
}

func TestHandlerRefuses(t *testing.T) {
	spec := specBody(t)
	trailing, err := os.ReadFile(goldenDir + "/spec-body-trailing-comma.in")
	require.NoError(t, err)
	for _, c := range []struct {
		name   string
		req    *http.Request
		opts   []wms.Option
		status int
		msg    string
	}{
		{"get", httptest.NewRequest(http.MethodGet, "/", nil), nil, http.StatusMethodNotAllowed, `wms: method "GET" not allowed`},
		{"missing MAC", httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(spec)), nil, http.StatusUnauthorized, "missing X-WMS-Content-MAC header"},
		{"wrong secret", wmstest.NewRequest("/", spec, "other"), nil, http.StatusUnauthorized, "invalid X-WMS-Content-MAC"},
		// Verification comes first: bad JSON with a bad MAC is a 401.
		{"bad JSON, wrong secret", wmstest.NewRequest("/", trailing, "other"), nil, http.StatusUnauthorized, "invalid X-WMS-Content-MAC"},
		{"bad JSON", wmstest.NewRequest("/", trailing, wmstest.Secret), nil, http.StatusBadRequest,
			"wms: offset 226: invalid JSON at line 10, column 1: trailing comma before '}'"},
		{"identity of the wrong type", wmstest.NewRequest("/", []byte(`{"timestamp":"x","sequence":"0"}`), wmstest.Secret), nil, http.StatusBadRequest,
			"wms: /sequence (offset 28): want integer 0 ≤ n < 2^53, got string"},
		{"sequence MaxInt64", wmstest.NewRequest("/", []byte(`{"sessionId":"s","sequence":9223372036854775807,"event":"WMS_LOADED"}`), wmstest.Secret), nil, http.StatusBadRequest,
			`wms: /sequence (offset 28): want integer 0 ≤ n < 2^53, got "9223372036854775807"`},
		{"a 5,000-digit sequence, quoted short", wmstest.NewRequest("/", []byte(`{"sessionId":"s","sequence":`+strings.Repeat("9", 5000)+`,"event":"WMS_LOADED"}`), wmstest.Secret), nil, http.StatusBadRequest,
			`wms: /sequence (offset 28): want integer 0 ≤ n < 2^53, got "` + strings.Repeat("9", 32) + `"...`},
		{"warning, strict", wmstest.NewRequest("/", []byte(`{"timestamp":"x","sessionId":"s","sequence":0,"event":"WMS_LOADED"}`), wmstest.Secret),
			[]wms.Option{wms.WithStrict()}, http.StatusBadRequest, "wms: strict: /timestamp: want integer Unix seconds, got string: left zero"},
		{"unknown field, strict", wmstest.NewRequest("/", []byte(`{"timestamp":1,"sessionId":"s","sequence":0,"event":"WMS_LOADED","new":1}`), wmstest.Secret),
			[]wms.Option{wms.WithStrict()}, http.StatusBadRequest, "wms: strict: /new: unknown field, kept"},
		{"gzip, MAC of the compressed bytes", gzipRequest(t, spec, func(_, z []byte) string { return wmstest.Sign(z, wmstest.Secret) }),
			nil, http.StatusUnauthorized, "invalid X-WMS-Content-MAC"},
		{"other encoding", func() *http.Request {
			r := wmstest.NewRequest("/", spec, wmstest.Secret)
			r.Header.Set("Content-Encoding", "br")
			return r
		}(), nil, http.StatusUnsupportedMediaType, "unsupported content encoding"},
		{"too large", wmstest.NewRequest("/", spec, wmstest.Secret), []wms.Option{wms.WithMaxBodyBytes(64)}, http.StatusRequestEntityTooLarge, "request body too large"},
		{"rotated out", wmstest.NewRequest("/", spec, "old"), []wms.Option{wms.WithSecrets("new")}, http.StatusUnauthorized, "invalid X-WMS-Content-MAC"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := &recorder{}
			opts := append([]wms.Option{wms.WithSecrets(wmstest.Secret)}, c.opts...)
			w := serve(wms.NewHandler(rec.fn, opts...), c.req)
			assert.Equal(t, c.status, w.Code)
			assert.Equal(t, c.msg, errorText(t, w))
			assert.Empty(t, rec.events, "fn must not run")
			if c.status == http.StatusMethodNotAllowed {
				assert.Equal(t, "POST", w.Header().Get("Allow"))
			}
		})
	}
}

func TestHandlerRotation(t *testing.T) {
	rec := &recorder{}
	h := wms.NewHandler(rec.fn, wms.WithSecrets("new"), wms.WithSecrets("old"))
	spec := specBody(t)
	assert.Equal(t, http.StatusOK, serve(h, wmstest.NewRequest("/", spec, "old")).Code)
	assert.Equal(t, http.StatusOK, serve(h, wmstest.NewRequest("/", nonASCIIBody, "new")).Code)
	assert.Equal(t, http.StatusUnauthorized, serve(h, wmstest.NewRequest("/", spec, "older")).Code)
	assert.Len(t, rec.events, 2)
	// A move from one form to the other under a new secret.
	h = wms.NewHandler(rec.fn, wms.WithNodeSecrets("old"), wms.WithSecrets("new"))
	assert.Equal(t, http.StatusOK, serve(h, wmstest.NewNodeRequest("/", genuineE, "old")).Code)
	assert.Equal(t, http.StatusOK, serve(h, wmstest.NewRequest("/", genuineE, "new")).Code)
	assert.Equal(t, http.StatusUnauthorized, serve(h, wmstest.NewRequest("/", genuineE, "old")).Code)
	assert.Equal(t, http.StatusUnauthorized, serve(h, wmstest.NewNodeRequest("/", genuineE, "new")).Code)
	assert.Len(t, rec.events, 4)
}

func TestNewRefuses(t *testing.T) {
	fn := (&recorder{}).fn
	for _, c := range []struct {
		name string
		fn   func(context.Context, wms.Event) error
		opts []wms.Option
		is   error // also matched, where there is a sentinel
		msg  string
	}{
		{"nil fn", nil, []wms.Option{wms.WithSecrets(wmstest.Secret)}, nil, "wms: nil function"},
		{"no secret", fn, nil, hmacverify.ErrNoSecret, "wms: hmacverify: no secret configured"},
		{"empty secret", fn, []wms.Option{wms.WithSecrets("")}, hmacverify.ErrEmptySecret, "wms: hmacverify: empty secret configured (secret 0)"},
		{"empty among secrets", fn, []wms.Option{wms.WithSecrets("new", "")}, hmacverify.ErrEmptySecret, "wms: hmacverify: empty secret configured (secret 1)"},
		{"negative limit", fn, []wms.Option{wms.WithSecrets(wmstest.Secret), wms.WithMaxBodyBytes(-1)}, nil, "wms: negative body limit -1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h, err := wms.New(c.fn, c.opts...)
			assert.Nil(t, h)
			require.EqualError(t, err, c.msg)
			if c.is != nil {
				assert.ErrorIs(t, err, c.is)
			}
			assert.PanicsWithError(t, c.msg, func() { wms.NewHandler(c.fn, c.opts...) })
		})
	}
	// 0 keeps the default limit.
	h, err := wms.New(fn, wms.WithSecrets(wmstest.Secret), wms.WithMaxBodyBytes(0))
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, serve(h, wmstest.NewRequest("/", specBody(t), wmstest.Secret)).Code)
}

func TestHandlerFunctionFails(t *testing.T) {
	rec := &recorder{fail: errors.New("database password is hunter2")}
	h := wms.NewHandler(rec.fn, wms.WithSecrets(wmstest.Secret))
	w := serve(h, wmstest.NewRequest("/", specBody(t), wmstest.Secret))
	assert.Equal(t, http.StatusInternalServerError, w.Code)
	assert.Equal(t, "handler failed", errorText(t, w), "the function's error is not shown")
}

func TestHandlerTracker(t *testing.T) {
	rec := &recorder{}
	h := wms.NewHandler(rec.fn, wms.WithSecrets(wmstest.Secret), wms.WithTracker(wms.NewTracker()))
	evs := wmstest.Events()
	for _, i := range []int{0, 1, 1, 3, 2} {
		w := serve(h, wmstest.NewRequest("/", wmstest.Body(evs[i]), wmstest.Secret))
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	}
	require.Len(t, rec.verdicts, 5, "without dropping, duplicates reach fn")
	var got []wms.Order
	for _, v := range rec.verdicts {
		got = append(got, v.Order)
	}
	assert.Equal(t, []wms.Order{wms.InOrder, wms.InOrder, wms.Duplicate, wms.Gap, wms.Late}, got)
	assert.Equal(t, []int64{2}, rec.verdicts[3].Missing.Numbers(10))
}

func TestHandlerDropDuplicates(t *testing.T) {
	rec := &recorder{}
	h := wms.NewHandler(rec.fn, wms.WithSecrets(wmstest.Secret), wms.WithDropDuplicates())
	body := wmstest.Body(wmstest.Event(wms.CodeWMSLoaded, 0))
	for range 3 {
		w := serve(h, wmstest.NewRequest("/", body, wmstest.Secret))
		assert.Equal(t, http.StatusOK, w.Code)
		assert.JSONEq(t, `{"ok":true}`, w.Body.String(), "a dropped duplicate gets the success answer")
	}
	assert.Len(t, rec.events, 1, "a retried delivery is processed once")

	// A delivery whose function failed is processed again on retry.
	body = wmstest.Body(wmstest.Event(wms.CodeConfigurationLoaded, 1))
	rec.fail = errors.New("busy")
	assert.Equal(t, http.StatusInternalServerError, serve(h, wmstest.NewRequest("/", body, wmstest.Secret)).Code)
	rec.fail = nil
	assert.Equal(t, http.StatusOK, serve(h, wmstest.NewRequest("/", body, wmstest.Secret)).Code)
	require.Len(t, rec.events, 3)
	assert.Equal(t, wms.InOrder, rec.verdicts[2].Order)
	assert.Equal(t, http.StatusOK, serve(h, wmstest.NewRequest("/", body, wmstest.Secret)).Code)
	assert.Len(t, rec.events, 3)
}

func TestHandlerLogs(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	h := wms.NewHandler((&recorder{}).fn, wms.WithSecrets(wmstest.Secret), wms.WithLogger(log))
	serve(h, wmstest.NewRequest("/x", specBody(t), wmstest.Secret))
	serve(h, wmstest.NewRequest("/x", specBody(t), "wrong"))
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 2)
	assert.Contains(t, lines[0], "status=200")
	assert.Contains(t, lines[0], "kind=MEASUREMENT_CREATED")
	assert.Contains(t, lines[1], "status=401")
	assert.NotContains(t, buf.String(), wmstest.Secret)
	assert.NotContains(t, buf.String(), strings.TrimPrefix(wmstest.Sign(specBody(t), wmstest.Secret), wms.MACPrefix), "no MAC in the log")
	assert.NotContains(t, buf.String(), strings.TrimPrefix(wmstest.Sign(specBody(t), "wrong"), wms.MACPrefix), "no presented MAC in the log")
}

// TestHandlerConcurrent delivers every sample event four times, from four
// goroutines at once; with duplicates dropped, each is processed once.
func TestHandlerConcurrent(t *testing.T) {
	var mu sync.Mutex
	seen := map[int64]int{}
	h := wms.NewHandler(func(_ context.Context, ev wms.Event) error {
		mu.Lock()
		defer mu.Unlock()
		seen[ev.Sequence]++
		return nil
	}, wms.WithSecrets(wmstest.Secret), wms.WithDropDuplicates())
	evs := wmstest.Events()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range evs {
				ev := evs[(i+g*5)%len(evs)]
				w := serve(h, wmstest.NewRequest("/", wmstest.Body(ev), wmstest.Secret))
				assert.Equal(t, http.StatusOK, w.Code)
			}
		})
	}
	wg.Wait()
	assert.Len(t, seen, len(evs))
	for seq, n := range seen {
		assert.Equal(t, 1, n, "event %d", seq)
	}
}

// macRequest returns a POST of body with header as its MAC.
func macRequest(body []byte, mac string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	r.Header.Set(wms.MACHeader, mac)
	return r
}

// TestHandlerNodeSecrets checks the opt-in Node form with real Node-signed
// bodies: a genuine é passes, a body beyond U+00FF is refused, and every
// forgery is refused in both modes and never reaches fn.
func TestHandlerNodeSecrets(t *testing.T) {
	rec := &recorder{}
	node := wms.NewHandler(rec.fn, wms.WithNodeSecrets(wmstest.Secret))
	raw := wms.NewHandler(rec.fn, wms.WithSecrets(wmstest.Secret))
	assert.Equal(t, http.StatusOK, serve(node, macRequest(genuineE, genuineENodeMAC)).Code)
	assert.Equal(t, http.StatusOK, serve(node, macRequest(asciiSigned, asciiSignedMAC)).Code, "ASCII: both forms agree")
	assert.Equal(t, http.StatusOK, serve(raw, macRequest(genuineE, genuineERawMAC)).Code)
	require.Len(t, rec.events, 3)
	assert.Equal(t, "café", rec.events[0].SessionID)
	for _, c := range []struct {
		name string
		h    http.Handler
		r    *http.Request
	}{
		{"beyond U+00FF, node", node, wmstest.NewNodeRequest("/", nonASCIIBody, wmstest.Secret)},
		{"raw-signed, node", node, macRequest(genuineE, genuineERawMAC)},
		{"node-signed, raw", raw, macRequest(genuineE, genuineENodeMAC)},
		{"Ŧorge, node", node, macRequest(forgedSession, asciiSignedMAC)},
		{"Ŧorge, raw", raw, macRequest(forgedSession, asciiSignedMAC)},
		{"Ģ for quotes, node", node, macRequest(forgedQuotes, asciiSignedMAC)},
		{"Ģ for quotes, raw", raw, macRequest(forgedQuotes, asciiSignedMAC)},
		{"Ã© for é, raw", raw, macRequest(forgedE, genuineERawMAC)},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := serve(c.h, c.r)
			assert.Equal(t, http.StatusUnauthorized, w.Code)
			assert.Equal(t, "invalid X-WMS-Content-MAC", errorText(t, w), "the sender sees no hint")
		})
	}
	assert.Len(t, rec.events, 3, "no forgery reaches fn")
}

// TestHandlerOneFormPerSecret checks that a secret cannot be given both
// forms: with both, é signed over its bytes could be resent as Ã©.
func TestHandlerOneFormPerSecret(t *testing.T) {
	fn := (&recorder{}).fn
	const msg = "wms: a secret given to both WithSecrets and WithNodeSecrets: each secret has one form"
	_, err := wms.New(fn, wms.WithSecrets("a", wmstest.Secret), wms.WithNodeSecrets(wmstest.Secret))
	require.EqualError(t, err, msg)
	assert.NotContains(t, err.Error(), wmstest.Secret)
	_, err = wms.New(fn, wms.WithNodeSecrets(""))
	assert.ErrorIs(t, err, hmacverify.ErrEmptySecret)
	_, err = wms.New(fn, wms.WithNodeSecrets("n"), wms.WithSecrets(""))
	assert.ErrorIs(t, err, hmacverify.ErrEmptySecret)
}

// TestHandlerLogsNodeHint checks that a raw handler refusing a Node-form
// MAC says so in its log, without the MAC.
func TestHandlerLogsNodeHint(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	h := wms.NewHandler((&recorder{}).fn, wms.WithSecrets(wmstest.Secret), wms.WithLogger(log))
	w := serve(h, macRequest(genuineE, genuineENodeMAC))
	assert.Equal(t, http.StatusUnauthorized, w.Code)
	assert.Contains(t, buf.String(), "Node 'ascii' form")
	assert.Contains(t, buf.String(), "WithNodeSecrets")
	assert.NotContains(t, buf.String(), genuineENodeMAC[len(wms.MACPrefix):len(wms.MACPrefix)+16])
	buf.Reset()
	serve(h, macRequest(genuineE, wmstest.SignNode(genuineE, "other")))
	assert.NotContains(t, buf.String(), "Node 'ascii' form", "no hint for a wrong secret")
	assert.Contains(t, buf.String(), "status=401")
}

// TestHandlerDefaultLimit checks the default body limit of 1 MiB: a signed
// event of exactly 1 MiB is handled, one byte more is answered 413.
func TestHandlerDefaultLimit(t *testing.T) {
	rec := &recorder{}
	h := wms.NewHandler(rec.fn, wms.WithSecrets(wmstest.Secret))
	spec := specBody(t)
	fill := func(n int) []byte { return append(bytes.Clone(spec), bytes.Repeat([]byte(" "), n-len(spec))...) }
	w := serve(h, wmstest.NewRequest("/", fill(1<<20), wmstest.Secret))
	assert.Equal(t, http.StatusOK, w.Code, w.Body.String())
	w = serve(h, wmstest.NewRequest("/", fill(1<<20+1), wmstest.Secret))
	assert.Equal(t, http.StatusRequestEntityTooLarge, w.Code)
	assert.Len(t, rec.events, 1)
}

// TestHandlerDropDuplicatesUsesGivenTracker checks that WithDropDuplicates
// tracks with the tracker of WithTracker when there is one, so handlers
// sharing it drop each other's duplicates.
func TestHandlerDropDuplicatesUsesGivenTracker(t *testing.T) {
	tr := wms.NewTracker()
	recA, recB := &recorder{}, &recorder{}
	a := wms.NewHandler(recA.fn, wms.WithSecrets(wmstest.Secret), wms.WithTracker(tr), wms.WithDropDuplicates())
	b := wms.NewHandler(recB.fn, wms.WithDropDuplicates(), wms.WithSecrets(wmstest.Secret), wms.WithTracker(tr))
	body := wmstest.Body(wmstest.Event(wms.CodeWMSLoaded, 0))
	assert.Equal(t, http.StatusOK, serve(a, wmstest.NewRequest("/", body, wmstest.Secret)).Code)
	assert.Equal(t, http.StatusOK, serve(b, wmstest.NewRequest("/", body, wmstest.Secret)).Code)
	assert.Len(t, recA.events, 1)
	assert.Empty(t, recB.events, "the second handler sees the first one's delivery in the shared tracker")
	assert.Equal(t, 1, tr.Len())
}

// TestHandlerFailedDuplicateStaysSeen checks that when the function fails
// on a duplicate (duplicates not dropped), the number stays seen: the first
// delivery was processed.
func TestHandlerFailedDuplicateStaysSeen(t *testing.T) {
	rec := &recorder{}
	h := wms.NewHandler(rec.fn, wms.WithSecrets(wmstest.Secret), wms.WithTracker(wms.NewTracker()))
	body := wmstest.Body(wmstest.Event(wms.CodeWMSLoaded, 0))
	assert.Equal(t, http.StatusOK, serve(h, wmstest.NewRequest("/", body, wmstest.Secret)).Code)
	rec.fail = errors.New("busy")
	assert.Equal(t, http.StatusInternalServerError, serve(h, wmstest.NewRequest("/", body, wmstest.Secret)).Code)
	rec.fail = nil
	assert.Equal(t, http.StatusOK, serve(h, wmstest.NewRequest("/", body, wmstest.Secret)).Code)
	var got []wms.Order
	for _, v := range rec.verdicts {
		got = append(got, v.Order)
	}
	assert.Equal(t, []wms.Order{wms.InOrder, wms.Duplicate, wms.Duplicate}, got)
}

// gzipRequest returns a request carrying body gzipped, with the MAC sign
// computes from the body and its compressed form.
func gzipRequest(t *testing.T, body []byte, sign func(body, gz []byte) string) *http.Request {
	t.Helper()
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	_, err := zw.Write(body)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(z.Bytes()))
	r.Header.Set("Content-Encoding", "gzip")
	r.Header.Set(wms.MACHeader, sign(body, z.Bytes()))
	return r
}

// TestHandlerGzip checks that the MAC is checked over the decompressed
// body, which is what the sender's code signed.
func TestHandlerGzip(t *testing.T) {
	rec := &recorder{}
	h := wms.NewHandler(rec.fn, wms.WithSecrets(wmstest.Secret))
	w := serve(h, gzipRequest(t, specBody(t), func(b, _ []byte) string { return wmstest.Sign(b, wmstest.Secret) }))
	assert.Equal(t, http.StatusOK, w.Code, w.Body.String())
	w = serve(h, gzipRequest(t, nonASCIIBody, func(b, _ []byte) string { return wmstest.Sign(b, wmstest.Secret) }))
	assert.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.Len(t, rec.events, 2)
	assert.Equal(t, wms.CodeMeasurementCreated, rec.events[0].Code)
	assert.Equal(t, wms.CodeGeneralError, rec.events[1].Code)
}

// TestHandlerDelivery checks the vendorhooks.Delivery the function finds in
// its context: the body as read, the code, the session, a key made from
// the session and sequence number, and the MAC redacted.
func TestHandlerDelivery(t *testing.T) {
	var got []vendorhooks.Delivery
	h := wms.NewHandler(func(ctx context.Context, ev wms.Event) error {
		d, ok := vendorhooks.DeliveryFromContext(ctx)
		require.True(t, ok)
		c := *d
		c.Body = bytes.Clone(d.Body) // valid only until fn returns
		got = append(got, c)
		return nil
	}, wms.WithSecrets(wmstest.Secret))
	body := wmstest.Body(wmstest.Event(wms.CodeIntermediateResults, 4))
	// The same session and sequence number in another body: the vendor's
	// identity of the event, so the same key.
	other := wmstest.Event(wms.CodeIntermediateResults, 4)
	other.Payload = &wms.IntermediateResults{SNR: 3}
	otherBody := wmstest.Body(other)
	next := wmstest.Body(wmstest.Event(wms.CodeIntermediateResults, 5))
	otherSession := wmstest.Event(wms.CodeIntermediateResults, 4)
	otherSession.SessionID = "another-session"
	for _, b := range [][]byte{body, body, otherBody, next, wmstest.Body(otherSession)} {
		w := serve(h, wmstest.NewRequest("/", b, wmstest.Secret))
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	}
	require.Len(t, got, 5)
	d := got[0]
	assert.Equal(t, "wms", d.Vendor)
	assert.Equal(t, "INTERMEDIATE_RESULTS", d.Kind)
	assert.Equal(t, wmstest.SessionID, d.Session)
	assert.Equal(t, body, d.Body)
	assert.Equal(t, otherBody, got[2].Body)
	assert.Equal(t, vendorhooks.RedactedValue, d.Header.Get(wms.MACHeader))
	assert.Equal(t, "application/json", d.Header.Get("Content-Type"))
	assert.False(t, d.Received.IsZero())
	assert.Nil(t, d.Warnings)

	assert.True(t, strings.HasPrefix(d.IdempotencyKey, "wms:"), d.IdempotencyKey)
	assert.Equal(t, d.IdempotencyKey, got[1].IdempotencyKey, "a retry")
	assert.Equal(t, d.IdempotencyKey, got[2].IdempotencyKey, "the same session and sequence, another body")
	assert.NotEqual(t, d.IdempotencyKey, got[3].IdempotencyKey, "another sequence number")
	assert.NotEqual(t, d.IdempotencyKey, got[4].IdempotencyKey, "another session")
	assert.NotEqual(t, got[3].IdempotencyKey, got[4].IdempotencyKey)
}

// blockingFn is a function whose calls block until told how to end: each
// call sends its verdict on entered, then returns what it receives from
// result.
type blockingFn struct {
	entered chan wms.Verdict
	result  chan error
}

func newBlockingFn() *blockingFn {
	return &blockingFn{entered: make(chan wms.Verdict), result: make(chan error)}
}

func (b *blockingFn) fn(ctx context.Context, _ wms.Event) error {
	v, _ := wms.VerdictFromContext(ctx)
	b.entered <- v
	return <-b.result
}

// serveAsync serves r in a goroutine and returns a channel with its answer.
func serveAsync(h http.Handler, r *http.Request) <-chan *httptest.ResponseRecorder {
	ch := make(chan *httptest.ResponseRecorder, 1)
	go func() { ch <- serve(h, r) }()
	return ch
}

// waitParked waits until n repeats wait for a delivery in flight.
func waitParked(t *testing.T, tr *wms.Tracker, n int) {
	t.Helper()
	require.Eventually(t, func() bool { return wms.Waiting(tr) == n }, 10*time.Second, time.Millisecond)
}

// TestHandlerDropDuplicatesInFlight checks that a repeat arriving while the
// first delivery is inside fn is never acknowledged before that delivery
// succeeded: it waits, then is dropped (first succeeded) or processed
// itself (first failed).
func TestHandlerDropDuplicatesInFlight(t *testing.T) {
	body := wmstest.Body(wmstest.Event(wms.CodeWMSLoaded, 0))
	req := func() *http.Request { return wmstest.NewRequest("/", body, wmstest.Secret) }

	t.Run("first succeeds", func(t *testing.T) {
		tr, b := wms.NewTracker(), newBlockingFn()
		h := wms.NewHandler(b.fn, wms.WithSecrets(wmstest.Secret), wms.WithTracker(tr), wms.WithDropDuplicates())
		first := serveAsync(h, req())
		assert.Equal(t, wms.InOrder, (<-b.entered).Order)
		repeat := serveAsync(h, req())
		waitParked(t, tr, 1)
		b.result <- nil
		assert.Equal(t, http.StatusOK, (<-first).Code)
		w := <-repeat
		assert.Equal(t, http.StatusOK, w.Code)
		assert.JSONEq(t, `{"ok":true}`, w.Body.String())
		assert.Equal(t, 0, wms.Waiting(tr))
	})

	t.Run("first fails", func(t *testing.T) {
		tr, b := wms.NewTracker(), newBlockingFn()
		h := wms.NewHandler(b.fn, wms.WithSecrets(wmstest.Secret), wms.WithTracker(tr), wms.WithDropDuplicates())
		first := serveAsync(h, req())
		<-b.entered
		repeat := serveAsync(h, req())
		waitParked(t, tr, 1)
		b.result <- errors.New("database down")
		assert.Equal(t, http.StatusInternalServerError, (<-first).Code)
		// The repeat is processed itself, as the first delivery of its event.
		assert.Equal(t, wms.InOrder, (<-b.entered).Order)
		b.result <- nil
		assert.Equal(t, http.StatusOK, (<-repeat).Code)
		// Now it is seen: a third delivery is dropped without fn.
		assert.Equal(t, http.StatusOK, serve(h, req()).Code)
	})

	t.Run("repeat gives up with its context", func(t *testing.T) {
		tr, b := wms.NewTracker(), newBlockingFn()
		h := wms.NewHandler(b.fn, wms.WithSecrets(wmstest.Secret), wms.WithTracker(tr), wms.WithDropDuplicates())
		first := serveAsync(h, req())
		<-b.entered
		ctx, cancel := context.WithCancel(context.Background())
		repeat := serveAsync(h, req().WithContext(ctx))
		waitParked(t, tr, 1)
		cancel()
		assert.Equal(t, http.StatusInternalServerError, (<-repeat).Code, "never a 200 before the first succeeded")
		waitParked(t, tr, 0)
		b.result <- errors.New("database down")
		assert.Equal(t, http.StatusInternalServerError, (<-first).Code)
		// Nothing was stored: the sender's next retry is processed.
		done := serveAsync(h, req())
		<-b.entered
		b.result <- nil
		assert.Equal(t, http.StatusOK, (<-done).Code)
	})

	t.Run("a panicking fn fails its flight", func(t *testing.T) {
		tr := wms.NewTracker()
		calls := 0
		h := wms.NewHandler(func(context.Context, wms.Event) error {
			calls++
			if calls == 1 {
				panic("boom")
			}
			return nil
		}, wms.WithSecrets(wmstest.Secret), wms.WithTracker(tr), wms.WithDropDuplicates())
		assert.Panics(t, func() { serve(h, req()) })
		assert.Equal(t, http.StatusOK, serve(h, req()).Code)
		assert.Equal(t, 2, calls, "the event stayed unseen")
	})
}

// TestHandlerWarnings checks that an event with warnings is delivered, with
// them in Delivery.Warnings, and that WithStrict refuses it.
func TestHandlerWarnings(t *testing.T) {
	var got []vendorhooks.Warning
	var events []wms.Event
	fn := func(ctx context.Context, ev wms.Event) error {
		d, _ := vendorhooks.DeliveryFromContext(ctx)
		got = append(got, d.Warnings...)
		events = append(events, ev)
		return nil
	}
	body := []byte("{\"timestamp\":9223372036854775807,\"sessionId\":\"s\xe9ance\",\"sequence\":0,\"event\":\"WMS_LOADED\",\"severity\":\"WARN\",\"severity\":\"INFO\",\"new\":{\"a\":1}}")
	h := wms.NewHandler(fn, wms.WithSecrets(wmstest.Secret))
	w := serve(h, wmstest.NewRequest("/", body, wmstest.Secret))
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.Len(t, events, 1)
	assert.Equal(t, "séance", events[0].SessionID)
	assert.True(t, events[0].Timestamp.IsZero())
	assert.Equal(t, wms.SeverityInfo, events[0].Severity, "the last value wins")
	assert.Equal(t, []vendorhooks.Warning{
		{Path: "/timestamp", Offset: 13, Msg: `Unix seconds "9223372036854775807" out of range (years 1 to 9999): left zero`},
		{Path: "/sessionId", Offset: 45, Msg: "not UTF-8: read as Latin-1"},
		{Path: "/severity", Offset: 117, Msg: "duplicate key: the last value wins"},
		{Path: "/new", Offset: 130, Msg: "unknown field, kept", Unknown: true},
	}, got)

	strict := wms.NewHandler(fn, wms.WithSecrets(wmstest.Secret), wms.WithStrict())
	w = serve(strict, wmstest.NewRequest("/", body, wmstest.Secret))
	assert.Equal(t, http.StatusBadRequest, w.Code)
	assert.Len(t, events, 1, "strict: not delivered")
	w = serve(strict, wmstest.NewRequest("/", specBody(t), wmstest.Secret))
	assert.Equal(t, http.StatusOK, w.Code, "strict: a clean event passes")
}

// TestHandlerLogsShort checks that a 5,000-digit literal is not echoed
// whole in the log.
func TestHandlerLogsShort(t *testing.T) {
	var buf bytes.Buffer
	h := wms.NewHandler((&recorder{}).fn, wms.WithSecrets(wmstest.Secret), wms.WithLogger(slog.New(slog.NewTextHandler(&buf, nil))))
	for _, field := range []string{"sequence", "timestamp"} {
		body := `{"sessionId":"s","sequence":0,"event":"WMS_LOADED","` + field + `":` + strings.Repeat("7", 5000) + `}`
		serve(h, wmstest.NewRequest("/", []byte(body), wmstest.Secret))
	}
	assert.Less(t, buf.Len(), 1000, buf.String())
	assert.NotContains(t, buf.String(), strings.Repeat("7", 40))
}
