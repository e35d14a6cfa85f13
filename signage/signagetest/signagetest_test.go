package signagetest_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	// Every test binary must know the -update flag of go test ./... -update.
	_ "github.com/vendorhooks/vendorhooks/internal/golden"
	"github.com/vendorhooks/vendorhooks/signage"
	"github.com/vendorhooks/vendorhooks/signage/signagetest"
)

func TestParseRequest(t *testing.T) {
	r, err := signagetest.ParseRequest([]byte("POST\nx-webhook-apikey:  k1 \nContent-Type: application/json\n\n{\"event_id\":\"e\"}\n\ntail"))
	require.NoError(t, err)
	assert.Equal(t, http.MethodPost, r.Method)
	assert.Equal(t, signage.Path, r.URL.Path)
	assert.Equal(t, "k1", r.Header.Get(signage.HeaderAPIKey))
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	body, err := io.ReadAll(r.Body)
	require.NoError(t, err)
	assert.Equal(t, "{\"event_id\":\"e\"}\n\ntail", string(body))

	r, err = signagetest.ParseRequest([]byte("GET ?apiKey=k&eventId=e\n"))
	require.NoError(t, err)
	assert.Equal(t, http.MethodGet, r.Method)
	assert.Equal(t, signage.Path, r.URL.Path)
	assert.Equal(t, "k", r.URL.Query().Get("apiKey"))
	assert.EqualValues(t, 0, r.ContentLength)

	r, err = signagetest.ParseRequest([]byte("GET /other/path?eventId=e"))
	require.NoError(t, err)
	assert.Equal(t, "/other/path", r.URL.Path)

	for _, bad := range []string{"", "\n\nbody", "BAD METHOD\n", "POST\nno colon here\n\n{}", "GET ?%zz x", "GET relative"} {
		_, err := signagetest.ParseRequest([]byte(bad))
		assert.Error(t, err, "%q", bad)
	}
}

func TestRequestBuilders(t *testing.T) {
	r := signagetest.NewPostRequest(signage.Path, signagetest.SensorTrigger(), "k")
	body, err := io.ReadAll(r.Body)
	require.NoError(t, err)
	got, err := signage.DecodeBody(body)
	require.NoError(t, err)
	assert.Equal(t, signagetest.SensorTrigger(), got)
	assert.Equal(t, "k", r.Header.Get(signage.HeaderAPIKey))

	r = signagetest.NewGetRequest(signage.Path, signagetest.SensorTrigger(), "k")
	assert.Equal(t, "k", r.URL.Query().Get(signage.QueryAPIKey))
	got, err = signage.DecodeQuery(r.URL.Query())
	require.NoError(t, err)
	assert.Equal(t, signagetest.SensorTrigger(), got)

	r = signagetest.NewLegacyGetRequest(signage.Path, "e 1", "k")
	assert.Equal(t, "e 1", r.URL.Query().Get(signage.QueryEventID))
	assert.Panics(t, func() { signagetest.NewGetRequest(signage.Path, signage.Trigger{}, "k") })
	assert.Panics(t, func() { signagetest.NewLegacyGetRequest(signage.Path, "", "k") })

	// Target first: any path, and a query already in it is kept.
	r = signagetest.NewGetRequest("/hooks/signage?x=1", signagetest.EmergencyTrigger(), "k")
	assert.Equal(t, "/hooks/signage", r.URL.Path)
	assert.Equal(t, "1", r.URL.Query().Get("x"))
	assert.Equal(t, "k", r.URL.Query().Get(signage.QueryAPIKey))

	// No key: no header, no parameter.
	r = signagetest.NewRequest("/in", []byte(`{"event_id":"e"}`), "")
	assert.Equal(t, "/in", r.URL.Path)
	assert.Empty(t, r.Header.Values(signage.HeaderAPIKey))
	r = signagetest.NewLegacyGetRequest(signage.Path, "e", "")
	assert.False(t, r.URL.Query().Has(signage.QueryAPIKey))

	// The builders give what Client sends.
	c := &signage.Client{BaseURL: "http://example.com", APIKey: "k y+"}
	u, err := c.TriggerURL(signagetest.SensorTrigger())
	require.NoError(t, err)
	assert.Equal(t, strings.TrimPrefix(u, c.BaseURL), signagetest.NewGetRequest(signage.Path, signagetest.SensorTrigger(), "k y+").RequestURI)
	u, err = c.LegacyTriggerURL("e&1")
	require.NoError(t, err)
	assert.Equal(t, strings.TrimPrefix(u, c.BaseURL), signagetest.NewLegacyGetRequest(signage.Path, "e&1", "k y+").RequestURI)

	got, err = signage.DecodeBody([]byte(signagetest.LegacySensorBody))
	require.NoError(t, err)
	assert.Equal(t, signagetest.SensorTrigger(), got)
}

func TestServer(t *testing.T) {
	s := signagetest.NewServer("k1", "k2")
	defer s.Close()
	ctx := context.Background()
	c := s.NewClient()
	assert.Equal(t, "k1", c.APIKey)
	require.NoError(t, c.Trigger(ctx, signagetest.EmergencyTrigger()))

	c2 := &signage.Client{BaseURL: s.URL, APIKey: "k2", HTTPClient: s.Client()}
	require.NoError(t, c2.Trigger(ctx, signagetest.SensorTrigger()))

	s.FailNext(http.StatusTooManyRequests)
	var ae *signage.APIError
	require.ErrorAs(t, c.Trigger(ctx, signagetest.EmergencyTrigger()), &ae)
	assert.Equal(t, signage.APIError{StatusCode: 429, Message: "Error", Reason: "signagetest: injected failure"}, *ae)

	resp, err := s.Client().Get(s.URL + "/favicon.ico")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)

	assert.Equal(t, []signage.Trigger{signagetest.EmergencyTrigger(), signagetest.SensorTrigger()}, s.Triggers())
	assert.Equal(t, 3, s.Requests())

	d := signagetest.NewServer()
	defer d.Close()
	assert.Equal(t, signagetest.Key, d.NewClient().APIKey)
}
