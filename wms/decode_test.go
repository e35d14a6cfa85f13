package wms_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks"
	"github.com/vendorhooks/vendorhooks/internal/golden"
	"github.com/vendorhooks/vendorhooks/wms"
	"github.com/vendorhooks/vendorhooks/wms/wmstest"
)

func TestDecodeSpecBody(t *testing.T) {
	body := []byte(`{"timestamp": 1689684577, "sessionId": "ryueiwoqfh910fu3rpqruvfiu", "sequence": 0,
		"event": "MEASUREMENT_CREATED", "severity": "INFO",
		"payload": {"measurementId": "f0c8ca8d-111d-4dcf-a69d-46ed39a2db06"}}`)
	ev, err := wms.Decode(body)
	require.NoError(t, err)
	want := wms.Event{
		Timestamp: time.Date(2023, 7, 18, 12, 49, 37, 0, time.UTC),
		SessionID: "ryueiwoqfh910fu3rpqruvfiu",
		Sequence:  0,
		Code:      wms.CodeMeasurementCreated,
		Severity:  wms.SeverityInfo,
		Payload:   &wms.Measurement{MeasurementID: "f0c8ca8d-111d-4dcf-a69d-46ed39a2db06"},
	}
	assert.Empty(t, cmp.Diff(want, ev))
	assert.Equal(t, time.UTC, ev.Timestamp.Location(), "Timestamp is in UTC, whatever the local zone")
	assert.Equal(t, "MEASUREMENT_CREATED", ev.Kind())
}

func TestDecodeErrors(t *testing.T) {
	long := strings.Repeat("9", 5000)
	for _, c := range []struct {
		name   string
		body   string
		path   string
		offset int64
		msg    string
	}{
		{"trailing comma", `{"timestamp": 1, "sessionId": "s", "sequence": 0, "event": "WMS_LOADED",}`,
			"", 72, "invalid JSON at line 1, column 73: trailing comma before '}'"}, // the closing brace
		{"empty", " \n", "", -1, "empty body"},
		{"not an object", ` [1]`, "", 1, "want object, got array"},
		{"wrong type", `{"timestamp": "1", "sessionId": "s", "sequence": 0, "event": "WMS_LOADED"}`,
			"/timestamp", 14, "want integer Unix seconds, got string"},
		{"payload type", `{"timestamp": 1, "sessionId": "s", "sequence": 0, "event": "INTERMEDIATE_RESULTS", "payload": {"snr": true}}`,
			"/payload/snr", 102, "want number, got boolean"},
		{"payload not an object", `{"timestamp": 1, "sessionId": "s", "sequence": 0, "event": "LOW_SNR", "payload": []}`,
			"/payload", 81, "want object, got array"},
		{"missing", `{"timestamp": 1, "sessionId": "s", "event": "WMS_LOADED"}`, "/sequence", -1, "missing"},
		{"negative", `{"timestamp": 1, "sessionId": "s", "sequence": -1, "event": "WMS_LOADED"}`,
			"/sequence", 47, `want non-negative integer, got "-1"`},
		// A 5,000-digit number is quoted in 32 bytes, not echoed whole.
		{"long number", `{"timestamp": ` + long + `, "sessionId": "s", "sequence": 0, "event": "WMS_LOADED"}`,
			"/timestamp", 14, `integer "` + long[:32] + `"... out of range`},
		{"long snr", `{"timestamp": 1, "sessionId": "s", "sequence": 0, "event": "INTERMEDIATE_RESULTS", "payload": {"snr": 1` + long + `e999}}`,
			"/payload/snr", 102, `number "1` + long[:31] + `"... out of range`},
		// Field names may hold "/", "~", "." and "[": the path escapes the
		// first two (RFC 6901) and keeps the others.
		{"repeated odd name", `{"timestamp": 1, "sessionId": "s", "sequence": 0, "event": "WMS_LOADED", "a/b~c.d[0]": 1, "a/b~c.d[0]": 2}`,
			"/a~1b~0c.d[0]", 90, "repeated field"},
		{"repeated in payload", `{"timestamp": 1, "sessionId": "s", "sequence": 0, "event": "LOW_SNR", "payload": {"x.y": 1, "x.y": 2}}`,
			"/payload/x.y", 92, "repeated field"},
		{"repeated escaped name", `{"timestamp": 1, "sessionId": "s", "sequence": 0, "event": "WMS_LOADED", "~": 1, "\u007e": 2}`,
			"/~0", 81, "repeated field"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ev, err := wms.Decode([]byte(c.body))
			require.Error(t, err)
			assert.ErrorIs(t, err, wms.ErrMalformed)
			assert.ErrorIs(t, err, vendorhooks.ErrMalformed)
			assert.Empty(t, cmp.Diff(wms.Event{}, ev), "a refused body gives the zero Event")
			var de *wms.DecodeError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, "wms", de.Vendor)
			assert.Equal(t, c.path, de.Path)
			assert.Equal(t, c.offset, de.Offset)
			assert.Equal(t, c.msg, de.Msg)
			assert.Less(t, len(err.Error()), 200, "the message quotes little of the body")
		})
	}
}

// TestDecodeZeroEventOnError checks that Decode gives the zero Event for
// every golden input it refuses, even one refused after its first fields
// decoded.
func TestDecodeZeroEventOnError(t *testing.T) {
	refused := 0
	for _, c := range golden.Cases(t, goldenDir) {
		ev, err := wms.Decode(c.Data)
		if err == nil {
			continue
		}
		refused++
		assert.Empty(t, cmp.Diff(wms.Event{}, ev), c.Name)
	}
	assert.Greater(t, refused, 10)
}

// TestMarshalValueAndPointer checks that an event and every payload type
// marshal the same by value and through a pointer.
func TestMarshalValueAndPointer(t *testing.T) {
	extra := map[string]json.RawMessage{"x": json.RawMessage(`1`)}
	for _, v := range []any{
		wms.Measurement{MeasurementID: "m", Extra: extra},
		wms.IntermediateResults{MeasurementID: "m", SNR: 1.5, Sequence: 2, Extra: extra},
		wms.ConstraintViolation{MeasurementID: "m", Extra: extra},
		wms.APIError{MeasurementID: "m", Extra: extra},
		wms.PageVisibility{MeasurementID: "m", State: wms.VisibilityHidden, Extra: extra},
		wms.Details{Details: wms.DetailLowSNR, Extra: extra},
		wms.RawPayload{Raw: json.RawMessage(`{"a":[1]}`)},
		wmstest.Event(wms.CodeIntermediateResults, 3),
	} {
		byValue, err := json.Marshal(v)
		require.NoError(t, err)
		ptr := reflect.New(reflect.TypeOf(v))
		ptr.Elem().Set(reflect.ValueOf(v))
		byPointer, err := json.Marshal(ptr.Interface())
		require.NoError(t, err)
		assert.JSONEq(t, string(byPointer), string(byValue), "%T", v)
		assert.Equal(t, string(byPointer), string(byValue), "%T", v)
		assert.NotContains(t, string(byValue), "MeasurementID", "%T: the wire form, not the Go fields", v)
	}
}

func TestCodes(t *testing.T) {
	codes := wms.Codes()
	require.Len(t, codes, 22)
	seen := map[wms.Code]bool{}
	for _, c := range codes {
		assert.True(t, c.Known(), c)
		assert.NotEmpty(t, c.Description(), c)
		assert.True(t, c.Severity().Known(), c)
		assert.Equal(t, string(c), c.String())
		assert.False(t, seen[c], "repeated %s", c)
		seen[c] = true
	}
	assert.Equal(t, "Measurement was cancelled due to low SNR", wms.CodeLowSNR.Description())
	assert.Equal(t, wms.SeverityWarn, wms.CodeMeasurementCanceled.Severity())
	unknown := wms.Code("FACE_LOST")
	assert.False(t, unknown.Known())
	assert.Empty(t, unknown.Description())
	assert.Empty(t, unknown.Severity())
	assert.False(t, wms.Severity("DEBUG").Known())
	assert.Equal(t, "HIDDEN", wms.VisibilityHidden.String())
	assert.Equal(t, "LOW_SNR", wms.DetailLowSNR.String())
}

// TestMarshalRoundTrip checks that every golden input that decodes
// re-encodes to a body that decodes equal.
func TestMarshalRoundTrip(t *testing.T) {
	decoded := 0
	for _, c := range golden.Cases(t, goldenDir) {
		ev, err := wms.Decode(c.Data)
		if err != nil {
			continue
		}
		roundTrip(t, ev)
		decoded++
	}
	assert.GreaterOrEqual(t, decoded, len(wms.Codes()), "one golden input per code at least")
}

func roundTrip(t *testing.T, ev wms.Event) {
	t.Helper()
	b, err := json.Marshal(ev)
	require.NoError(t, err)
	again, err := wms.Decode(b)
	require.NoError(t, err, "re-encoded: %s", b)
	if diff := cmp.Diff(ev, again); diff != "" {
		t.Fatalf("round trip of %s (-first +second):\n%s", b, diff)
	}
}

func FuzzDecode(f *testing.F) {
	golden.Seed(f, goldenDir)
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, err := wms.Decode(data)
		if err != nil {
			if !errors.Is(err, wms.ErrMalformed) {
				t.Fatalf("error %v does not match ErrMalformed", err)
			}
			var de *wms.DecodeError
			if !errors.As(err, &de) || de.Vendor != "wms" || de.Offset < -1 || de.Offset > int64(len(data)) {
				t.Fatalf("error %#v is not a wms DecodeError within the body", err)
			}
			if !reflect.ValueOf(ev).IsZero() {
				t.Fatalf("refused body gave %+v", ev)
			}
			return
		}
		roundTrip(t, ev)
	})
}

func TestDecodeManyFields(t *testing.T) {
	// Many unknown fields are kept; a repeat among them is found quickly.
	var b strings.Builder
	b.WriteString(`{"timestamp": 1, "sessionId": "s", "sequence": 0, "event": "WMS_LOADED"`)
	for i := range 20000 {
		fmt.Fprintf(&b, `, "f%d": %d`, i, i)
	}
	ev, err := wms.Decode([]byte(b.String() + "}"))
	require.NoError(t, err)
	assert.Len(t, ev.Extra, 20000)
	assert.Equal(t, json.RawMessage("19999"), ev.Extra["f19999"])
	_, err = wms.Decode([]byte(b.String() + `, "f7": 0}`))
	var de *wms.DecodeError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, "/f7", de.Path)
	assert.Equal(t, "repeated field", de.Msg)
}
