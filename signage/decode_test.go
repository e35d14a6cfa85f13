package signage_test

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks"
	"github.com/vendorhooks/vendorhooks/signage"
)

// TestDecodeErrors: a trigger is refused only when it does not parse, is
// nested too deep, or its event_id is missing, not a string, empty, too long
// or given twice. Every refusal is a *DecodeError of vendor "signage" that
// matches ErrMalformed, with a JSON Pointer path and the byte offset of the
// value at fault, and comes with the zero Trigger.
func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		decode func() (signage.Trigger, error)
		path   string
		offset int64
		msg    string
	}{
		{"event_id object", body(`{"event_id": {"id": "x"}}`), "/event_id", 13, "want a string or a number, got object"},
		{"missing event_id", body(`  {"other": 1}`), "/event_id", 2, "missing"},
		{"null event_id", body(`{"event_id": null}`), "/event_id", 13, "want a string or a number, got null"},
		{"empty event_id", body(`{"event_id": ""}`), "/event_id", 13, "empty"},
		{"event_id of 65 bytes", body(`{"event_id": "` + strings.Repeat("e", 65) + `"}`), "/event_id", 13, "longer than 64 bytes"},
		{"event_id given twice", body(`{"event_id": "e", "event_id": "e"}`), "/event_id", 30, "given twice"},
		{"event_id given twice, one inside an escape", body(`{"event_id": "a", "event\u005fid": "b"}`), "/event_id", 35, "given twice"},
		{"nested deeper than 64", body(`{"event_id": "e", "x": ` + strings.Repeat("[", 65) + strings.Repeat("]", 65) + `}`), "", 86, "nesting deeper than 64"},
		{"truncated", body(`{"event_id": `), "", 13, "body is not JSON: unexpected end of JSON input"},
		{"not JSON", body(`event_id=e`), "", 0, "body is not JSON: invalid character 'e' looking for beginning of value"},
		{"not an object", body(`[1]`), "", 0, "body: want an object, got array"},
		{"empty body", body(" \n"), "", -1, "empty body"},
		// A string read as Latin-1 before the fault counts as sent.
		{"offset after invalid UTF-8", body("{\"x\": \"\xff\xfe\", \"event_id\": true}"), "/event_id", 24, "want a string or a number, got boolean"},
		{"payload not base64", payload("e30*"), "", -1, "payload is not base64 (byte 3)"},
		{"payload bad escape", payload("%zz"), "", -1, "payload has an invalid percent-encoding"},
		{"empty payload", payload("=="), "", -1, "empty payload"},
		{"payload's JSON", payload(base64.StdEncoding.EncodeToString([]byte(`{"event_id": 1.5e}`))), "", 17,
			"payload is not JSON: invalid character '}' in exponent of numeric literal"},
		{"query without trigger", query(url.Values{"apiKey": {"k"}}), "", -1, "query has neither payload nor eventId"},
		{"eventId given twice", query(url.Values{"eventId": {"e", "e"}}), "/event_id", -1, "eventId parameter given more than once"},
		{"payload given twice", query(url.Values{"payload": {"e30", "e30"}}), "", -1, "payload parameter given more than once"},
		{"legacy eventId of 65 bytes", query(url.Values{"eventId": {strings.Repeat("e", 65)}}), "/event_id", -1, "eventId longer than 64 bytes"},
		{"query contradicts payload", query(url.Values{"eventId": {"other"}, "payload": {base64.StdEncoding.EncodeToString([]byte(`{"event_id":"e1"}`))}}),
			"/event_id", -1, "differs from the eventId parameter"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := tc.decode()
			assert.Zero(t, tr)
			require.ErrorIs(t, err, signage.ErrMalformed)
			require.ErrorIs(t, err, vendorhooks.ErrMalformed)
			var de *signage.DecodeError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, signage.DecodeError{Vendor: "signage", Path: tc.path, Offset: tc.offset, Msg: tc.msg}, *de)
			assert.True(t, strings.HasPrefix(err.Error(), "signage: "), err.Error())
		})
	}
}

// TestDecodeErrorQuotesLittle: a message quotes at most about 32 bytes of
// the input, however long the value at fault.
func TestDecodeErrorQuotesLittle(t *testing.T) {
	long := strings.Repeat("x", 500)
	for _, b := range []string{
		`{"event_id": "e", "sensor_data": "{id: ` + long + `}"}`,
		`{"event_id": "e", "sensor_data": "{id: 1` + long + `}"}`,
		`{"event_id": ` + long + `}`,
		`{"event_id": "` + long + `"}`,
	} {
		_, err := signage.DecodeBody([]byte(b))
		require.Error(t, err)
		assert.Less(t, len(err.Error()), 160, err.Error())
	}
}

func body(b string) func() (signage.Trigger, error) {
	return func() (signage.Trigger, error) { return signage.DecodeBody([]byte(b)) }
}

func payload(p string) func() (signage.Trigger, error) {
	return func() (signage.Trigger, error) { return signage.DecodePayload(p) }
}

func query(q url.Values) func() (signage.Trigger, error) {
	return func() (signage.Trigger, error) { return signage.DecodeQuery(q) }
}

func TestDecodePayloadAlphabets(t *testing.T) {
	// "~" and "?" give "+" and "/" in standard base64.
	tr := signage.Trigger{EventID: "~~~a???", Sensor: &signage.SensorData{ID: "s~1"}}
	body, err := json.Marshal(tr)
	require.NoError(t, err)
	std := base64.StdEncoding.EncodeToString(body)
	require.Contains(t, std, "+")
	require.Contains(t, std, "/")
	for name, p := range map[string]string{
		"standard padded":           std,
		"standard unpadded":         base64.RawStdEncoding.EncodeToString(body),
		"url-safe padded":           base64.URLEncoding.EncodeToString(body),
		"url-safe unpadded":         base64.RawURLEncoding.EncodeToString(body),
		"'+' read as space":         string(replaceAll(std, '+', ' ')),
		"percent-encoded once more": url.QueryEscape(std),
	} {
		got, err := signage.DecodePayload(p)
		if assert.NoError(t, err, name) {
			assert.Equal(t, tr, got, name)
		}
	}
}

func replaceAll(s string, old, new byte) []byte {
	b := []byte(s)
	for i := range b {
		if b[i] == old {
			b[i] = new
		}
	}
	return b
}

func TestDecodeQuery(t *testing.T) {
	tr, err := signage.DecodeQuery(url.Values{"eventId": {"e1"}, "payload": {""}})
	require.NoError(t, err)
	assert.Equal(t, signage.Trigger{EventID: "e1"}, tr)
	tr, err = signage.DecodeQuery(url.Values{"eventId": {"e1"}, "payload": {base64.StdEncoding.EncodeToString([]byte(`{"event_id":"e1"}`))}})
	require.NoError(t, err)
	assert.Equal(t, signage.Trigger{EventID: "e1"}, tr)
}

func TestTriggerKind(t *testing.T) {
	assert.Equal(t, "trigger", signage.Trigger{EventID: "emergency-on"}.Kind())
	assert.Equal(t, signage.KindTrigger, signage.Trigger{}.Kind())
}

// TestDecodeDepth: 64 levels of nesting, the object included, are read;
// the 65th is refused (TestDecodeErrors).
func TestDecodeDepth(t *testing.T) {
	b := `{"event_id": "e", "x": ` + strings.Repeat("[", 63) + strings.Repeat("]", 63) + `}`
	tr, err := signage.DecodeBody([]byte(b))
	require.NoError(t, err, "an unknown member is not an error")
	assert.Equal(t, strings.Repeat("[", 63)+strings.Repeat("]", 63), string(tr.Extra["x"]))
}

// The vendor's Node sample posts { event_id: {{event_id}} }: a numeric id is
// the id, as its text.
func TestDecodeNumericEventID(t *testing.T) {
	tr, err := signage.DecodeBody([]byte(`{"event_id": 1234}`))
	require.NoError(t, err)
	assert.Equal(t, "1234", tr.EventID)
}
