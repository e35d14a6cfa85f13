package eeg_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/eeg"
	"github.com/vendorhooks/vendorhooks/eeg/eegtest"
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

// TestGoldenErrorsAreDecodeErrors checks that every .err case fails with
// a *DecodeError that matches ErrMalformed, whose path is a JSON Pointer
// and whose offset lies in the input.
func TestGoldenErrorsAreDecodeErrors(t *testing.T) {
	n := 0
	for _, c := range golden.Cases(t, dir) {
		_, err := eeg.Decode(c.Data)
		if err == nil {
			continue
		}
		n++
		assert.ErrorIs(t, err, eeg.ErrMalformed, c.Name)
		var de *eeg.DecodeError
		if !assert.ErrorAs(t, err, &de, c.Name) {
			continue
		}
		assert.Equal(t, "eeg", de.Vendor, c.Name)
		assert.True(t, de.Path == "" || strings.HasPrefix(de.Path, "/"), "%s: path %q", c.Name, de.Path)
		assert.GreaterOrEqual(t, de.Offset, int64(-1), c.Name)
		assert.LessOrEqual(t, de.Offset, int64(len(c.Data)), c.Name)
		if de.Path == "" {
			// Syntax errors, and a body that is not an object: the offset
			// is always known.
			assert.GreaterOrEqual(t, de.Offset, int64(0), c.Name)
		}
		assert.LessOrEqual(t, len(de.Msg), 120, "%s: message %q", c.Name, de.Msg)
	}
	assert.Greater(t, n, 20)
}

// TestDecodeErrorPathAndOffset checks the Path (an RFC 6901 pointer) and
// Offset of the errors of each kind of field.
func TestDecodeErrorPathAndOffset(t *testing.T) {
	bp := func(ch2alpha string) string {
		return `{"type":"bandpower","data":{"bandpower":{"ch1":{"alpha":1,"beta":1,"theta":1,"delta":1},` +
			`"ch2":{"alpha":` + ch2alpha + `,"beta":1,"theta":1,"delta":1},` +
			`"ch3":{"alpha":1,"beta":1,"theta":1,"delta":1},"ch4":{"alpha":1,"beta":1,"theta":1,"delta":1}}}}`
	}
	art := `{"type":"artifact-detect","data":{"artifact_detect":{"ch1":1,"ch2":1,"ch3":1,"ch4":1}},"action":{"value":[1,1,1,7]}}`
	for _, tc := range []struct {
		name, in, path, msg string
		offset              int64
	}{
		{"band value", bp("{}"), "/data/bandpower/ch2/alpha", `want number or "bad_data", got object`, int64(strings.Index(bp("{}"), "{}"))},
		{"array index", art, "/action/value/3", `want 0, 1 or "bad_data", got number 7`, -1},
		{"missing field", `{"type":"blink","data":{}}`, "/data/blink", "missing, want object", -1},
		{"missing type", `{"data":{}}`, "/type", "missing, want string", -1},
		{"type of wrong kind", `{"type":7}`, "/type", "want string, got number", 8},
		{"not an object", `[1]`, "", "want object, got array", 0},
		{"metricsJson channel", strings.Replace(eegtest.JSON["metricsJson"], `"channel3": "artifact"`, `"channel3": 3`, 1),
			"/action/value/artifact_detect/channel3", "want string, got number",
			int64(strings.Index(eegtest.JSON["metricsJson"], `"channel3": "artifact"`) + len(`"channel3": `))},
		{"syntax", "{'type': 'blink' 'data': {}}", "", `unexpected '\'', want ',' or '}' at line 1, column 18`, 17},
		{"syntax on line 2", "{'type': 'blink',\n 'data' {}}", "", `unexpected '{', want ':' after object key at line 2, column 9`, 26},
	} {
		_, err := eeg.Decode([]byte(tc.in))
		require.ErrorIs(t, err, eeg.ErrMalformed, tc.name)
		var de *eeg.DecodeError
		require.ErrorAs(t, err, &de, tc.name)
		assert.Equal(t, eeg.DecodeError{Vendor: "eeg", Path: tc.path, Offset: tc.offset, Msg: tc.msg}, *de, tc.name)
	}
}

// TestDecodeErrorQuotesLittle checks that a message quotes at most about 32
// bytes of the input, however long the offending text.
func TestDecodeErrorQuotesLittle(t *testing.T) {
	long := strings.Repeat("x", 10000)
	for _, in := range []string{
		`{"type":"blink","data":{"blink":{"blink":"` + long + `"}}}`,
		`{"type":"blink","data":{"blink":{"blink":` + long + `}}}`,
		`{"type":"blink","data":{"id":-` + long + `}}`,
		`{"type":"blink","data":{"id":1` + strings.Repeat("0", 10000) + `}}`,
	} {
		_, err := eeg.Decode([]byte(in))
		var de *eeg.DecodeError
		require.ErrorAs(t, err, &de)
		assert.Less(t, len(de.Msg), 100, de.Msg)
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
		if u, ok := ev.(*eeg.Unknown); ok {
			// An Unknown marshals as {"kind", "raw"}; its Raw is the
			// message, which decodes back to it.
			var m struct {
				Kind string
				Raw  json.RawMessage
			}
			require.NoError(t, json.Unmarshal(b, &m), c.Name)
			assert.Equal(t, u.Type, m.Kind, c.Name)
			assert.Equal(t, string(u.Raw), string(m.Raw), c.Name)
			b = u.Raw
		}
		again, err := eeg.Decode(b)
		require.NoError(t, err, c.Name)
		assert.Empty(t, cmp.Diff(ev, again), c.Name)
	}
}

// TestMarshalValueAndPointer checks that json.Marshal gives the same bytes
// for an event and for the pointer to it.
func TestMarshalValueAndPointer(t *testing.T) {
	kinds := map[string]bool{}
	for _, c := range golden.Cases(t, dir) {
		ev, err := eeg.Decode(c.Data)
		if err != nil {
			continue
		}
		var val any
		switch e := ev.(type) {
		case *eeg.Blink:
			val = *e
		case *eeg.Eye:
			val = *e
		case *eeg.Bandpower:
			val = *e
		case *eeg.Artifact:
			val = *e
		case *eeg.Metrics:
			val = *e
		case *eeg.MetricsJSON:
			val = *e
		case *eeg.Unknown:
			val = *e
		}
		ptr, err := json.Marshal(ev)
		require.NoError(t, err, c.Name)
		byVal, err := json.Marshal(val)
		require.NoError(t, err, c.Name)
		assert.Equal(t, string(ptr), string(byVal), c.Name)
		kinds[fmt.Sprintf("%T", ev)] = true
	}
	assert.Len(t, kinds, 7, "every event type is compared")
}

// TestUnknownKeepsNonFinite checks that an unknown type carrying NaN and
// Infinity decodes, with Raw valid JSON holding them as Value writes them.
func TestUnknownKeepsNonFinite(t *testing.T) {
	in := []byte(`{'type': 'focus', 'data': {'focus': nan, 'peak': inf, 'low': -Infinity, 'x': [NaN, -inf]}}`)
	ev, err := eeg.Decode(in)
	require.NoError(t, err)
	u, ok := ev.(*eeg.Unknown)
	require.True(t, ok)
	assert.Equal(t, "focus", u.Type)
	assert.Equal(t, `{"type":"focus","data":{"focus":"NaN","peak":"Infinity","low":"-Infinity","x":["NaN","-Infinity"]}}`, string(u.Raw))
	var v eeg.Value
	require.NoError(t, json.Unmarshal([]byte(`"-Infinity"`), &v))
	b, err := json.Marshal(u)
	require.NoError(t, err)
	assert.Equal(t, `{"kind":"focus","raw":`+string(u.Raw)+`}`, string(b))
	for i := range in {
		in[i] = 'x' // Raw is a copy
	}
	assert.True(t, json.Valid(u.Raw))
	b, err = json.Marshal(eeg.Unknown{Type: "empty"})
	require.NoError(t, err)
	assert.Equal(t, `{"kind":"empty","raw":null}`, string(b))
}

// TestDecodeAllocs holds Decode to its budget: one allocation (the event)
// per bandpower or metrics message.
func TestDecodeAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts")
	}
	for _, kind := range []string{"bandpower", "metrics", "blink"} {
		data := []byte(eegtest.JSON[kind])
		n := testing.AllocsPerRun(100, func() {
			if _, err := eeg.Decode(data); err != nil {
				t.Fatal(err)
			}
		})
		assert.Equal(t, 1.0, n, kind)
	}
}

func TestMissingCommaOnlyAcrossNewline(t *testing.T) {
	ok := "{'type': 'blink',\n'data': {'blink': {'blink': 1}, 'id': 4\n'last_eeg_id': 9}}"
	ev, err := eeg.Decode([]byte(ok))
	require.NoError(t, err)
	assert.Equal(t, int64(9), ev.(*eeg.Blink).LastEEGID)

	_, err = eeg.Decode([]byte(strings.Replace(ok, "4\n", "4 ", 1)))
	var de *eeg.DecodeError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, "", de.Path)
	assert.Equal(t, int64(strings.Index(ok, "'last")), de.Offset)
	assert.Contains(t, de.Msg, "at line 2, column 41")
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
	assert.ErrorIs(t, err, eeg.ErrMalformed)
	assert.EqualError(t, err, `eeg: offset 0: want number or "bad_data", got object`)
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
	err = back.UnmarshalText([]byte("meh"))
	assert.ErrorIs(t, err, eeg.ErrMalformed)
	assert.EqualError(t, err, `eeg: want "good", "bad" or "unknown", got "meh"`)
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
			var de *eeg.DecodeError
			if !errors.As(err, &de) || !errors.Is(err, eeg.ErrMalformed) {
				t.Fatalf("error %T is not a *DecodeError: %v", err, err)
			}
			if de.Offset < -1 || de.Offset > int64(len(data)) {
				t.Fatalf("offset %d outside the input of %d bytes", de.Offset, len(data))
			}
			return
		}
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatalf("marshal %q: %v", data, err)
		}
		if u, ok := ev.(*eeg.Unknown); ok {
			if !json.Valid(b) || !json.Valid(u.Raw) {
				t.Fatalf("unknown of %q marshals to invalid JSON %s", data, b)
			}
			b = u.Raw
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
