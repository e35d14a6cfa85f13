package sleep_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks"
	"github.com/vendorhooks/vendorhooks/sleep"
	"github.com/vendorhooks/vendorhooks/sleep/sleeptest"
)

const key = "secret-key-1"

type recorder struct {
	events []sleep.Event
	err    error
}

func (r *recorder) receive(ctx context.Context, ev sleep.Event) error {
	if ctx == nil {
		return errors.New("no context")
	}
	r.events = append(r.events, ev)
	return r.err
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

func TestHandlerStatuses(t *testing.T) {
	session := sleeptest.SessionComplete(sleep.V3)
	tests := []struct {
		name   string
		req    func() *http.Request
		status int
		body   string // substring of the answer
		calls  int
	}{
		{"ok", func() *http.Request { return sleeptest.NewRequest("/", session, key) }, 200, `{"ok":true}`, 1},
		{"second key", func() *http.Request { return sleeptest.NewRequest("/", session, "secret-key-2") }, 200, `{"ok":true}`, 1},
		{"unknown event", func() *http.Request {
			return sleeptest.NewRequest("/", []byte(`{"event":"NEW","data":{}}`), key)
		}, 200, `{"ok":true}`, 1},
		{"GET", func() *http.Request {
			r := sleeptest.NewRequest("/", nil, key)
			r.Method = http.MethodGet
			return r
		}, 405, `sleep: method \"GET\" not allowed`, 0},
		{"missing key", func() *http.Request { return sleeptest.NewRequest("/", session, "") }, 401, `"missing x-api-key"`, 0},
		{"wrong key", func() *http.Request { return sleeptest.NewRequest("/", session, "guess") }, 401, `"invalid x-api-key"`, 0},
		{"malformed", func() *http.Request {
			return sleeptest.NewRequest("/", []byte(`{"event":"SESSION_COMPLETE","data":{"stat":{"time_in_bed":"1h"}}}`), key)
		}, 400, "sleep: /data: missing session id (session_id or session.id)", 0},
		{"not JSON", func() *http.Request {
			return sleeptest.NewRequest("/", []byte(`{"event":"SESSION_COMPLETE",}`), key)
		}, 400, "sleep: offset 28: invalid JSON", 0},
		{"tolerated", func() *http.Request {
			return sleeptest.NewRequest("/", []byte(`{"event":"SESSION_COMPLETE","data":{"session":{"id":"s"},"stat":{"time_in_bed":"1h"}}}`), key)
		}, 200, `{"ok":true}`, 1},
		{"too large", func() *http.Request {
			return sleeptest.NewRequest("/", bytes.Repeat([]byte(" "), 1<<20+1), key)
		}, 413, "request body too large", 0},
		{"too large, length unknown", func() *http.Request {
			r := sleeptest.NewRequest("/", nil, key)
			r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(session), strings.NewReader(strings.Repeat(" ", 1<<20))))
			r.ContentLength = -1
			return r
		}, 413, "request body too large", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec recorder
			h := sleep.NewHandler(rec.receive, sleep.WithAPIKeys(key), sleep.WithAPIKeys("secret-key-2"))
			res := serve(h, tt.req())
			assert.Equal(t, tt.status, res.Code)
			assert.Contains(t, res.Body.String(), tt.body)
			assert.Equal(t, "application/json", res.Header().Get("Content-Type"))
			assert.NotContains(t, res.Body.String(), "secret")
			assert.Len(t, rec.events, tt.calls)
			if tt.status == 405 {
				assert.Equal(t, "POST", res.Header().Get("Allow"))
			}
		})
	}
}

func TestHandlerDelivers(t *testing.T) {
	var rec recorder
	h := http.StripPrefix("/hooks/asleep", sleep.NewHandler(rec.receive, sleep.WithAPIKeys(key)))
	mux := http.NewServeMux()
	mux.Handle("/hooks/asleep/", h)
	r := sleeptest.NewRequest("/hooks/asleep/callback", sleeptest.InferenceComplete(sleep.V1), key)
	res := serve(mux, r)
	require.Equal(t, 200, res.Code, res.Body.String())
	require.Len(t, rec.events, 1)
	ic, ok := rec.events[0].(*sleep.InferenceComplete)
	require.True(t, ok)
	assert.Equal(t, sleeptest.UserID, ic.HeaderUserID)
	assert.Equal(t, sleep.V1, ic.Version)
	assert.Equal(t, sleeptest.SampleStages, ic.SleepStages)
}

func TestHandlerFunctionFails(t *testing.T) {
	var logs bytes.Buffer
	rec := recorder{err: errors.New("database down at 10.0.0.7")}
	h := sleep.NewHandler(rec.receive, sleep.WithAPIKeys(key),
		sleep.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	res := serve(h, sleeptest.NewRequest("/", sleeptest.SessionComplete(sleep.V2), key))
	assert.Equal(t, 500, res.Code)
	assert.JSONEq(t, `{"error":"handler failed"}`, res.Body.String())
	assert.Contains(t, logs.String(), "database down", "the error is logged")
	assert.Contains(t, logs.String(), "kind=SESSION_COMPLETE")
	assert.Contains(t, logs.String(), "status=500")
	assert.NotContains(t, logs.String(), key)
}

func TestHandlerMaxBodyBytes(t *testing.T) {
	var rec recorder
	body := sleeptest.SessionComplete(sleep.V3)
	h := sleep.NewHandler(rec.receive, sleep.WithAPIKeys(key), sleep.WithMaxBodyBytes(int64(len(body)-1)))
	assert.Equal(t, 413, serve(h, sleeptest.NewRequest("/", body, key)).Code)
	h = sleep.NewHandler(rec.receive, sleep.WithAPIKeys(key), sleep.WithMaxBodyBytes(int64(len(body))))
	assert.Equal(t, 200, serve(h, sleeptest.NewRequest("/", body, key)).Code)
}

// New refuses each configuration it cannot serve with, and NewHandler
// panics with the same error.
func TestNewRefuses(t *testing.T) {
	var rec recorder
	for _, tt := range []struct {
		name  string
		fn    func(context.Context, sleep.Event) error
		opts  []sleep.Option
		noKey bool   // the error matches ErrNoAPIKey
		says  string // in the error's text
	}{
		{"nil fn", nil, []sleep.Option{sleep.WithAPIKeys(key)}, false, "nil function"},
		{"no option", rec.receive, nil, true, "no api key"},
		{"no keys", rec.receive, []sleep.Option{sleep.WithAPIKeys()}, true, "no api key"},
		{"empty key", rec.receive, []sleep.Option{sleep.WithAPIKeys(key, "")}, false, "empty key"},
		{"negative limit", rec.receive, []sleep.Option{sleep.WithAPIKeys(key), sleep.WithMaxBodyBytes(-1)}, false, "negative body limit"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h, err := sleep.New(tt.fn, tt.opts...)
			require.Error(t, err)
			assert.Nil(t, h)
			assert.True(t, strings.HasPrefix(err.Error(), "sleep: "), err.Error())
			assert.Equal(t, tt.noKey, errors.Is(err, sleep.ErrNoAPIKey), err.Error())
			assert.Contains(t, err.Error(), tt.says)
			assert.PanicsWithError(t, err.Error(), func() { sleep.NewHandler(tt.fn, tt.opts...) })
		})
	}

	// A limit of 0 keeps the default of 1 MiB.
	h, err := sleep.New(rec.receive, sleep.WithAPIKeys(key), sleep.WithMaxBodyBytes(0))
	require.NoError(t, err)
	assert.Equal(t, 200, serve(h, sleeptest.NewRequest("/", sleeptest.SessionComplete(sleep.V1), key)).Code)
	assert.Equal(t, 413, serve(h, sleeptest.NewRequest("/", bytes.Repeat([]byte(" "), 1<<20+1), key)).Code)
}

// readSpy is a body that records whether it was read.
type readSpy struct {
	io.Reader
	read bool
}

func (s *readSpy) Read(b []byte) (int, error) {
	s.read = true
	return s.Reader.Read(b)
}

// The key is checked before the body is read.
func TestHandlerKeyBeforeBody(t *testing.T) {
	var rec recorder
	h := sleep.NewHandler(rec.receive, sleep.WithAPIKeys(key))
	for _, k := range []string{"", "guess"} {
		r := sleeptest.NewRequest("/", nil, k)
		spy := &readSpy{Reader: bytes.NewReader(sleeptest.SessionComplete(sleep.V3))}
		r.Body = io.NopCloser(spy)
		assert.Equal(t, 401, serve(h, r).Code)
		assert.False(t, spy.read, "body read before the key check (key %q)", k)
	}
	assert.Empty(t, rec.events)
}

// fn's context carries the Delivery: the body as read, the kind and
// session of the event, an idempotency key equal for a retry and different
// for another body, and the header with x-api-key redacted.
func TestHandlerDelivery(t *testing.T) {
	var got []vendorhooks.Delivery
	h := sleep.NewHandler(func(ctx context.Context, ev sleep.Event) error {
		d, ok := vendorhooks.DeliveryFromContext(ctx)
		if !ok {
			return errors.New("no delivery")
		}
		c := *d
		c.Body = bytes.Clone(d.Body) // valid only until fn returns
		got = append(got, c)
		return nil
	}, sleep.WithAPIKeys(key))

	unknown := []byte(`{"event":"USER_DELETED","data":{"session_id":"s9"}}`)
	bodies := []struct {
		body          []byte
		kind, session string
	}{
		{sleeptest.SessionComplete(sleep.V3), sleep.KindSessionComplete, sleeptest.SessionID},
		{sleeptest.SessionComplete(sleep.V3), sleep.KindSessionComplete, sleeptest.SessionID}, // a retry
		{sleeptest.SessionComplete(sleep.V1), sleep.KindSessionComplete, sleeptest.SessionID},
		{sleeptest.InferenceComplete(sleep.V2), sleep.KindInferenceComplete, sleeptest.SessionID},
		{unknown, "USER_DELETED", ""},
	}
	for _, b := range bodies {
		res := serve(h, sleeptest.NewRequest("/", b.body, key))
		require.Equal(t, 200, res.Code, res.Body.String())
	}
	require.Len(t, got, len(bodies))
	for i, d := range got {
		assert.Equal(t, "sleep", d.Vendor)
		assert.Equal(t, bodies[i].body, d.Body, "body %d", i)
		assert.Equal(t, bodies[i].kind, d.Kind, "body %d", i)
		assert.Equal(t, bodies[i].session, d.Session, "body %d", i)
		assert.True(t, strings.HasPrefix(d.IdempotencyKey, "sleep:"), d.IdempotencyKey)
		assert.Equal(t, []string{vendorhooks.RedactedValue}, d.Header.Values(sleep.HeaderAPIKey))
		assert.Equal(t, sleeptest.UserID, d.Header.Get(sleep.HeaderUserID))
		assert.False(t, d.Received.IsZero())
		assert.Nil(t, d.Warnings)
	}
	assert.Equal(t, got[0].IdempotencyKey, got[1].IdempotencyKey, "a retry has the same key")
	seen := map[string]bool{}
	for i, d := range got {
		if i != 1 {
			assert.False(t, seen[d.IdempotencyKey], "body %d: key %s repeated", i, d.IdempotencyKey)
			seen[d.IdempotencyKey] = true
		}
	}
}

// A callback with warnings is delivered, with every warning (unknown
// members included) in Delivery.Warnings; WithStrict answers it 400
// without calling fn. A refusal is 400 either way.
func TestHandlerWarnings(t *testing.T) {
	tolerated := []byte(`{"event":"SESSION_COMPLETE","version":"V3","data":{"session":{"id":"s1"},"stat":{"sleep_cycle":3,"sleep_time":"22:40:00"}}}`)
	unknown := bytes.Replace(sleeptest.SessionComplete(sleep.V3), []byte(`"version"`), []byte(`"sent_at":1,"version"`), 1)
	latin1 := []byte("{\"event\":\"NOTE\",\"data\":{\"text\":\"caf\xe9\"}}")
	at := func(body []byte, s string) int64 { return int64(bytes.Index(body, []byte(s))) }
	for _, tt := range []struct {
		name     string
		body     []byte
		warnings []vendorhooks.Warning
	}{
		{"type", tolerated, []vendorhooks.Warning{{Path: "/data/stat/sleep_cycle", Offset: at(tolerated, `3,"sleep_time"`), Msg: "want array, got number 3 (left unset)"}}},
		{"unknown member", unknown, []vendorhooks.Warning{{Path: "/sent_at", Offset: at(unknown, `"sent_at"`), Msg: "unknown field, not decoded (the body keeps it)", Unknown: true}}},
		{"latin1", latin1, []vendorhooks.Warning{{Path: "/data/text", Offset: at(latin1, `"caf`), Msg: "not UTF-8: read as Latin-1"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got []vendorhooks.Delivery
			var events []sleep.Event
			fn := func(ctx context.Context, ev sleep.Event) error {
				d, _ := vendorhooks.DeliveryFromContext(ctx)
				got = append(got, *d)
				events = append(events, ev)
				return nil
			}
			res := serve(sleep.NewHandler(fn, sleep.WithAPIKeys(key)), sleeptest.NewRequest("/", tt.body, key))
			require.Equal(t, 200, res.Code, res.Body.String())
			require.Len(t, got, 1)
			assert.Equal(t, tt.warnings, got[0].Warnings)
			assert.Equal(t, tt.body, got[0].Body, "the body as read, byte for byte")

			res = serve(sleep.NewHandler(fn, sleep.WithAPIKeys(key), sleep.WithStrict()), sleeptest.NewRequest("/", tt.body, key))
			assert.Equal(t, 400, res.Code)
			assert.Contains(t, res.Body.String(), "sleep: strict: "+tt.warnings[0].Path)
			assert.Len(t, got, 1, "strict does not deliver")
		})
	}

	// A clean callback passes WithStrict.
	var rec recorder
	h := sleep.NewHandler(rec.receive, sleep.WithAPIKeys(key), sleep.WithStrict())
	assert.Equal(t, 200, serve(h, sleeptest.NewRequest("/", sleeptest.SessionComplete(sleep.V3), key)).Code)
	// An empty report is refused, strict or not.
	empty := []byte(`{"event":"SESSION_COMPLETE","data":{}}`)
	assert.Equal(t, 400, serve(h, sleeptest.NewRequest("/", empty, key)).Code)
	h = sleep.NewHandler(rec.receive, sleep.WithAPIKeys(key))
	res := serve(h, sleeptest.NewRequest("/", empty, key))
	assert.Equal(t, 400, res.Code)
	assert.Contains(t, res.Body.String(), "missing session id")
	assert.Len(t, rec.events, 1)
}
