package eeg_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks"
	"github.com/vendorhooks/vendorhooks/eeg"
	"github.com/vendorhooks/vendorhooks/eeg/eegtest"
)

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

func post(body string) *http.Request { return eegtest.NewRequest("/", []byte(body)) }

func TestHandler(t *testing.T) {
	var got []string
	h := eeg.NewHandler(func(_ context.Context, ev eeg.Event) error {
		got = append(got, ev.Kind())
		if ev.Kind() == "metrics" {
			return errors.New("database is down: secret-dsn")
		}
		return nil
	}, eeg.WithMaxBodyBytes(4096))

	t.Run("JSON and Python text, any content type", func(t *testing.T) {
		got = nil
		rec := serve(h, post(eegtest.JSON["blink"]))
		assert.Equal(t, http.StatusOK, rec.Code)
		assert.Equal(t, "{\"ok\":true}\n", rec.Body.String())
		assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
		assert.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))

		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(eegtest.Doc["eye"]))
		r.Header.Set("Content-Type", "text/plain")
		assert.Equal(t, http.StatusOK, serve(h, r).Code)
		assert.Equal(t, []string{"blink", "eye"}, got)
	})
	t.Run("any mount path", func(t *testing.T) {
		mux := http.NewServeMux()
		mux.Handle("/hooks/petal/", http.StripPrefix("/hooks/petal", h))
		r := eegtest.NewRequest("/hooks/petal/", []byte(eegtest.JSON["bandpower"]))
		assert.Equal(t, http.StatusOK, serve(mux, r).Code)
	})
	t.Run("gzip", func(t *testing.T) {
		var zb bytes.Buffer
		zw := gzip.NewWriter(&zb)
		_, _ = zw.Write([]byte(eegtest.JSON["artifact-detect"]))
		require.NoError(t, zw.Close())
		r := eegtest.NewRequest("/", zb.Bytes())
		r.Header.Set("Content-Encoding", "gzip")
		assert.Equal(t, http.StatusOK, serve(h, r).Code)
		r = post(eegtest.JSON["blink"])
		r.Header.Set("Content-Encoding", "br")
		assert.Equal(t, http.StatusUnsupportedMediaType, serve(h, r).Code)
	})
	t.Run("400 names the offset", func(t *testing.T) {
		rec := serve(h, post("{'type': 'blink' 'data': {}}"))
		assert.Equal(t, http.StatusBadRequest, rec.Code)
		assert.JSONEq(t, `{"error":"eeg: offset 17: unexpected '\\'', want ',' or '}' at line 1, column 18"}`, rec.Body.String())
	})
	t.Run("400 names the type", func(t *testing.T) {
		rec := serve(h, post(`{"data":{}}`))
		assert.Equal(t, http.StatusBadRequest, rec.Code)
		assert.JSONEq(t, `{"error":"eeg: /type: missing, want string"}`, rec.Body.String())
	})
	t.Run("405", func(t *testing.T) {
		rec := serve(h, httptest.NewRequest(http.MethodGet, "/", nil))
		assert.Equal(t, http.StatusMethodNotAllowed, rec.Code)
		assert.Equal(t, "POST", rec.Header().Get("Allow"))
	})
	t.Run("413", func(t *testing.T) {
		rec := serve(h, post(eegtest.Doc["metricsJson"]+strings.Repeat(" ", 4096)))
		assert.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
	})
	t.Run("500 hides fn's error", func(t *testing.T) {
		rec := serve(h, post(eegtest.JSON["metrics"]))
		assert.Equal(t, http.StatusInternalServerError, rec.Code)
		assert.NotContains(t, rec.Body.String(), "secret")
	})
}

// TestNewRefuses checks that New refuses each configuration it cannot
// serve with, and that NewHandler panics with New's error.
func TestNewRefuses(t *testing.T) {
	ok := func(context.Context, eeg.Event) error { return nil }
	for _, tc := range []struct {
		name string
		fn   func(context.Context, eeg.Event) error
		opts []eeg.Option
		want string
	}{
		{"nil fn", nil, nil, "eeg: nil function"},
		{"negative limit", ok, []eeg.Option{eeg.WithMaxBodyBytes(-1)}, "eeg: negative body limit -1"},
	} {
		h, err := eeg.New(tc.fn, tc.opts...)
		assert.Nil(t, h, tc.name)
		require.Error(t, err, tc.name)
		assert.True(t, strings.HasPrefix(err.Error(), tc.want), "%s: %v", tc.name, err)
		assert.PanicsWithError(t, err.Error(), func() { eeg.NewHandler(tc.fn, tc.opts...) }, tc.name)
	}
	h, err := eeg.New(ok, eeg.WithMaxBodyBytes(0), eeg.WithLogger(nil))
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, serve(h, post(eegtest.JSON["blink"])).Code)
}

// TestHandlerDelivery checks the Delivery fn receives: the exact body, the
// kind, no session, and an idempotency key that is equal for a retry of the
// same body and different for another body.
func TestHandlerDelivery(t *testing.T) {
	var got []vendorhooks.Delivery
	h := eeg.NewHandler(func(ctx context.Context, ev eeg.Event) error {
		d, ok := vendorhooks.DeliveryFromContext(ctx)
		require.True(t, ok)
		c := *d
		c.Body = bytes.Clone(d.Body)
		got = append(got, c)
		return nil
	})
	bodies := []string{eegtest.JSON["bandpower"], eegtest.JSON["bandpower"], eegtest.Bandpower5, eegtest.Doc["blink"]}
	for _, b := range bodies {
		r := post(b)
		r.Header.Set("X-Trace", "t1")
		require.Equal(t, http.StatusOK, serve(h, r).Code)
	}
	require.Len(t, got, len(bodies))
	for i, d := range got {
		assert.Equal(t, "eeg", d.Vendor)
		assert.Equal(t, bodies[i], string(d.Body), "exact body bytes")
		assert.Equal(t, "", d.Session, "Petal has no session key")
		assert.NotEmpty(t, d.IdempotencyKey)
		assert.Equal(t, "t1", d.Header.Get("X-Trace"))
		assert.False(t, d.Received.IsZero())
		assert.Nil(t, d.Warnings)
	}
	assert.Equal(t, "bandpower", got[0].Kind)
	assert.Equal(t, "bandpower", got[2].Kind)
	assert.Equal(t, "blink", got[3].Kind)
	assert.Equal(t, got[0].IdempotencyKey, got[1].IdempotencyKey, "a retry has the same key")
	assert.NotEqual(t, got[0].IdempotencyKey, got[2].IdempotencyKey, "another body has another key")
	assert.NotEqual(t, got[2].IdempotencyKey, got[3].IdempotencyKey)
}

func TestHandlerLogs(t *testing.T) {
	var buf bytes.Buffer
	h := eeg.NewHandler(func(context.Context, eeg.Event) error { return errors.New("boom") },
		eeg.WithLogger(slog.New(slog.NewTextHandler(&buf, nil))))
	rec := serve(h, post(eegtest.JSON["eye"]))
	require.Equal(t, http.StatusInternalServerError, rec.Code)
	assert.Contains(t, buf.String(), "level=WARN")
	assert.Contains(t, buf.String(), "kind=eye")
	assert.Contains(t, buf.String(), "status=500")
	assert.Contains(t, buf.String(), "boom")
}

// TestHandlerDefaultLimit checks the default body limit of 1 MiB: a body of
// exactly 1 MiB is served, one byte more is answered 413 without calling fn.
func TestHandlerDefaultLimit(t *testing.T) {
	calls := 0
	h := eeg.NewHandler(func(context.Context, eeg.Event) error { calls++; return nil })
	body := eegtest.JSON["blink"]
	fill := strings.Repeat(" ", 1<<20-len(body))
	assert.Equal(t, http.StatusOK, serve(h, post(body+fill)).Code)
	assert.Equal(t, http.StatusRequestEntityTooLarge, serve(h, post(body+fill+" ")).Code)
	assert.Equal(t, 1, calls)
}

// TestHandlerWarnings checks that a message with warnings (a value of the
// wrong type, an unknown member, a duplicate key, Latin-1 text) is
// delivered with all of them in Delivery.Warnings and answered 200, and
// that WithStrict answers each 400 without calling fn; a clean message is
// 200 either way.
func TestHandlerWarnings(t *testing.T) {
	var got [][]vendorhooks.Warning
	fn := func(ctx context.Context, ev eeg.Event) error {
		d, ok := vendorhooks.DeliveryFromContext(ctx)
		require.True(t, ok)
		got = append(got, d.Warnings)
		return nil
	}
	h, strict := eeg.NewHandler(fn), eeg.NewHandler(fn, eeg.WithStrict())
	for _, tc := range []struct {
		name, body string
		want       vendorhooks.Warning
	}{
		{"wrong type", `{"type":"blink","data":{"blink":{"blink":"x"}}}`,
			vendorhooks.Warning{Path: "/data/blink/blink", Offset: 41, Msg: `want number or "bad_data", got string "x"; left at zero`}},
		{"unknown member", `{"type":"blink","data":{"blink":{"blink":1},"gaze":1}}`,
			vendorhooks.Warning{Path: "/data/gaze", Offset: 51, Msg: "unknown field, not kept: Delivery.Body has it", Unknown: true}},
		{"duplicate key", `{"type":"blink","data":{"blink":{"blink":1},"blink":{"blink":0}}}`,
			vendorhooks.Warning{Path: "/data/blink", Offset: 52, Msg: "duplicate key: the last value wins"}},
		{"Latin-1", "{'type':'blink','data':{'blink':{'blink':1}},'n':'\xe9'}",
			vendorhooks.Warning{Path: "/n", Offset: 49, Msg: "not UTF-8: read as Latin-1"}},
	} {
		got = nil
		rec := serve(h, post(tc.body))
		assert.Equal(t, http.StatusOK, rec.Code, tc.name)
		require.Len(t, got, 1, tc.name)
		assert.Contains(t, got[0], tc.want, tc.name)

		got = nil
		rec = serve(strict, post(tc.body))
		assert.Equal(t, http.StatusBadRequest, rec.Code, tc.name)
		assert.Contains(t, rec.Body.String(), "strict", tc.name)
		assert.Empty(t, got, "%s: fn is not called", tc.name)
	}
	got = nil
	assert.Equal(t, http.StatusOK, serve(strict, post(eegtest.JSON["bandpower"])).Code)
	assert.Equal(t, [][]vendorhooks.Warning{nil}, got)
}
