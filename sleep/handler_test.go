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
		{"ok", func() *http.Request { return sleeptest.NewRequest(session, key) }, 200, `{"ok":true}`, 1},
		{"second key", func() *http.Request { return sleeptest.NewRequest(session, "secret-key-2") }, 200, `{"ok":true}`, 1},
		{"unknown event", func() *http.Request {
			return sleeptest.NewRequest([]byte(`{"event":"NEW","data":{}}`), key)
		}, 200, `{"ok":true}`, 1},
		{"GET", func() *http.Request {
			r := sleeptest.NewRequest(nil, key)
			r.Method = http.MethodGet
			return r
		}, 405, "method GET not allowed", 0},
		{"missing key", func() *http.Request { return sleeptest.NewRequest(session, "") }, 401, `"missing x-api-key"`, 0},
		{"wrong key", func() *http.Request { return sleeptest.NewRequest(session, "guess") }, 401, `"invalid x-api-key"`, 0},
		{"malformed", func() *http.Request {
			return sleeptest.NewRequest([]byte(`{"event":"SESSION_COMPLETE","data":{"stat":{"time_in_bed":"1h"}}}`), key)
		}, 400, "sleep: data.stat.time_in_bed: want integer seconds, got string", 0},
		{"too large", func() *http.Request {
			return sleeptest.NewRequest(bytes.Repeat([]byte(" "), 1<<20+1), key)
		}, 413, "request body too large", 0},
		{"too large, length unknown", func() *http.Request {
			r := sleeptest.NewRequest(nil, key)
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
	r := sleeptest.NewRequest(sleeptest.InferenceComplete(sleep.V1), key)
	r.URL.Path = "/hooks/asleep/callback"
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
	res := serve(h, sleeptest.NewRequest(sleeptest.SessionComplete(sleep.V2), key))
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
	assert.Equal(t, 413, serve(h, sleeptest.NewRequest(body, key)).Code)
	h = sleep.NewHandler(rec.receive, sleep.WithAPIKeys(key), sleep.WithMaxBodyBytes(int64(len(body))))
	assert.Equal(t, 200, serve(h, sleeptest.NewRequest(body, key)).Code)
}

func TestHandlerWithoutKey(t *testing.T) {
	for name, opts := range map[string][]sleep.Option{
		"no option": nil,
		"no keys":   {sleep.WithAPIKeys()},
		"empty key": {sleep.WithAPIKeys("")},
	} {
		t.Run(name, func(t *testing.T) {
			var rec recorder
			var logs bytes.Buffer
			h := sleep.NewHandler(rec.receive, append(opts, sleep.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))...)
			for _, k := range []string{"", "anything"} {
				res := serve(h, sleeptest.NewRequest(sleeptest.SessionComplete(sleep.V3), k))
				assert.Equal(t, 500, res.Code)
				assert.Contains(t, res.Body.String(), "key configured")
			}
			assert.Empty(t, rec.events, "fn never runs")
			assert.Contains(t, logs.String(), "key configured")

			_, err := sleep.New(rec.receive, opts...)
			require.Error(t, err)
			if name != "empty key" {
				assert.ErrorIs(t, err, sleep.ErrNoAPIKey)
			}
		})
	}
	h, err := sleep.New(func(context.Context, sleep.Event) error { return nil }, sleep.WithAPIKeys(key))
	require.NoError(t, err)
	assert.Equal(t, 200, serve(h, sleeptest.NewRequest(sleeptest.SessionComplete(sleep.V1), key)).Code)
}
