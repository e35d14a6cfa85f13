package signage_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks"
	"github.com/vendorhooks/vendorhooks/signage"
	"github.com/vendorhooks/vendorhooks/signage/signagetest"
)

// deliveries records the Delivery of each call of the user's function.
type deliveries struct{ got []vendorhooks.Delivery }

func (d *deliveries) fn(ctx context.Context, _ signage.Trigger) error {
	dv, ok := vendorhooks.DeliveryFromContext(ctx)
	if !ok {
		return errors.New("no delivery")
	}
	c := *dv
	c.Body = append([]byte(nil), dv.Body...) // Body is valid until fn returns
	d.got = append(d.got, c)
	return nil
}

func TestHandlerDelivery(t *testing.T) {
	rec := &deliveries{}
	h := signage.NewHandler(rec.fn, signage.WithAPIKeys("k"))
	postBody := `{ "event_id" : "e",  "sensor_data": {"id": "s"} }`
	payloadJSON := `{"event_id":"e", "sensor_data": {"id": "s"}}`
	header := signagetest.NewLegacyGetRequest(signage.Path, "e", "")
	header.Header.Set("x-webhook-apikey", "k")
	for _, tc := range []struct {
		name string
		r    *http.Request
		body string // Delivery.Body
	}{
		{"post", signagetest.NewRequest(signage.Path, []byte(postBody), "k"), postBody},
		{"post again", signagetest.NewRequest(signage.Path, []byte(postBody), "k"), postBody},
		{"get payload", httptest.NewRequest(http.MethodGet, signage.Path+"?apiKey=k&payload="+base64.URLEncoding.EncodeToString([]byte(payloadJSON)), nil), payloadJSON},
		{"get legacy", signagetest.NewLegacyGetRequest(signage.Path, "e<&>", "k"), `{"event_id":"e\u003c\u0026\u003e"}`},
		{"get key in header", header, `{"event_id":"e"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := time.Now().UTC()
			w := serve(h, tc.r)
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			require.NotEmpty(t, rec.got)
			d := rec.got[len(rec.got)-1]
			assert.Equal(t, "signage", d.Vendor)
			assert.Equal(t, "trigger", d.Kind)
			assert.Equal(t, signage.Trigger{}.Kind(), d.Kind)
			assert.Empty(t, d.Session)
			assert.Empty(t, d.IdempotencyKey, "triggers are commands: no idempotency key")
			assert.Equal(t, tc.body, string(d.Body))
			assert.True(t, json.Valid(d.Body))
			assert.Nil(t, d.Warnings)
			assert.False(t, d.Received.Before(before.Add(-time.Second)))
			assert.Equal(t, time.UTC, d.Received.Location())
			if tc.r.Method == http.MethodPost || tc.name == "get key in header" {
				assert.Equal(t, []string{vendorhooks.RedactedValue}, d.Header.Values(signage.HeaderAPIKey))
			}
			for _, vs := range d.Header {
				for _, v := range vs {
					assert.NotEqual(t, "k", v)
				}
			}
		})
	}
	assert.Len(t, rec.got, 5)
	// The handler's header is a copy: the request keeps its key.
	assert.Equal(t, "k", header.Header.Get(signage.HeaderAPIKey))
}

// readCounter is a body that counts the reads made of it.
type readCounter struct {
	io.Reader
	reads int
}

func (c *readCounter) Read(p []byte) (int, error) { c.reads++; return c.Reader.Read(p) }

// TestHandlerKeyBeforeBody: a request without a valid key, or with a query
// that does not parse, is answered before its body is read, and the answer
// quotes neither the key nor the query.
func TestHandlerKeyBeforeBody(t *testing.T) {
	called := false
	h := signage.NewHandler(func(context.Context, signage.Trigger) error { called = true; return nil }, signage.WithAPIKeys("the-key"))
	for _, tc := range []struct {
		name, method, target, key string
		status                    int
		msg                       string
	}{
		{"post wrong key", http.MethodPost, signage.Path, "guess", 401, "signage: invalid key"},
		{"post no key", http.MethodPost, signage.Path, "", 401, "signage: missing X-Webhook-Apikey header"},
		{"post key in query only", http.MethodPost, signage.Path + "?apiKey=the-key", "", 401, "signage: missing X-Webhook-Apikey header"},
		{"get no key", http.MethodGet, signage.Path + "?eventId=e", "", 401, "signage: missing apiKey"},
		{"get wrong key", http.MethodGet, signage.Path + "?apiKey=guess&eventId=e", "", 401, "signage: invalid key"},
		{"get bad escape", http.MethodGet, signage.Path + "?apiKey=the-key&payload=%ZZsecret", "", 400, "signage: query has an invalid percent-encoding"},
		{"get semicolon", http.MethodGet, signage.Path + "?apiKey=the-key;eventId=e", "", 400, "signage: query does not parse"},
		{"get bad escape beside header key", http.MethodGet, signage.Path + "?apiKey=%zthe-key", "the-key", 400, "signage: query has an invalid percent-encoding"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := &readCounter{Reader: strings.NewReader(`{"event_id":"e"}`)}
			r := httptest.NewRequest(tc.method, tc.target, body)
			if tc.key != "" {
				r.Header.Set(signage.HeaderAPIKey, tc.key)
			}
			w := serve(h, r)
			assert.Equal(t, tc.status, w.Code)
			assert.JSONEq(t, `{"message":"Error","error":`+string(must(json.Marshal(tc.msg)))+`}`, w.Body.String())
			assert.Zero(t, body.reads, "body read before the key check")
			assert.NotContains(t, w.Body.String(), "the-key")
			assert.NotContains(t, w.Body.String(), "secret")
			assert.NotContains(t, w.Body.String(), "guess")
		})
	}
	assert.False(t, called)
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestHandlerActionAnswers: the table's refusals are 404 and 400 and reach
// no function; the functions' errors are 500 without detail.
func TestHandlerActionAnswers(t *testing.T) {
	var calls []string
	var fnErr, cmdErr error
	h := signage.NewHandler(func(_ context.Context, tr signage.Trigger) error {
		calls = append(calls, "fn "+tr.EventID)
		return fnErr
	}, signage.WithAPIKeys("k"), signage.WithActions(testActions, func(_ context.Context, c signage.Command) error {
		calls = append(calls, "cmd "+c.EventID)
		return cmdErr
	}))
	post := func(tr signage.Trigger) *httptest.ResponseRecorder {
		return serve(h, signagetest.NewPostRequest(signage.Path, tr, "k"))
	}

	w := post(signage.Trigger{EventID: "nope"})
	assert.Equal(t, http.StatusNotFound, w.Code)
	assert.JSONEq(t, `{"message":"Error","error":"signage: unknown event id \"nope\""}`, w.Body.String())

	w = post(signage.Trigger{EventID: strings.Repeat("n", 64)})
	assert.Equal(t, http.StatusNotFound, w.Code)
	assert.Less(t, w.Body.Len(), 120, "the unknown id is quoted short")

	// An id longer than 64 bytes is refused before the table is asked.
	w = post(signage.Trigger{EventID: strings.Repeat("n", 65)})
	assert.Equal(t, http.StatusBadRequest, w.Code)
	assert.JSONEq(t, `{"message":"Error","error":"signage: /event_id (offset 12): longer than 64 bytes"}`, w.Body.String())

	w = post(signage.Trigger{EventID: "sensor-temp"})
	assert.Equal(t, http.StatusBadRequest, w.Code)
	assert.JSONEq(t, `{"message":"Error","error":"signage: event sends sensor data but the trigger has none"}`, w.Body.String())
	assert.Empty(t, calls)

	fnErr = errors.New("db password=hunter2")
	w = post(signage.Trigger{EventID: "show-menu"})
	assert.Equal(t, http.StatusInternalServerError, w.Code)
	assert.JSONEq(t, `{"message":"Error","error":"handler failed"}`, w.Body.String())

	// A function's error is the function's, whatever it wraps: a decode
	// error of its own is still a 500.
	fnErr, cmdErr = nil, &signage.DecodeError{Vendor: "signage", Msg: "from the user", Offset: -1}
	w = post(signage.Trigger{EventID: "show-menu"})
	assert.Equal(t, http.StatusInternalServerError, w.Code)
	assert.JSONEq(t, `{"message":"Error","error":"handler failed"}`, w.Body.String())
	assert.Equal(t, []string{"fn show-menu", "fn show-menu", "cmd show-menu"}, calls)
}

// TestHandlerGzip: a gzip body within the limit is decoded; another encoding
// is 415.
func TestHandlerGzip(t *testing.T) {
	rec := &deliveries{}
	h := signage.NewHandler(rec.fn, signage.WithAPIKeys("k"))
	body := `{"event_id":"e"}`
	r := signagetest.NewRequest(signage.Path, gzipped(t, body), "k")
	r.Header.Set("Content-Encoding", "gzip")
	w := serve(h, r)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Equal(t, body, string(rec.got[0].Body))

	r = signagetest.NewRequest(signage.Path, []byte(body), "k")
	r.Header.Set("Content-Encoding", "br")
	w = serve(h, r)
	assert.Equal(t, http.StatusUnsupportedMediaType, w.Code)
	assert.JSONEq(t, `{"message":"Error","error":"unsupported content encoding"}`, w.Body.String())
}

// TestMarshalValueAndPointer: every type with a MarshalJSON marshals the
// same through a pointer and as a value.
func TestMarshalValueAndPointer(t *testing.T) {
	rule := signage.Rule{Action: signage.ActionShowToast, Target: signage.Tag("hall"), Message: "hi", Duration: 30 * time.Second}
	cmd := signage.Command{EventID: "e", Rule: rule, Sensor: &signage.SensorData{ID: "s"}}
	tr := signagetest.SensorTrigger()
	act := signage.ActionSnooze
	kind := signage.TargetGroup
	for name, pair := range map[string][2]any{
		"Rule":       {rule, &rule},
		"Command":    {cmd, &cmd},
		"Trigger":    {tr, &tr},
		"Action":     {act, &act},
		"TargetKind": {kind, &kind},
	} {
		v, err := json.Marshal(pair[0])
		require.NoError(t, err, name)
		p, err := json.Marshal(pair[1])
		require.NoError(t, err, name)
		assert.JSONEq(t, string(v), string(p), name)
		// And inside a struct, where only value methods apply to a value.
		s, err := json.Marshal(struct{ X any }{pair[0]})
		require.NoError(t, err, name)
		assert.JSONEq(t, `{"X":`+string(v)+`}`, string(s), name)
	}
	b, err := json.Marshal(rule)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"duration":"30s"`)
}

func gzipped(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	_, err := zw.Write([]byte(s))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return b.Bytes()
}
