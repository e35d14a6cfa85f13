package wms_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

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
	const head = `{"timestamp": 1, "sessionId": "s", "sequence": 0, "event": "WMS_LOADED"`
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
		{"missing", `{"timestamp": 1, "sessionId": "s", "event": "WMS_LOADED"}`, "/sequence", -1, "missing"},
		{"negative", `{"timestamp": 1, "sessionId": "s", "sequence": -1, "event": "WMS_LOADED"}`,
			"/sequence", 47, `want integer 0 ≤ n < 2^53, got "-1"`},
		{"MaxInt64", `{"timestamp": 1, "sessionId": "s", "sequence": 9223372036854775807, "event": "WMS_LOADED"}`,
			"/sequence", 47, `want integer 0 ≤ n < 2^53, got "9223372036854775807"`},
		{"2^53", `{"timestamp": 1, "sessionId": "s", "sequence": 9007199254740992, "event": "WMS_LOADED"}`,
			"/sequence", 47, `want integer 0 ≤ n < 2^53, got "9007199254740992"`},
		{"fraction", `{"timestamp": 1, "sessionId": "s", "sequence": 0.0, "event": "WMS_LOADED"}`,
			"/sequence", 47, `want integer 0 ≤ n < 2^53, got "0.0"`},
		// A 5,000-digit number is quoted in 32 bytes, not echoed whole.
		{"long number", `{"timestamp": 1, "sessionId": "s", "sequence": ` + long + `, "event": "WMS_LOADED"}`,
			"/sequence", 47, `want integer 0 ≤ n < 2^53, got "` + long[:32] + `"...`},
		{"session id a number", `{"timestamp": 1, "sessionId": 5, "sequence": 0, "event": "WMS_LOADED"}`,
			"/sessionId", 30, `want non-empty string, got number "5"`},
		{"long event code", `{"timestamp": 1, "sessionId": "s", "sequence": 0, "event": "` + strings.Repeat("é", 33) + `"}`,
			"/event", 59, "event code of 66 bytes is longer than 64"},
		{"long session id string quoted short", `{"timestamp": 1, "sessionId": 1` + long + `, "sequence": 0, "event": "WMS_LOADED"}`,
			"/sessionId", 30, `want non-empty string, got number "1` + long[:31] + `"...`},
		// An identity field given twice is refused, whatever the spelling.
		{"sequence twice", head + `, "sequence": 1}`, "/sequence", 85, "given twice"},
		{"escaped event twice", head + `, "\u0065vent": "PAGE_UNLOADED"}`, "/event", 87, "given twice"},
		{"session id twice", `{"sessionId": "a", "sessionId": "b", "sequence": 0, "event": "WMS_LOADED"}`, "/sessionId", 32, "given twice"},
		// Nesting is capped, free-form members included.
		{"deep extra", head + `, "x": ` + strings.Repeat("[", 1000) + strings.Repeat("]", 1000) + `}`, "", 141, "nesting deeper than 64"},
		{"deep unknown payload", `{"sessionId": "s", "sequence": 0, "event": "FACE_LOST", "payload": ` + strings.Repeat(`{"a":`, 1000) + `1` + strings.Repeat("}", 1000) + `}`,
			"", 67 + 5*63, "nesting deeper than 64"},
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
			ev, ws, err2 := wms.DecodeWarnings([]byte(c.body))
			assert.Equal(t, err, err2)
			assert.Nil(t, ws)
			assert.Empty(t, cmp.Diff(wms.Event{}, ev))
		})
	}
}

// TestDecodeTolerated checks that what is not an identity field is
// delivered: the event as far as it could be read, the warnings naming each
// path, and a Decode error that is a *vendorhooks.Warnings, not
// ErrMalformed (nil when only unknown fields were found).
func TestDecodeTolerated(t *testing.T) {
	long := strings.Repeat("9", 5000)
	const tail = `"sessionId": "s", "sequence": 0, "event": "INTERMEDIATE_RESULTS"`
	for _, c := range []struct {
		name     string
		body     string
		check    func(t *testing.T, ev wms.Event)
		warnings []vendorhooks.Warning
	}{
		{"timestamp a string", `{"timestamp": "1", ` + tail + `}`,
			func(t *testing.T, ev wms.Event) { assert.True(t, ev.Timestamp.IsZero()) },
			[]vendorhooks.Warning{{Path: "/timestamp", Offset: 14, Msg: "want integer Unix seconds, got string: left zero"}}},
		{"year 292277026596", `{"timestamp": 9223372036854775807, ` + tail + `}`,
			func(t *testing.T, ev wms.Event) { assert.True(t, ev.Timestamp.IsZero()) },
			[]vendorhooks.Warning{{Path: "/timestamp", Offset: 14, Msg: `Unix seconds "9223372036854775807" out of range (years 1 to 9999): left zero`}}},
		{"5,000-digit timestamp, quoted short", `{"timestamp": ` + long + `, ` + tail + `}`,
			func(t *testing.T, ev wms.Event) { assert.True(t, ev.Timestamp.IsZero()) },
			[]vendorhooks.Warning{{Path: "/timestamp", Offset: 14, Msg: `integer "` + long[:32] + `"... out of range: left zero`}}},
		{"snr a boolean", `{"timestamp": 1, ` + tail + `, "payload": {"snr": true, "sequence": 2}}`,
			func(t *testing.T, ev wms.Event) {
				assert.Equal(t, &wms.IntermediateResults{Sequence: 2}, ev.Payload)
			},
			[]vendorhooks.Warning{{Path: "/payload/snr", Offset: 102, Msg: "want number, got boolean: left zero"}}},
		{"5,000-digit snr", `{"timestamp": 1, ` + tail + `, "payload": {"snr": 1` + long + `e999}}`,
			func(t *testing.T, ev wms.Event) { assert.Equal(t, &wms.IntermediateResults{}, ev.Payload) },
			[]vendorhooks.Warning{{Path: "/payload/snr", Offset: 102, Msg: `number "1` + long[:31] + `"... out of range: left zero`}}},
		{"payload not an object", `{"timestamp": 1, "sessionId": "s", "sequence": 0, "event": "LOW_SNR", "payload": []}`,
			func(t *testing.T, ev wms.Event) {
				assert.Equal(t, &wms.RawPayload{Raw: json.RawMessage(`[]`)}, ev.Payload)
			},
			[]vendorhooks.Warning{{Path: "/payload", Offset: 81, Msg: "want object, got array: kept as RawPayload"}}},
		// Field names may hold "/", "~", "." and "[": the path escapes the
		// first two (RFC 6901) and keeps the others. The last value wins.
		{"repeated odd name", `{"timestamp": 1, ` + tail + `, "a/b~c.d[0]": 1, "a/b~c.d[0]": 2}`,
			func(t *testing.T, ev wms.Event) {
				assert.Equal(t, map[string]json.RawMessage{"a/b~c.d[0]": json.RawMessage(`2`)}, ev.Extra)
			},
			[]vendorhooks.Warning{
				{Path: "/a~1b~0c.d[0]", Offset: 114, Msg: "duplicate key: the last value wins"},
				{Path: "/a~1b~0c.d[0]", Offset: 114, Msg: "unknown field, kept", Unknown: true},
			}},
		{"repeated in payload", `{"timestamp": 1, "sessionId": "s", "sequence": 0, "event": "LOW_SNR", "payload": {"details": "A", "details": "B"}}`,
			func(t *testing.T, ev wms.Event) { assert.Equal(t, &wms.Details{Details: "B"}, ev.Payload) },
			[]vendorhooks.Warning{{Path: "/payload/details", Offset: 109, Msg: "duplicate key: the last value wins"}}},
		{"repeated escaped name", `{"timestamp": 1, ` + tail + `, "~": 1, "\u007e": 2}`,
			func(t *testing.T, ev wms.Event) {
				assert.Equal(t, map[string]json.RawMessage{"~": json.RawMessage(`2`)}, ev.Extra)
			},
			[]vendorhooks.Warning{
				{Path: "/~0", Offset: 101, Msg: "duplicate key: the last value wins"},
				{Path: "/~0", Offset: 101, Msg: "unknown field, kept", Unknown: true},
			}},
		{"Latin-1 byte", "{\"timestamp\": 1, " + tail + ", \"payload\": {\"measurementId\": \"caf\xe9\"}}",
			func(t *testing.T, ev wms.Event) {
				assert.Equal(t, &wms.IntermediateResults{MeasurementID: "café"}, ev.Payload)
			},
			[]vendorhooks.Warning{{Path: "/payload/measurementId", Offset: 112, Msg: "not UTF-8: read as Latin-1"}}},
		{"Latin-1 in an unknown event's payload", "{\"timestamp\": 1, \"sessionId\": \"s\", \"sequence\": 0, \"event\": \"FACE_LOST\", \"payload\": {\"n\": [\"\xb0C\"]}}",
			func(t *testing.T, ev wms.Event) {
				assert.Equal(t, &wms.RawPayload{Raw: json.RawMessage(`{"n":["°C"]}`)}, ev.Payload)
			},
			[]vendorhooks.Warning{{Path: "/payload/n/0", Offset: 90, Msg: "not UTF-8: read as Latin-1"}}},
		{"only unknown fields", `{"timestamp": 1, ` + tail + `, "new": {"deep": [1]}}`,
			func(t *testing.T, ev wms.Event) {
				assert.Equal(t, map[string]json.RawMessage{"new": json.RawMessage(`{"deep":[1]}`)}, ev.Extra)
			},
			[]vendorhooks.Warning{{Path: "/new", Offset: 90, Msg: "unknown field, kept", Unknown: true}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ev, ws, err := wms.DecodeWarnings([]byte(c.body))
			require.NoError(t, err)
			c.check(t, ev)
			assert.Equal(t, c.warnings, ws)
			assert.True(t, utf8.Valid(wmstest.Body(ev)), "the event's JSON is UTF-8")

			ev2, err := wms.Decode([]byte(c.body))
			assert.Empty(t, cmp.Diff(ev, ev2), "Decode delivers the same event")
			assert.False(t, errors.Is(err, wms.ErrMalformed), "a warning is not a refusal")
			var known []vendorhooks.Warning
			for _, w := range ws {
				if !w.Unknown {
					known = append(known, w)
				}
			}
			if len(known) == 0 {
				assert.NoError(t, err, "unknown fields are not an error")
				return
			}
			var w *vendorhooks.Warnings
			require.ErrorAs(t, err, &w)
			assert.Equal(t, "wms", w.Vendor)
			assert.Equal(t, known, w.List)
			for _, x := range ws {
				assert.Less(t, len(x.Msg), 120, "a warning quotes little of the body")
			}
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
		if !errors.Is(err, wms.ErrMalformed) {
			continue // delivered, with or without warnings
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
	require.True(t, json.Valid(b), "invalid JSON: %q", b)
	require.True(t, utf8.Valid(b), "not UTF-8: %q", b)
	again, _, err := wms.DecodeWarnings(b)
	require.NoError(t, err, "re-encoded: %s", b)
	if diff := cmp.Diff(ev, again); diff != "" {
		t.Fatalf("round trip of %s (-first +second):\n%s", b, diff)
	}
}

func FuzzDecode(f *testing.F) {
	golden.Seed(f, goldenDir)
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, err := wms.Decode(data)
		var ws *vendorhooks.Warnings
		if errors.As(err, &ws) {
			if errors.Is(err, wms.ErrMalformed) || len(ws.List) == 0 || ws.Vendor != "wms" {
				t.Fatalf("warnings %#v match ErrMalformed or are empty", err)
			}
			err = nil // delivered
		}
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
	ev, err = wms.Decode([]byte(b.String() + `, "f7": 0}`))
	var ws *vendorhooks.Warnings
	require.ErrorAs(t, err, &ws)
	// The repeat comes after 20,000 unknown fields: past the first 100
	// warnings, so only counted (tolerant's rule), and still an error.
	assert.Equal(t, []vendorhooks.Warning{{Offset: -1, Msg: "1 more warning, not listed"}}, ws.List)
	assert.Equal(t, json.RawMessage("0"), ev.Extra["f7"], "the last value wins")
	b.Reset()
	b.WriteString(`{"timestamp": 1, "sessionId": "s", "sequence": 0, "event": "WMS_LOADED", "f7": 1`)
	for i := range 20000 {
		fmt.Fprintf(&b, `, "f%d": %d`, i, i)
	}
	_, err = wms.Decode([]byte(b.String() + "}"))
	require.ErrorAs(t, err, &ws)
	require.Len(t, ws.List, 1)
	assert.Equal(t, "/f7", ws.List[0].Path, "a repeat of a field listed is listed")
	assert.Equal(t, "duplicate key: the last value wins", ws.List[0].Msg)
}
