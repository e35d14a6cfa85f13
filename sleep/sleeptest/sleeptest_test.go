package sleeptest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/vendorhooks/vendorhooks/internal/golden" // every test binary must accept -update
	"github.com/vendorhooks/vendorhooks/sleep"
	"github.com/vendorhooks/vendorhooks/sleep/sleeptest"
)

var versions = []sleep.Version{sleep.V1, sleep.V2, sleep.V3}

func TestSamplesDecode(t *testing.T) {
	var first *sleep.SessionComplete
	for _, v := range versions {
		ev, err := sleep.Decode(sleeptest.InferenceComplete(v))
		require.NoError(t, err, v)
		ic, ok := ev.(*sleep.InferenceComplete)
		require.True(t, ok, "%s: %T", v, ev)
		assert.Equal(t, v, ic.Version)
		assert.Equal(t, sleeptest.SampleStages, ic.SleepStages, v)
		assert.Equal(t, sleeptest.UserID, ic.UserID)

		ev, err = sleep.Decode(sleeptest.SessionComplete(v))
		require.NoError(t, err, v)
		sc, ok := ev.(*sleep.SessionComplete)
		require.True(t, ok, "%s: %T", v, ev)
		assert.Equal(t, v, sc.Version)
		assert.Equal(t, sleeptest.SessionID, sc.SessionID)
		require.NotNil(t, sc.Stat)
		assert.Equal(t, sleeptest.SampleStages, sc.Session.SleepStages)
		assert.Equal(t, sleeptest.Start, sc.Session.Start.Format("2006-01-02T15:04:05-07:00"))
		if first == nil {
			first = sc
			continue
		}
		sc.Version = first.Version
		assert.Empty(t, cmp.Diff(first, sc), "%s differs from V1", v)
	}
}

func TestNewRequest(t *testing.T) {
	var got sleep.Event
	h := sleep.NewHandler(func(_ context.Context, ev sleep.Event) error {
		got = ev
		return nil
	}, sleep.WithAPIKeys("k"))

	r := sleeptest.NewRequest("/hooks/asleep?x=1", sleeptest.SessionComplete(sleep.V2), "k")
	assert.Equal(t, http.MethodPost, r.Method)
	assert.Equal(t, "/hooks/asleep", r.URL.Path)
	assert.Equal(t, "1", r.URL.Query().Get("x"))
	assert.Equal(t, "k", r.Header.Get("X-Api-Key"))
	assert.Equal(t, sleeptest.UserID, r.Header.Get("X-User-Id"))
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.NotNil(t, got)
	assert.Equal(t, sleeptest.UserID, got.Meta().HeaderUserID)

	rec = httptest.NewRecorder()
	r = sleeptest.NewRequest("/", sleeptest.SessionComplete(sleep.V2), "")
	_, hasKey := r.Header["X-Api-Key"]
	assert.False(t, hasKey, "an empty key is left out")
	h.ServeHTTP(rec, r)
	assert.Equal(t, http.StatusUnauthorized, rec.Code)

	assert.Panics(t, func() { sleeptest.NewRequest("://bad", nil, "k") })
}

func TestNewClientRequest(t *testing.T) {
	kinds := make(chan string, 1)
	srv := httptest.NewServer(sleep.NewHandler(func(_ context.Context, ev sleep.Event) error {
		kinds <- ev.Kind()
		return nil
	}, sleep.WithAPIKeys("k")))
	defer srv.Close()

	req, err := sleeptest.NewClientRequest(context.Background(), srv.URL+"/hooks/asleep", sleeptest.InferenceComplete(sleep.V3), "k")
	require.NoError(t, err)
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, sleep.KindInferenceComplete, <-kinds)

	_, err = sleeptest.NewClientRequest(context.Background(), "://bad", nil, "k")
	assert.Error(t, err)
}
