package wms_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/internal/golden"
	"github.com/vendorhooks/vendorhooks/wms"
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
	for _, body := range []string{
		`{"timestamp": 1, "sessionId": "s", "sequence": 0, "event": "WMS_LOADED",}`,
		`{"timestamp": "1", "sessionId": "s", "sequence": 0, "event": "WMS_LOADED"}`,
	} {
		_, err := wms.Decode([]byte(body))
		require.Error(t, err)
		assert.ErrorIs(t, err, wms.ErrMalformed)
	}
	_, err := wms.Decode([]byte(`{"timestamp": 1, "sessionId": "s", "sequence": 0, "event": "WMS_LOADED",}`))
	var se *wms.SyntaxError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, 1, se.Line)
	assert.Equal(t, int64(72), se.Offset) // the closing brace
	assert.Equal(t, 73, se.Column)
	assert.Equal(t, "trailing comma before '}'", se.Msg)

	_, err = wms.Decode([]byte(`{"timestamp": 1, "sessionId": "s", "sequence": 0, "event": "INTERMEDIATE_RESULTS", "payload": {"snr": true}}`))
	var fe *wms.FieldError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "payload.snr", fe.Path)
	assert.Equal(t, "want number, got boolean", fe.Msg)
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
	assert.EqualError(t, err, "wms: f7: repeated field")
}
