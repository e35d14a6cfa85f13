package signage_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks"
	"github.com/vendorhooks/vendorhooks/signage"
	"github.com/vendorhooks/vendorhooks/signage/signagetest"
)

// latin1 is what a browser's btoa reads from s: one byte per character,
// each at most U+00FF.
func latin1(s string) []byte {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xFF {
			panic("latin1: " + string(r) + " is beyond U+00FF, which btoa refuses")
		}
		b = append(b, byte(r))
	}
	return b
}

// btoaJSON is the JSON a web page sends as payload with
// btoa(JSON.stringify(x)), x holding "21,5 °C café", as UTF-8 text.
const btoaJSON = `{"event_id":"sensor-temp","sensor_data":{"id":"t1","event":"temperature","value":"21,5 °C café"}}`

// btoaPayload is btoa(JSON.stringify(x)): the JSON's Latin-1 bytes in
// standard base64.
var btoaPayload = base64.StdEncoding.EncodeToString(latin1(btoaJSON))

// warnCase is a trigger that is delivered with warnings.
type warnCase struct {
	name  string
	body  string     // a POST body, or
	query url.Values // a GET query (without apiKey)
	want  signage.Trigger
	warns []vendorhooks.Warning
	// deliveryBody is Delivery.Body where it is not the POST body.
	deliveryBody string
}

func warn(path string, off int64, msg string) vendorhooks.Warning {
	return vendorhooks.Warning{Path: path, Offset: off, Msg: msg}
}

func unknown(path string, off int64) vendorhooks.Warning {
	return vendorhooks.Warning{Path: path, Offset: off, Msg: "unknown field, kept", Unknown: true}
}

const latin1Msg = "not UTF-8: read as Latin-1"

var warnCases = []warnCase{
	{name: "value of the wrong type", body: `{"event_id": "e", "sensor_data": {"id": "s", "value": [1]}}`,
		want:  signage.Trigger{EventID: "e", Sensor: &signage.SensorData{ID: "s"}},
		warns: []vendorhooks.Warning{warn("/sensor_data/value", 54, "want a string, a number, a boolean or null, got array: left empty")}},
	{name: "sensor_data number", body: ` {"sensor_data": 1, "event_id": "e"}`,
		want:  signage.Trigger{EventID: "e"},
		warns: []vendorhooks.Warning{warn("/sensor_data", 17, "want an object or a string, got number: dropped")}},
	{name: "missing sensor id", body: `{"event_id": "e", "sensor_data": {"value": "42"}}`,
		want:  signage.Trigger{EventID: "e", Sensor: &signage.SensorData{Value: "42"}},
		warns: []vendorhooks.Warning{warn("/sensor_data/id", 33, "missing: kept without an id")}},
	{name: "empty sensor id", body: `{"event_id": "e", "sensor_data": {"id": null}}`,
		want:  signage.Trigger{EventID: "e", Sensor: &signage.SensorData{}},
		warns: []vendorhooks.Warning{warn("/sensor_data/id", 40, "empty")}},
	{name: "literal that does not parse", body: `{"event_id": "e", "sensor_data": "{id: 's1',, }"}`,
		want: signage.Trigger{EventID: "e"},
		warns: []vendorhooks.Warning{warn("/sensor_data", 33,
			"object literal in the string: unexpected ',', want an object key at byte 10 of the string: dropped")}},
	{name: "literal not an object", body: `{"event_id": "e", "sensor_data": "[1]"}`,
		want:  signage.Trigger{EventID: "e"},
		warns: []vendorhooks.Warning{warn("/sensor_data", 33, "want an object literal in the string, got array: dropped")}},
	{name: "field in a literal", body: `{"event_id": "e", "sensor_data": "{id: 's', value: {}, x: 1}"}`,
		want: signage.Trigger{EventID: "e", Sensor: &signage.SensorData{ID: "s", Extra: extra("x", "1")}},
		warns: []vendorhooks.Warning{
			warn("/sensor_data/value", 33, "want a string, a number, a boolean or null, got object: left empty"),
			unknown("/sensor_data/x", 33),
		}},
	{name: "unknown members, kept compact", body: `{"event_id": "e", "a/b": 1, "sensor_data": {"id": "s", "x": [ 2, {"y" : null} ]}}`,
		want:  signage.Trigger{EventID: "e", Extra: extra("a/b", "1"), Sensor: &signage.SensorData{ID: "s", Extra: extra("x", `[2,{"y":null}]`)}},
		warns: []vendorhooks.Warning{unknown("/a~1b", 25), unknown("/sensor_data/x", 60)}},
	{name: "unknown members", body: `{"event_id": "e", "a/b": 1, "sensor_data": {"id": "s", "x": 2}}`,
		want:  signage.Trigger{EventID: "e", Extra: extra("a/b", "1"), Sensor: &signage.SensorData{ID: "s", Extra: extra("x", "2")}},
		warns: []vendorhooks.Warning{unknown("/a~1b", 25), unknown("/sensor_data/x", 60)}},
	{name: "duplicate keys: the last value wins", body: `{"sensor_data": null, "event_id": "e", "sensor_data": {"id": "a", "id": "b"}}`,
		want: signage.Trigger{EventID: "e", Sensor: &signage.SensorData{ID: "b"}},
		warns: []vendorhooks.Warning{
			warn("/sensor_data", 54, "duplicate key: the last value wins"),
			warn("/sensor_data/id", 72, "duplicate key: the last value wins"),
		}},
	{name: "duplicate unknown key", body: `{"x": 1, "event_id": "e", "x": 2}`,
		want: signage.Trigger{EventID: "e", Extra: extra("x", "2")},
		warns: []vendorhooks.Warning{
			unknown("/x", 6),
			warn("/x", 31, "duplicate key: the last value wins"),
			unknown("/x", 31),
		}},
	{name: "a wrong value after a good one for the same key", body: `{"event_id": "e", "sensor_data": {"id": "s"}, "sensor_data": 7}`,
		want: signage.Trigger{EventID: "e"},
		warns: []vendorhooks.Warning{
			warn("/sensor_data", 61, "duplicate key: the last value wins"),
			warn("/sensor_data", 61, "want an object or a string, got number: dropped"),
		}},
	{name: "Latin-1 sensor value", body: "{\"event_id\": \"e\", \"sensor_data\": {\"id\": \"s\", \"value\": \"21,5 \xb0C caf\xe9\"}}",
		want:  signage.Trigger{EventID: "e", Sensor: &signage.SensorData{ID: "s", Value: "21,5 °C café"}},
		warns: []vendorhooks.Warning{warn("/sensor_data/value", 54, latin1Msg)}},
	{name: "Latin-1 event_id", body: "{\"event_id\": \"caf\xe9\"}",
		want:  signage.Trigger{EventID: "café"},
		warns: []vendorhooks.Warning{warn("/event_id", 13, latin1Msg)}},
	{name: "Latin-1 sensor_data string", body: "{\"event_id\": \"e\", \"sensor_data\": \"{id: 's', value: '\xe9'}\"}",
		want:  signage.Trigger{EventID: "e", Sensor: &signage.SensorData{ID: "s", Value: "é"}},
		warns: []vendorhooks.Warning{warn("/sensor_data", 33, latin1Msg)}},
	{name: "offsets after a Latin-1 string are those sent", body: "{\"x\": \"\xe9\", \"sensor_data\": 5, \"event_id\": \"e\"}",
		want: signage.Trigger{EventID: "e", Extra: extra("x", `"é"`)},
		warns: []vendorhooks.Warning{
			unknown("/x", 6),
			warn("/x", 6, latin1Msg),
			warn("/sensor_data", 26, "want an object or a string, got number: dropped"),
		}},
	{name: "btoa payload", query: url.Values{"payload": {btoaPayload}},
		want: signage.Trigger{EventID: "sensor-temp", Sensor: &signage.SensorData{ID: "t1", Event: "temperature", Value: "21,5 °C café"}},
		warns: []vendorhooks.Warning{
			warn("/sensor_data/value", int64(strings.Index(btoaJSON, `"21,5`)), latin1Msg),
		},
		deliveryBody: btoaJSON},
	{name: "payload with an unknown member", query: url.Values{"payload": {base64.URLEncoding.EncodeToString([]byte(`{"event_id":"e", "extra": [1, 2]}`))}},
		want:         signage.Trigger{EventID: "e", Extra: extra("extra", "[1,2]")},
		warns:        []vendorhooks.Warning{unknown("/extra", 26)},
		deliveryBody: `{"event_id":"e", "extra": [1, 2]}`},
	{name: "Latin-1 unknown key", body: "{\"event_id\": \"e\", \"caf\xe9\": true}",
		want: signage.Trigger{EventID: "e", Extra: extra("café", "true")},
		warns: []vendorhooks.Warning{
			unknown("/café", 26),
			warn("/café", 26, latin1Msg),
		}},
	{name: "Latin-1 legacy eventId", query: url.Values{"eventId": {"caf\xe9"}},
		want:         signage.Trigger{EventID: "café"},
		warns:        []vendorhooks.Warning{warn("/event_id", -1, latin1Msg)},
		deliveryBody: `{"event_id":"café"}`},
}

// extra is an Extra map of name and JSON value pairs.
func extra(nameValue ...string) map[string]json.RawMessage {
	m := map[string]json.RawMessage{}
	for i := 0; i < len(nameValue); i += 2 {
		m[nameValue[i]] = json.RawMessage(nameValue[i+1])
	}
	return m
}

func (c warnCase) decode() (signage.Trigger, error) {
	if c.query != nil {
		return signage.DecodeQuery(c.query)
	}
	return signage.DecodeBody([]byte(c.body))
}

func (c warnCase) decodeWarnings() (signage.Trigger, []vendorhooks.Warning, error) {
	if c.query != nil {
		return signage.DecodeQueryWarnings(c.query)
	}
	return signage.DecodeBodyWarnings([]byte(c.body))
}

func (c warnCase) request(key string) *http.Request {
	if c.query != nil {
		q := url.Values{signage.QueryAPIKey: {key}}
		for k, v := range c.query {
			q[k] = v
		}
		return httptest.NewRequest(http.MethodGet, signage.Path+"?"+q.Encode(), nil)
	}
	return signagetest.NewRequest(signage.Path, []byte(c.body), key)
}

// TestDecodeWarnings: a value of an unexpected type, an unknown member, a
// duplicate key and text that is not UTF-8 are delivered: the Warnings
// decoders give the best-effort Trigger with every warning, and the plain
// decoders give it with a *vendorhooks.Warnings that lists all but the
// unknown members and does not match ErrMalformed.
func TestDecodeWarnings(t *testing.T) {
	for _, c := range warnCases {
		t.Run(c.name, func(t *testing.T) {
			tr, ws, err := c.decodeWarnings()
			require.NoError(t, err)
			assert.Equal(t, c.want, tr)
			assert.Equal(t, c.warns, ws)
			checkUTF8(t, tr)

			tr, err = c.decode()
			assert.Equal(t, c.want, tr)
			var errs []vendorhooks.Warning
			for _, w := range c.warns {
				if !w.Unknown {
					errs = append(errs, w)
				}
			}
			if errs == nil {
				assert.NoError(t, err, "unknown members are not an error")
				return
			}
			assert.False(t, errors.Is(err, signage.ErrMalformed), "a warning must not mean refuse")
			var list *vendorhooks.Warnings
			require.True(t, errors.As(err, &list), "%v", err)
			assert.Equal(t, "signage", list.Vendor)
			assert.Equal(t, errs, list.List)
			assert.True(t, strings.HasPrefix(err.Error(), "signage: "), err.Error())
		})
	}
}

// checkUTF8 checks that every string of tr is valid UTF-8 and that it
// marshals to valid JSON.
func checkUTF8(t *testing.T, tr signage.Trigger) {
	t.Helper()
	b, err := json.Marshal(tr)
	require.NoError(t, err)
	require.True(t, json.Valid(b), "%s", b)
	require.True(t, utf8.Valid(b), "%q", b)
	strs := []string{tr.EventID}
	if tr.Sensor != nil {
		strs = append(strs, tr.Sensor.ID, tr.Sensor.Event, tr.Sensor.Value)
	}
	for _, s := range strs {
		require.True(t, utf8.ValidString(s), "%q", s)
	}
	extras := []map[string]json.RawMessage{tr.Extra}
	if tr.Sensor != nil {
		extras = append(extras, tr.Sensor.Extra)
	}
	for _, m := range extras {
		for k, v := range m {
			require.True(t, utf8.ValidString(k) && utf8.Valid(v) && json.Valid(v), "%q: %q", k, v)
		}
	}
}

// TestHandlerWarnings: the handler delivers a trigger with warnings (200,
// Delivery.Warnings holding every one, Delivery.Body valid UTF-8) and, with
// WithStrict, refuses it with 400 without calling the function.
func TestHandlerWarnings(t *testing.T) {
	for _, c := range warnCases {
		t.Run(c.name, func(t *testing.T) {
			rec := &deliveries{}
			var got []signage.Trigger
			fn := func(ctx context.Context, tr signage.Trigger) error {
				got = append(got, tr)
				return rec.fn(ctx, tr)
			}
			w := serve(signage.NewHandler(fn, signage.WithAPIKeys("k")), c.request("k"))
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			assert.JSONEq(t, `{"message":"success"}`, w.Body.String())
			require.Len(t, rec.got, 1)
			assert.Equal(t, []signage.Trigger{c.want}, got)
			d := rec.got[0]
			assert.Equal(t, c.warns, d.Warnings)
			want := c.deliveryBody
			if want == "" {
				want = c.body
			}
			assert.Equal(t, want, string(d.Body))
			if c.query != nil {
				assert.True(t, utf8.Valid(d.Body), "a GET's Delivery.Body is valid UTF-8: %q", d.Body)
			}

			called := false
			strict := signage.NewHandler(func(context.Context, signage.Trigger) error { called = true; return nil },
				signage.WithAPIKeys("k"), signage.WithStrict())
			w = serve(strict, c.request("k"))
			assert.Equal(t, http.StatusBadRequest, w.Code)
			var a struct{ Message, Error string }
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &a))
			assert.Equal(t, "Error", a.Message)
			assert.Equal(t, "signage: strict: "+c.warns[0].String(), a.Error)
			assert.False(t, called, "a strict refusal does not run the trigger")
		})
	}
}

// TestHandlerStrictClean: WithStrict delivers a trigger without warnings.
func TestHandlerStrictClean(t *testing.T) {
	called := false
	h := signage.NewHandler(func(context.Context, signage.Trigger) error { called = true; return nil },
		signage.WithAPIKeys("k"), signage.WithStrict())
	w := serve(h, signagetest.NewPostRequest(signage.Path, signagetest.SensorTrigger(), "k"))
	assert.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.True(t, called)
	w = serve(h, signagetest.NewGetRequest(signage.Path, signagetest.SensorTrigger(), "k"))
	assert.Equal(t, http.StatusOK, w.Code, w.Body.String())
}

// TestHandlerBtoaLatin1: the trigger a web page built with
// btoa(JSON.stringify(x)) over "21,5 °C café" reaches the function, and the
// action table's Command, as "21,5 °C café", never with U+FFFD.
func TestHandlerBtoaLatin1(t *testing.T) {
	var cmd signage.Command
	var d vendorhooks.Delivery
	h := signage.NewHandler(nil, signage.WithAPIKeys("k"), signage.WithActions(testActions,
		func(ctx context.Context, c signage.Command) error {
			cmd = c
			dv, _ := vendorhooks.DeliveryFromContext(ctx)
			d = *dv
			d.Body = append([]byte(nil), dv.Body...)
			return nil
		}))
	r := httptest.NewRequest(http.MethodGet, signage.Path+"?apiKey=k&payload="+url.QueryEscape(btoaPayload), nil)
	w := serve(h, r)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.NotNil(t, cmd.Sensor)
	assert.Equal(t, "21,5 °C café", cmd.Sensor.Value)
	assert.NotContains(t, string(d.Body), "\uFFFD")
	assert.Equal(t, btoaJSON, string(d.Body))
	require.Len(t, d.Warnings, 1)
	assert.Equal(t, "/sensor_data/value", d.Warnings[0].Path)
	assert.Equal(t, latin1Msg, d.Warnings[0].Msg)
}

// TestHandlerFatal: what the decoders refuse is answered 400 whatever the
// options, and the function is not called.
func TestHandlerFatal(t *testing.T) {
	called := false
	h := signage.NewHandler(func(context.Context, signage.Trigger) error { called = true; return nil }, signage.WithAPIKeys("k"))
	for _, b := range []string{
		`{"event_id": "e", "event_id": "f"}`,
		`{"event_id": {"id": 12}}`,
		`{"event_id": 1` + strings.Repeat("0", 64) + `}`,
		`{"event_id": "` + strings.Repeat("e", 65) + `"}`,
		`{"sensor_data": {"id": "s"}}`,
		`{"event_id": "e", "x": ` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`,
	} {
		w := serve(h, signagetest.NewRequest(signage.Path, []byte(b), "k"))
		assert.Equal(t, http.StatusBadRequest, w.Code, b)
	}
	for _, q := range []string{"eventId=a&eventId=b", "eventId=a&eventId=a", "eventId=" + strings.Repeat("e", 65)} {
		w := serve(h, httptest.NewRequest(http.MethodGet, signage.Path+"?apiKey=k&"+q, nil))
		assert.Equal(t, http.StatusBadRequest, w.Code, q)
	}
	assert.False(t, called)
}

// TestTriggerMarshalExtra: the members a decoder kept in Extra are written
// back beside the known ones, so a relayed trigger keeps them, and decode
// to the same Trigger.
func TestTriggerMarshalExtra(t *testing.T) {
	tr := signage.Trigger{
		EventID: "e",
		Sensor:  &signage.SensorData{ID: "s", Extra: extra("unit", `"°C"`, "id", `"ignored"`)},
		Extra:   extra("z", "1", "a", `{"b":[true]}`, "event_id", `"ignored"`, "n", ""),
	}
	b, err := json.Marshal(tr)
	require.NoError(t, err)
	assert.Equal(t, `{"event_id":"e","sensor_data":{"id":"s","unit":"°C"},"a":{"b":[true]},"n":null,"z":1}`, string(b))
	got, ws, err := signage.DecodeBodyWarnings(b)
	require.NoError(t, err)
	want := tr
	want.Extra = extra("z", "1", "a", `{"b":[true]}`, "n", "null")
	want.Sensor = &signage.SensorData{ID: "s", Extra: extra("unit", `"°C"`)}
	assert.Equal(t, want, got)
	assert.Len(t, ws, 4, "every kept member is reported")

	b, err = json.Marshal(signage.Trigger{EventID: "e"})
	require.NoError(t, err)
	assert.Equal(t, `{"event_id":"e"}`, string(b), "no Extra, no change")

	_, err = json.Marshal(signage.Trigger{EventID: "e", Extra: extra("bad", "{")})
	assert.ErrorContains(t, err, `signage: Extra member "bad" is not valid JSON`)
}
