package signage_test

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

	"github.com/vendorhooks/vendorhooks/signage"
	"github.com/vendorhooks/vendorhooks/signage/signagetest"
)

// recorder collects what a handler passes to the user's function.
type recorder struct{ triggers []signage.Trigger }

func (rec *recorder) fn(_ context.Context, t signage.Trigger) error {
	rec.triggers = append(rec.triggers, t)
	return nil
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestNewRefusesMisconfiguration(t *testing.T) {
	noop := func(context.Context, signage.Command) error { return nil }
	fn := func(context.Context, signage.Trigger) error { return nil }
	for _, tc := range []struct {
		name string
		fn   func(context.Context, signage.Trigger) error
		opts []signage.Option
		err  string
	}{
		{"no key", fn, nil, "signage: no api key configured"},
		{"empty key", fn, []signage.Option{signage.WithAPIKeys("k", "")}, "signage: empty key configured"},
		{"nil fn", nil, []signage.Option{signage.WithAPIKeys("k")}, "signage: no function to call"},
		{"actions without fn", fn, []signage.Option{signage.WithAPIKeys("k"), signage.WithActions(signage.Actions{}, nil)}, "signage: WithActions without a function"},
		{"invalid action table", fn, []signage.Option{signage.WithAPIKeys("k"), signage.WithActions(signage.Actions{"e": {Action: signage.ActionLoadURL, Target: signage.AllDevices()}}, noop)}, `signage: event "e": load-url: url must be an absolute http or https URL`},
		{"table with empty id", nil, []signage.Option{signage.WithAPIKeys("k"), signage.WithActions(signage.Actions{"": {Action: signage.ActionRestartDevice, Target: signage.AllDevices()}}, noop)}, "signage: action table has an empty event id"},
		{"negative limit", fn, []signage.Option{signage.WithAPIKeys("k"), signage.WithMaxBodyBytes(-1)}, "signage: negative body limit -1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := signage.New(tc.fn, tc.opts...)
			assert.Nil(t, h)
			require.EqualError(t, err, tc.err)
			assert.PanicsWithError(t, tc.err, func() { signage.NewHandler(tc.fn, tc.opts...) })
		})
	}

	// What is allowed: a nil fn with WithActions, a zero limit (the default).
	_, err := signage.New(nil, signage.WithAPIKeys("k"), signage.WithActions(nil, noop))
	assert.NoError(t, err)
	_, err = signage.New(fn, signage.WithAPIKeys("k"), signage.WithMaxBodyBytes(0))
	assert.NoError(t, err)
}

func TestHandlerMethodNotAllowed(t *testing.T) {
	rec := &recorder{}
	h := signage.NewHandler(rec.fn, signage.WithAPIKeys("k"))
	for _, m := range []string{http.MethodPut, http.MethodDelete, http.MethodHead, http.MethodPatch} {
		r := signagetest.NewPostRequest(signage.Path, signagetest.EmergencyTrigger(), "k")
		r.Method = m
		w := serve(h, r)
		assert.Equal(t, http.StatusMethodNotAllowed, w.Code, m)
		assert.Equal(t, "GET, POST", w.Header().Get("Allow"), m)
	}
	assert.Empty(t, rec.triggers)
}

func TestHandlerBodyLimit(t *testing.T) {
	rec := &recorder{}
	h := signage.NewHandler(rec.fn, signage.WithAPIKeys("k"), signage.WithMaxBodyBytes(64))
	body := `{"event_id": "e", "pad": "` + strings.Repeat("x", 100) + `"}`

	r := signagetest.NewPostRequest(signage.Path, signagetest.EmergencyTrigger(), "k")
	r.Body, r.ContentLength = io.NopCloser(strings.NewReader(body)), int64(len(body))
	assert.Equal(t, http.StatusRequestEntityTooLarge, serve(h, r).Code, "declared length")

	r = signagetest.NewPostRequest(signage.Path, signagetest.EmergencyTrigger(), "k")
	r.Body, r.ContentLength = io.NopCloser(strings.NewReader(body)), -1
	w := serve(h, r)
	assert.Equal(t, http.StatusRequestEntityTooLarge, w.Code, "chunked")
	assert.JSONEq(t, `{"message":"Error","error":"request body too large"}`, w.Body.String())
	assert.Empty(t, rec.triggers)

	// Under the limit it is served.
	assert.Equal(t, http.StatusOK, serve(h, signagetest.NewPostRequest(signage.Path, signagetest.EmergencyTrigger(), "k")).Code)
	assert.Len(t, rec.triggers, 1)
}

// TestHandlerDefaultBodyLimit: without WithMaxBodyBytes, a body of exactly
// 1 MiB is served and one byte more is answered 413, whether its length is
// declared or not.
func TestHandlerDefaultBodyLimit(t *testing.T) {
	rec := &recorder{}
	h := signage.NewHandler(rec.fn, signage.WithAPIKeys("k"))
	body := func(size int) string {
		head, tail := `{"event_id": "e", "pad": "`, `"}`
		return head + strings.Repeat("x", size-len(head)-len(tail)) + tail
	}
	post := func(b string, length int64) *http.Request {
		r := signagetest.NewPostRequest(signage.Path, signagetest.EmergencyTrigger(), "k")
		r.Body, r.ContentLength = io.NopCloser(strings.NewReader(b)), length
		return r
	}
	const limit = 1 << 20
	for _, length := range []int64{limit, -1} {
		assert.Equal(t, http.StatusOK, serve(h, post(body(limit), length)).Code, "1 MiB, length %d", length)
	}
	assert.Equal(t, http.StatusRequestEntityTooLarge, serve(h, post(body(limit+1), limit+1)).Code, "declared")
	assert.Equal(t, http.StatusRequestEntityTooLarge, serve(h, post(body(limit+1), -1)).Code, "chunked")
	assert.Len(t, rec.triggers, 2)
}

func TestHandlerFunctionErrorIs500WithoutDetail(t *testing.T) {
	h := signage.NewHandler(func(context.Context, signage.Trigger) error {
		return errors.New("db password=hunter2 rejected")
	}, signage.WithAPIKeys("k"))
	w := serve(h, signagetest.NewPostRequest(signage.Path, signagetest.EmergencyTrigger(), "k"))
	assert.Equal(t, http.StatusInternalServerError, w.Code)
	assert.JSONEq(t, `{"message":"Error","error":"handler failed"}`, w.Body.String())
}

func TestHandlerSeveralKeysAndNoKeyLeak(t *testing.T) {
	rec := &recorder{}
	var logs bytes.Buffer
	h := signage.NewHandler(rec.fn, signage.WithAPIKeys("old-key", "new-key"),
		signage.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	assert.Equal(t, http.StatusOK, serve(h, signagetest.NewPostRequest(signage.Path, signagetest.EmergencyTrigger(), "old-key")).Code)
	assert.Equal(t, http.StatusOK, serve(h, signagetest.NewGetRequest(signage.Path, signagetest.SensorTrigger(), "new-key")).Code)
	assert.Equal(t, http.StatusOK, serve(h, signagetest.NewLegacyGetRequest(signage.Path, "e", "new-key")).Code)
	w := serve(h, signagetest.NewPostRequest(signage.Path, signagetest.EmergencyTrigger(), "guessed-secret"))
	assert.Equal(t, http.StatusUnauthorized, w.Code)
	assert.NotContains(t, w.Body.String(), "guessed-secret")
	w = serve(h, signagetest.NewGetRequest(signage.Path, signagetest.EmergencyTrigger(), "guessed-secret"))
	assert.Equal(t, http.StatusUnauthorized, w.Code)
	assert.NotContains(t, w.Body.String(), "guessed-secret")

	require.Len(t, rec.triggers, 3)
	assert.Equal(t, signagetest.SensorTrigger(), rec.triggers[1])
	assert.Equal(t, signage.Trigger{EventID: "e"}, rec.triggers[2])
	assert.Equal(t, 3, strings.Count(logs.String(), "status=200"), logs.String())
	assert.Equal(t, 2, strings.Count(logs.String(), "status=401"), logs.String())
	assert.Contains(t, logs.String(), "kind=trigger")
	assert.NotContains(t, logs.String(), "-key")
	assert.NotContains(t, logs.String(), "guessed-secret")
}

func TestHandlerMountedAnywhere(t *testing.T) {
	rec := &recorder{}
	h := signage.NewHandler(rec.fn, signage.WithAPIKeys("k"))
	mux := http.NewServeMux()
	mux.Handle("/hooks/signage/", http.StripPrefix("/hooks/signage", h))
	mux.Handle("/elsewhere", h)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	c := &signage.Client{BaseURL: srv.URL + "/hooks/signage", APIKey: "k", HTTPClient: srv.Client()}
	require.NoError(t, c.Trigger(context.Background(), signagetest.SensorTrigger()))

	resp, err := srv.Client().Post(srv.URL+"/elsewhere", "application/json", strings.NewReader(`{"event_id":"x"}`))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "no key sent")

	req, err := http.NewRequest(http.MethodPost, srv.URL+"/elsewhere", strings.NewReader(`{"event_id":"x"}`))
	require.NoError(t, err)
	req.Header.Set("x-webhook-apikey", "k")
	resp, err = srv.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	assert.Equal(t, []signage.Trigger{signagetest.SensorTrigger(), {EventID: "x"}}, rec.triggers)
}

func TestHandlerWithActions(t *testing.T) {
	var order []string
	var cmds []signage.Command
	h := signage.NewHandler(func(_ context.Context, t signage.Trigger) error {
		order = append(order, "trigger "+t.EventID)
		return nil
	}, signage.WithAPIKeys("k"), signage.WithActions(testActions, func(_ context.Context, c signage.Command) error {
		order = append(order, "command "+c.EventID)
		cmds = append(cmds, c)
		return nil
	}))
	assert.Equal(t, http.StatusOK, serve(h, signagetest.NewPostRequest(signage.Path, signagetest.SensorTrigger(), "k")).Code)
	w := serve(h, signagetest.NewLegacyGetRequest(signage.Path, "nope", "k"))
	assert.Equal(t, http.StatusNotFound, w.Code)
	assert.JSONEq(t, `{"message":"Error","error":"signage: unknown event id \"nope\""}`, w.Body.String())

	assert.Equal(t, []string{"trigger sensor-temp", "command sensor-temp"}, order)
	require.Len(t, cmds, 1)
	assert.Equal(t, signage.ActionSendSensorData, cmds[0].Action)
	assert.Equal(t, signage.Tag("hall"), cmds[0].Target)
	assert.Equal(t, signagetest.SensorTrigger().Sensor, cmds[0].Sensor)

	// The table is copied: changing it later changes nothing.
	table := signage.Actions{"a": {Action: signage.ActionRestartDevice, Target: signage.Device("d1")}}
	h = signage.NewHandler(nil, signage.WithAPIKeys("k"), signage.WithActions(table, func(context.Context, signage.Command) error { return nil }))
	delete(table, "a")
	assert.Equal(t, http.StatusOK, serve(h, signagetest.NewLegacyGetRequest(signage.Path, "a", "k")).Code)
}
