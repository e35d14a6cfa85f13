package signage_test

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/internal/lit"
	"github.com/vendorhooks/vendorhooks/signage"
)

func TestDecodeErrorTypes(t *testing.T) {
	_, err := signage.DecodeBody([]byte(`{"event_id": "e", "sensor_data": {"id": "s", "value": [1]}}`))
	var fe *signage.FieldError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, signage.FieldError{Path: "sensor_data.value", Want: "string, number, boolean or null", Got: "array"}, *fe)

	_, err = signage.DecodeBody([]byte(`{"event_id": `))
	var se *signage.SyntaxError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "body", se.Part)
	var jse *json.SyntaxError
	assert.ErrorAs(t, err, &jse)

	_, err = signage.DecodePayload("e30*")
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "payload", se.Part)
	var ce base64.CorruptInputError
	assert.ErrorAs(t, err, &ce)

	_, err = signage.DecodeBody([]byte(`{"event_id": "e", "sensor_data": "{id: 's1',, }"}`))
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "sensor_data", se.Part)
	var le *lit.SyntaxError
	require.ErrorAs(t, err, &le)
	assert.Equal(t, 10, le.Offset)

	for _, body := range []string{``, " \n", `{}`, `{"event_id": null}`, `{"event_id": ""}`} {
		_, err = signage.DecodeBody([]byte(body))
		assert.Error(t, err, body)
	}
	_, err = signage.DecodeBody(nil)
	assert.ErrorIs(t, err, signage.ErrEmpty)
	_, err = signage.DecodePayload("")
	assert.ErrorIs(t, err, signage.ErrEmpty)
	_, err = signage.DecodeBody([]byte(`{"event_id": "e", "sensor_data": {}}`))
	assert.ErrorIs(t, err, signage.ErrMissingSensorID)
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
	_, err = signage.DecodeQuery(url.Values{})
	assert.ErrorIs(t, err, signage.ErrMissingEventID)
	_, err = signage.DecodeQuery(url.Values{"eventId": {"other"}, "payload": {base64.StdEncoding.EncodeToString([]byte(`{"event_id":"e1"}`))}})
	assert.ErrorIs(t, err, signage.ErrEventIDConflict)
}

func TestTriggerKind(t *testing.T) {
	assert.Equal(t, "trigger", signage.Trigger{EventID: "emergency-on"}.Kind())
	assert.Equal(t, signage.KindTrigger, signage.Trigger{}.Kind())
}
