package signage_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/signage"
	"github.com/vendorhooks/vendorhooks/signage/signagetest"
)

// TestClientRoundTrip sends triggers in all three forms to NewHandler in
// the same process.
func TestClientRoundTrip(t *testing.T) {
	rec := &recorder{}
	mux := http.NewServeMux()
	mux.Handle(signage.Path, signage.NewHandler(rec.fn, signage.WithAPIKeys("k")))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := &signage.Client{BaseURL: srv.URL, APIKey: "k", HTTPClient: srv.Client()}
	ctx := context.Background()

	sensor := signage.Trigger{EventID: "ev/1 +ü", Sensor: &signage.SensorData{ID: "s&1", Event: "x=y", Value: "?%"}}
	require.NoError(t, c.Trigger(ctx, signagetest.EmergencyTrigger()))
	require.NoError(t, c.Trigger(ctx, sensor))

	get := func(u string) {
		t.Helper()
		resp, err := srv.Client().Get(u)
		require.NoError(t, err)
		defer resp.Body.Close()
		var a map[string]string
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&a))
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, map[string]string{"message": "success"}, a)
	}
	u, err := c.TriggerURL(sensor)
	require.NoError(t, err)
	get(u)
	u, err = c.LegacyTriggerURL("ev/1 +ü")
	require.NoError(t, err)
	get(u)

	assert.Equal(t, []signage.Trigger{signagetest.EmergencyTrigger(), sensor, sensor, {EventID: "ev/1 +ü"}}, rec.triggers)
}

func TestClientFakeServer(t *testing.T) {
	s := signagetest.NewServer()
	defer s.Close()
	c := s.NewClient()
	require.NoError(t, c.Trigger(context.Background(), signagetest.SensorTrigger()))
	assert.Equal(t, []signage.Trigger{signagetest.SensorTrigger()}, s.Triggers())

	// A client pointed at the wrong path gets the fake's 404.
	wrong := *c
	wrong.BaseURL = s.URL + "/api"
	var ae *signage.APIError
	require.ErrorAs(t, wrong.Trigger(context.Background(), signagetest.EmergencyTrigger()), &ae)
	assert.Equal(t, http.StatusNotFound, ae.StatusCode)
	assert.Equal(t, 1, s.Requests(), "only requests at the endpoint count")
}

func TestClientAPIError(t *testing.T) {
	s := signagetest.NewServer("right")
	defer s.Close()
	c := &signage.Client{BaseURL: s.URL, APIKey: "wrong", HTTPClient: s.Client()}
	err := c.Trigger(context.Background(), signagetest.EmergencyTrigger())
	var ae *signage.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, signage.APIError{StatusCode: 401, Message: "Error", Reason: "signage: invalid key"}, *ae)
	assert.Equal(t, "signage: server answered 401: Error (signage: invalid key)", err.Error())
	assert.Empty(t, s.Triggers())
}

func TestClientAnswers(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
		want   *signage.APIError // nil: success
	}{
		{"success", 200, `{"message":"success"}`, nil},
		{"empty 204", 204, ``, nil},
		{"plain 200", 200, `OK`, nil},
		{"200 with Error", 200, `{"message":"Error"}`, &signage.APIError{StatusCode: 200, Message: "Error"}},
		{"proxy 502", 502, "<html>Bad Gateway</html>\n", &signage.APIError{StatusCode: 502, Message: "<html>Bad Gateway</html>"}},
		{"400 with reason", 400, `{"message":"Error","error":"missing event_id"}`, &signage.APIError{StatusCode: 400, Message: "Error", Reason: "missing event_id"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			c := &signage.Client{BaseURL: srv.URL, APIKey: "k", HTTPClient: srv.Client()}
			err := c.Trigger(context.Background(), signagetest.EmergencyTrigger())
			if tc.want == nil {
				assert.NoError(t, err)
				return
			}
			var ae *signage.APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, *tc.want, *ae)
		})
	}
}

func TestClientRetry(t *testing.T) {
	s := signagetest.NewServer()
	defer s.Close()
	ctx := context.Background()

	// No retry by default.
	s.FailNext(http.StatusServiceUnavailable)
	c := s.NewClient()
	var ae *signage.APIError
	require.ErrorAs(t, c.Trigger(ctx, signagetest.EmergencyTrigger()), &ae)
	assert.Equal(t, http.StatusServiceUnavailable, ae.StatusCode)
	assert.Equal(t, 1, s.Requests())

	// Bounded retry on 5xx, then success.
	c.Retry = signage.Retry{Max: 2, Backoff: time.Millisecond}
	s.FailNext(http.StatusServiceUnavailable, http.StatusInternalServerError)
	require.NoError(t, c.Trigger(ctx, signagetest.EmergencyTrigger()))
	assert.Equal(t, 4, s.Requests())
	assert.Len(t, s.Triggers(), 1)

	// Bounded: three failures exhaust two retries.
	s.FailNext(502, 502, 502)
	require.ErrorAs(t, c.Trigger(ctx, signagetest.EmergencyTrigger()), &ae)
	assert.Equal(t, 502, ae.StatusCode)
	assert.Equal(t, 7, s.Requests())

	// A 4xx is never retried.
	s.FailNext(http.StatusBadRequest)
	require.ErrorAs(t, c.Trigger(ctx, signagetest.EmergencyTrigger()), &ae)
	assert.Equal(t, 8, s.Requests())
	assert.Len(t, s.Triggers(), 1)
}

// failingTransport fails every request with a network error.
type failingTransport struct{ calls atomic.Int32 }

func (f *failingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	f.calls.Add(1)
	return nil, errors.New("connection refused")
}

func TestClientRetryNetworkError(t *testing.T) {
	ft := &failingTransport{}
	c := &signage.Client{BaseURL: "http://signage.invalid", APIKey: "k", HTTPClient: &http.Client{Transport: ft}}
	err := c.Trigger(context.Background(), signagetest.EmergencyTrigger())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "connection refused")
	assert.EqualValues(t, 1, ft.calls.Load())

	c.Retry = signage.Retry{Max: 3, Backoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond}
	require.Error(t, c.Trigger(context.Background(), signagetest.EmergencyTrigger()))
	assert.EqualValues(t, 5, ft.calls.Load())
}

// TestClientRetryMaxBackoff: MaxBackoff caps the doubling. Sixteen retries
// from 1ms, capped at 1ms, wait about 16ms; uncapped they would wait over a
// minute and meet the context's deadline first.
func TestClientRetryMaxBackoff(t *testing.T) {
	ft := &failingTransport{}
	c := &signage.Client{BaseURL: "http://signage.invalid", APIKey: "k", HTTPClient: &http.Client{Transport: ft},
		Retry: signage.Retry{Max: 16, Backoff: time.Millisecond, MaxBackoff: time.Millisecond}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := c.Trigger(ctx, signagetest.EmergencyTrigger())
	require.Error(t, err)
	assert.NotErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "connection refused")
	assert.EqualValues(t, 17, ft.calls.Load())
}

func TestClientContext(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	c := &signage.Client{BaseURL: srv.URL, APIKey: "k", HTTPClient: srv.Client(), Retry: signage.Retry{Max: 5}}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := c.Trigger(ctx, signagetest.EmergencyTrigger())
	assert.ErrorIs(t, err, context.DeadlineExceeded)

	// A context that ends during the backoff ends the wait.
	ft := &failingTransport{}
	c = &signage.Client{BaseURL: "http://signage.invalid", APIKey: "k", HTTPClient: &http.Client{Transport: ft},
		Retry: signage.Retry{Max: 5, Backoff: time.Hour}}
	ctx, cancel = context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, c.Trigger(ctx, signagetest.EmergencyTrigger()), context.DeadlineExceeded)
	assert.EqualValues(t, 1, ft.calls.Load())
}

func TestClientURLs(t *testing.T) {
	tr := signage.Trigger{EventID: "e1"}
	payload := url.QueryEscape(base64.StdEncoding.EncodeToString([]byte(`{"event_id":"e1"}`)))
	for base, want := range map[string]string{
		"https://s.example":                                  "https://s.example/public-api/integration/webhooks",
		"https://s.example/":                                 "https://s.example/public-api/integration/webhooks",
		"https://s.example/prefix":                           "https://s.example/prefix/public-api/integration/webhooks",
		"https://s.example/public-api/integration/webhooks":  "https://s.example/public-api/integration/webhooks",
		"https://s.example/public-api/integration/webhooks/": "https://s.example/public-api/integration/webhooks/",
		"https://s.example?x=1#frag":                         "https://s.example/public-api/integration/webhooks",
	} {
		c := &signage.Client{BaseURL: base, APIKey: "k y+"}
		u, err := c.TriggerURL(tr)
		require.NoError(t, err, base)
		assert.Equal(t, want+"?apiKey=k+y%2B&payload="+payload, u, base)
		u, err = c.LegacyTriggerURL("a b&c")
		require.NoError(t, err, base)
		assert.Equal(t, want+"?apiKey=k+y%2B&eventId=a+b%26c", u, base)
	}
	assert.Contains(t, payload, "%3D", "padding is percent-encoded")

	for _, c := range []*signage.Client{
		{APIKey: "k"},
		{BaseURL: "https://s.example"},
		{BaseURL: "/relative", APIKey: "k"},
		{BaseURL: "://bad", APIKey: "k"},
	} {
		_, err := c.TriggerURL(tr)
		assert.Error(t, err, c.BaseURL)
		assert.Error(t, c.Trigger(context.Background(), tr), c.BaseURL)
	}
	c := &signage.Client{BaseURL: "https://s.example", APIKey: "k"}
	_, err := c.TriggerURL(signage.Trigger{})
	assert.ErrorIs(t, err, signage.ErrClient)
	_, err = c.LegacyTriggerURL("")
	assert.ErrorIs(t, err, signage.ErrClient)
	assert.ErrorIs(t, c.Trigger(context.Background(), signage.Trigger{}), signage.ErrClient)
}
