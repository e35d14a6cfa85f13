package eeg_test

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/eeg"
	"github.com/vendorhooks/vendorhooks/internal/golden"
	"github.com/vendorhooks/vendorhooks/internal/lit"
)

const dir = "../testdata/eeg"

// Method-less copies of the events, so that the golden files show the
// named fields rather than the wire form MarshalJSON gives.
type (
	plainBlink       eeg.Blink
	plainEye         eeg.Eye
	plainBandpower   eeg.Bandpower
	plainArtifact    eeg.Artifact
	plainMetrics     eeg.Metrics
	plainMetricsJSON eeg.MetricsJSON
	plainUnknown     struct {
		Type string
		Raw  json.RawMessage
	}
)

// goldenView is what a golden file holds: the kind and the named fields.
type goldenView struct {
	Kind  string
	Event any
}

func view(ev eeg.Event) goldenView {
	var v any
	switch e := ev.(type) {
	case *eeg.Blink:
		v = plainBlink(*e)
	case *eeg.Eye:
		v = plainEye(*e)
	case *eeg.Bandpower:
		v = plainBandpower(*e)
	case *eeg.Artifact:
		v = plainArtifact(*e)
	case *eeg.Metrics:
		v = plainMetrics(*e)
	case *eeg.MetricsJSON:
		v = plainMetricsJSON(*e)
	case *eeg.Unknown:
		v = plainUnknown{Type: e.Type, Raw: e.Raw}
	}
	return goldenView{Kind: ev.Kind(), Event: v}
}

func TestGolden(t *testing.T) {
	golden.Run(t, dir, func(c golden.Case) (any, error) {
		ev, err := eeg.Decode(c.Data)
		if err != nil {
			return nil, err
		}
		return view(ev), nil
	})
}

// TestGoldenErrorsAreTyped checks that every .err case fails with one of
// the two documented error types.
func TestGoldenErrorsAreTyped(t *testing.T) {
	for _, c := range golden.Cases(t, dir) {
		_, err := eeg.Decode(c.Data)
		if err == nil {
			continue
		}
		var se *eeg.SyntaxError
		var te *eeg.TypeError
		switch {
		case errors.As(err, &se):
			assert.ErrorIs(t, err, eeg.ErrSyntax, c.Name)
			assert.LessOrEqual(t, se.Offset, len(c.Data), c.Name)
		case errors.As(err, &te):
			assert.ErrorIs(t, err, eeg.ErrType, c.Name)
		default:
			t.Errorf("%s: error %T is neither *SyntaxError nor *TypeError: %v", c.Name, err, err)
		}
	}
}

// TestPythonAndJSONFormsDecodeEqual decodes every spec example (Python
// literal text) beside the strict JSON Python's json module wrote for it,
// and every accepted golden input beside its strict JSON conversion.
func TestPythonAndJSONFormsDecodeEqual(t *testing.T) {
	pairs := 0
	for _, c := range golden.Cases(t, dir) {
		py, err := eeg.Decode(c.Data)
		if err != nil {
			continue
		}
		if strings.HasPrefix(c.Name, "spec-") {
			js, err := os.ReadFile(filepath.Join(dir, "json-"+strings.TrimPrefix(c.Name, "spec-")+".in"))
			require.NoError(t, err)
			fromJSON, err := eeg.Decode(js)
			require.NoError(t, err, c.Name)
			assert.Empty(t, cmp.Diff(py, fromJSON), c.Name)
			pairs++
		}
		strict, err := lit.AppendJSON(nil, c.Data)
		if err != nil {
			// NaN and Infinity have no strict JSON form.
			assert.Contains(t, err.Error(), "has no JSON form", c.Name)
			continue
		}
		require.True(t, json.Valid(strict), c.Name)
		fromStrict, err := eeg.Decode(strict)
		require.NoError(t, err, c.Name)
		assert.Empty(t, cmp.Diff(py, fromStrict), c.Name)
	}
	assert.Equal(t, 6, pairs, "every spec example has a JSON twin")
}

// TestRoundTrip checks that json.Marshal of every decoded golden event is
// strict JSON that decodes to an equal event.
func TestRoundTrip(t *testing.T) {
	for _, c := range golden.Cases(t, dir) {
		ev, err := eeg.Decode(c.Data)
		if err != nil {
			continue
		}
		b, err := json.Marshal(ev)
		require.NoError(t, err, c.Name)
		require.True(t, json.Valid(b), c.Name)
		again, err := eeg.Decode(b)
		require.NoError(t, err, c.Name)
		assert.Empty(t, cmp.Diff(ev, again), c.Name)
	}
}

func TestMissingCommaOnlyAcrossNewline(t *testing.T) {
	ok := "{'type': 'blink',\n'data': {'blink': {'blink': 1}, 'id': 4\n'last_eeg_id': 9}}"
	ev, err := eeg.Decode([]byte(ok))
	require.NoError(t, err)
	assert.Equal(t, int64(9), ev.(*eeg.Blink).LastEEGID)

	_, err = eeg.Decode([]byte(strings.Replace(ok, "4\n", "4 ", 1)))
	var se *eeg.SyntaxError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, 2, se.Line)
}

func TestValue(t *testing.T) {
	f, ok := eeg.Number(1.5).Float()
	assert.True(t, ok)
	assert.Equal(t, 1.5, f)
	_, ok = eeg.BadData().Float()
	assert.False(t, ok)
	assert.True(t, eeg.BadData().IsBad())
	assert.Equal(t, "bad_data", eeg.BadData().String())
	assert.True(t, eeg.Number(math.NaN()).Equal(eeg.Number(math.NaN())))
	assert.False(t, eeg.Number(0).Equal(eeg.BadData()))

	for in, want := range map[string]eeg.Value{
		`1.25`: eeg.Number(1.25), `"bad_data"`: eeg.BadData(), `"NaN"`: eeg.Number(math.NaN()),
		`"-Infinity"`: eeg.Number(math.Inf(-1)),
	} {
		var v eeg.Value
		require.NoError(t, json.Unmarshal([]byte(in), &v), in)
		assert.True(t, want.Equal(v), in)
		b, err := json.Marshal(v)
		require.NoError(t, err)
		var again eeg.Value
		require.NoError(t, json.Unmarshal(b, &again))
		assert.True(t, v.Equal(again), in)
	}
	var v eeg.Value
	err := json.Unmarshal([]byte(`{}`), &v)
	assert.ErrorIs(t, err, eeg.ErrType)
	assert.EqualError(t, err, `eeg: value: want number or "bad_data", got object`)
}

func TestQualityAndChannels(t *testing.T) {
	ev, err := eeg.Decode([]byte(`{"type":"artifact-detect","data":{"artifact_detect":{"ch1":1,"ch2":0,"ch3":"bad_data","ch4":1}}}`))
	require.NoError(t, err)
	a := ev.(*eeg.Artifact)
	assert.Equal(t, eeg.QualityGood, a.Quality.TP9)
	assert.Equal(t, eeg.QualityBad, a.Quality.AF7)
	assert.Equal(t, eeg.QualityUnknown, a.Quality.AF8)
	assert.Equal(t, "good", a.Quality.TP10.String())
	q, ok := a.Quality.Get(eeg.AF7)
	assert.True(t, ok)
	assert.Equal(t, eeg.QualityBad, q)
	_, ok = a.Quality.Get(eeg.Aux)
	assert.False(t, ok)
	assert.Equal(t, "AF8", eeg.AF8.String())
	var back eeg.Quality
	require.NoError(t, back.UnmarshalText([]byte("bad")))
	assert.Equal(t, eeg.QualityBad, back)
	assert.Error(t, back.UnmarshalText([]byte("meh")))
}

func TestLSLSeconds(t *testing.T) {
	s := eeg.LSLSeconds(1214.5)
	assert.Equal(t, "1214.5s", s.String())
	assert.Equal(t, "20m14.5s", s.Duration().String())
}

func TestUnixTimeExact(t *testing.T) {
	for in, want := range map[string]string{
		"1633343930.865":        "2021-10-04T10:38:50.865Z",
		"1633343930.1234567894": "2021-10-04T10:38:50.123456789Z",
		"1633343930.9999999999": "2021-10-04T10:38:51Z",
		"1.633343930865e9":      "2021-10-04T10:38:50.865Z",
		"-1.5":                  "1969-12-31T23:59:58.5Z",
		"0":                     "1970-01-01T00:00:00Z",
	} {
		ev, err := eeg.Decode([]byte(`{"type":"blink","data":{"blink":{"blink":0},"unix_ts":` + in + `}}`))
		require.NoError(t, err, in)
		b := ev.(*eeg.Blink)
		assert.Equal(t, want, b.Time.Format("2006-01-02T15:04:05.999999999Z07:00"), in)
		out, err := json.Marshal(b)
		require.NoError(t, err)
		again, err := eeg.Decode(out)
		require.NoError(t, err)
		assert.True(t, b.Time.Equal(again.(*eeg.Blink).Time), "%s -> %s", in, out)
	}
}

func FuzzDecode(f *testing.F) {
	golden.Seed(f, dir)
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, err := eeg.Decode(data)
		if err != nil {
			var se *eeg.SyntaxError
			var te *eeg.TypeError
			if !errors.As(err, &se) && !errors.As(err, &te) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatalf("marshal %q: %v", data, err)
		}
		again, err := eeg.Decode(b)
		if err != nil {
			t.Fatalf("decode of marshalled %s: %v", b, err)
		}
		if diff := cmp.Diff(ev, again); diff != "" {
			t.Fatalf("round trip of %q differs (-first +second):\n%s", data, diff)
		}
	})
}

// TestEventDoesNotAliasInput checks Decode's promise that the event never
// aliases data: overwriting the input after decoding changes nothing.
func TestEventDoesNotAliasInput(t *testing.T) {
	n := 0
	for _, c := range golden.Cases(t, dir) {
		want, err := eeg.Decode(c.Data)
		if err != nil {
			continue
		}
		data := []byte(string(c.Data))
		got, err := eeg.Decode(data)
		require.NoError(t, err, c.Name)
		for i := range data {
			data[i] = 'x'
		}
		assert.Empty(t, cmp.Diff(want, got), c.Name)
		n++
	}
	assert.Greater(t, n, 20)
}
