package eeg_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks"
	"github.com/vendorhooks/vendorhooks/eeg"
	"github.com/vendorhooks/vendorhooks/eeg/eegtest"
	"github.com/vendorhooks/vendorhooks/internal/golden"
	"github.com/vendorhooks/vendorhooks/internal/lit"
	"github.com/vendorhooks/vendorhooks/internal/tolerant"
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

// TestGolden compares every case with its golden file: the decoded value
// and all its warnings (golden.Warned), or the text of a fatal error.
func TestGolden(t *testing.T) {
	golden.Run(t, dir, func(c golden.Case) (any, error) {
		ev, ws, err := eeg.DecodeWarnings(c.Data)
		if err != nil {
			return nil, err
		}
		return golden.Warned(view(ev), ws), nil
	})
}

// TestGoldenErrorsAreDecodeErrors checks that every .err case fails with
// a *DecodeError that matches ErrMalformed, whose path is empty or the
// type's and whose offset lies in the input, and that every other case is
// deliverable: Decode's error, if any, is a *vendorhooks.Warnings that does
// not match ErrMalformed.
func TestGoldenErrorsAreDecodeErrors(t *testing.T) {
	fatal, warned := 0, 0
	for _, c := range golden.Cases(t, dir) {
		ev, err := eeg.Decode(c.Data)
		var ws *vendorhooks.Warnings
		if errors.As(err, &ws) {
			warned++
			assert.NotNil(t, ev, c.Name)
			assert.NotErrorIs(t, err, eeg.ErrMalformed, c.Name)
			assert.Equal(t, "eeg", ws.Vendor, c.Name)
			assert.NotEmpty(t, ws.List, c.Name)
			continue
		}
		if err == nil {
			assert.NotNil(t, ev, c.Name)
			continue
		}
		fatal++
		assert.Nil(t, ev, c.Name)
		assert.ErrorIs(t, err, eeg.ErrMalformed, c.Name)
		var de *eeg.DecodeError
		if !assert.ErrorAs(t, err, &de, c.Name) {
			continue
		}
		assert.Equal(t, "eeg", de.Vendor, c.Name)
		assert.Contains(t, []string{"", "/type"}, de.Path, c.Name)
		assert.GreaterOrEqual(t, de.Offset, int64(-1), c.Name)
		assert.LessOrEqual(t, de.Offset, int64(len(c.Data)), c.Name)
		if de.Path == "" {
			// Syntax errors, and a body that is not an object: the offset
			// is always known.
			assert.GreaterOrEqual(t, de.Offset, int64(0), c.Name)
		}
		assert.LessOrEqual(t, len(de.Msg), 120, "%s: message %q", c.Name, de.Msg)
	}
	assert.Greater(t, fatal, 10)
	assert.Greater(t, warned, 10)
}

// bpWith is a bandpower message whose ch2 alpha is v.
func bpWith(v string) string {
	return `{"type":"bandpower","data":{"bandpower":{"ch1":{"alpha":1,"beta":1,"theta":1,"delta":1},` +
		`"ch2":{"alpha":` + v + `,"beta":1,"theta":1,"delta":1},` +
		`"ch3":{"alpha":1,"beta":1,"theta":1,"delta":1},"ch4":{"alpha":1,"beta":1,"theta":1,"delta":1}}}}`
}

// TestDecodeWarnings checks, for each rule of the tolerant reader, the
// warning's Path (an RFC 6901 pointer), Offset and Msg, that the event is
// delivered, and what Decode's error is: a *vendorhooks.Warnings that does
// not match ErrMalformed and lists no unknown member.
func TestDecodeWarnings(t *testing.T) {
	art := `{"type":"artifact-detect","data":{"artifact_detect":{"ch1":1,"ch2":1,"ch3":1,"ch4":1}},"action":{"value":[1,1,1,7]}}`
	mj := strings.Replace(eegtest.JSON["metricsJson"], `"channel3": "artifact"`, `"channel3": 3`, 1)
	latin := "{'type': 'blink', 'data': {'blink': {'blink': 1}, 'note': 'caf\xe9'}}"
	for _, tc := range []struct {
		name, in string
		want     vendorhooks.Warning
	}{
		{"band value of the wrong type", bpWith("{}"),
			vendorhooks.Warning{Path: "/data/bandpower/ch2/alpha", Offset: int64(strings.Index(bpWith("{}"), "{}")), Msg: `want number or "bad_data", got object; left at zero`}},
		{"array index", art,
			vendorhooks.Warning{Path: "/action/value/3", Offset: -1, Msg: `want 0, 1 or "bad_data", got number 7; left at zero`}},
		{"missing field", `{"type":"blink","data":{}}`,
			vendorhooks.Warning{Path: "/data/blink", Offset: -1, Msg: "missing, want object"}},
		{"metricsJson channel", mj,
			vendorhooks.Warning{Path: "/action/value/artifact_detect/channel3", Offset: int64(strings.Index(mj, `"channel3": 3`) + len(`"channel3": `)), Msg: "want string, got number; left at zero"}},
		{"out-of-range timestamp", `{"type":"blink","data":{"blink":{"blink":1},"unix_ts":1e300}}`,
			vendorhooks.Warning{Path: "/data/unix_ts", Offset: 54, Msg: `want Unix seconds, got number "1e300"; left at zero`}},
		{"duplicate key", `{"type":"blink","data":{"blink":{"blink":1},"id":1,"id":2}}`,
			vendorhooks.Warning{Path: "/data/id", Offset: 56, Msg: "duplicate key: the last value wins"}},
		{"not UTF-8", latin,
			vendorhooks.Warning{Path: "/data/note", Offset: int64(strings.Index(latin, "'caf")), Msg: tolerant.Latin1Msg}},
	} {
		ev, ws, err := eeg.DecodeWarnings([]byte(tc.in))
		require.NoError(t, err, tc.name)
		require.NotNil(t, ev, tc.name)
		assert.Contains(t, ws, tc.want, tc.name)

		ev2, err := eeg.Decode([]byte(tc.in))
		assert.Equal(t, ev, ev2, tc.name)
		assert.NotErrorIs(t, err, eeg.ErrMalformed, tc.name)
		var w *vendorhooks.Warnings
		require.ErrorAs(t, err, &w, tc.name)
		assert.Equal(t, "eeg", w.Vendor)
		assert.Contains(t, w.List, tc.want, tc.name)
		for _, x := range w.List {
			assert.False(t, x.Unknown, "%s: Decode's error lists no unknown member", tc.name)
		}
	}
}

// TestDecodeWarningsValues checks what a tolerated message holds: the field
// in question at zero, the last value of a duplicate, the Latin-1 reading.
func TestDecodeWarningsValues(t *testing.T) {
	ev, _, err := eeg.DecodeWarnings([]byte(bpWith(`"high"`)))
	require.NoError(t, err)
	bp := ev.(*eeg.Bandpower)
	assert.Equal(t, eeg.Value{}, bp.Power.AF7.Alpha)
	assert.Equal(t, eeg.Number(1), bp.Power.AF7.Beta)

	ev, _, err = eeg.DecodeWarnings([]byte(`{"type":"blink","data":{"blink":{"blink":1},"id":1,"id":2,"blink":{"blink":0}},"action":{"value":3,"time":1},"action":{"value":4}}`))
	require.NoError(t, err)
	b := ev.(*eeg.Blink)
	assert.Equal(t, int64(2), b.ID)
	assert.Equal(t, eeg.Number(0), b.Blink)
	assert.Equal(t, eeg.Number(4), b.Action)
	assert.Equal(t, eeg.LSLSeconds(0), b.ActionTime, "the last action wins whole")

	ev, _, err = eeg.DecodeWarnings([]byte(`{"type":"bandpower","data":{"bandpower":{"ch1":{"alpha":1,"beta":1,"theta":1,"delta":1},"ch1":{"alpha":2}}}}`))
	require.NoError(t, err)
	assert.Equal(t, eeg.Bands{Alpha: eeg.Number(2)}, ev.(*eeg.Bandpower).Power.TP9, "the last channel wins whole")

	ev, ws, err := eeg.DecodeWarnings([]byte("{'type': 'metricsJson', 'data': {'metrics': {'artifact_detect': {'channel1': 'art\xe9fact'}}}}"))
	require.NoError(t, err)
	assert.Equal(t, "artéfact", ev.(*eeg.MetricsJSON).Metrics.Artifact.TP9)
	assert.Equal(t, "/data/metrics/artifact_detect/channel1", ws[0].Path)
}

// TestDecodeUnknownField checks that a member no field holds is a warning
// with Unknown set, listed by DecodeWarnings at its path, and no error of
// Decode: a vendor adding a field must not make users' code fail.
func TestDecodeUnknownField(t *testing.T) {
	in := strings.Replace(eegtest.JSON["bandpower"], `"ch2": {`, `"ch2": {"gamma": 0.5, `, 1)
	in = strings.Replace(in, `"type": "bandpower"`, `"type": "bandpower", "device": {"name": "Muse S"}`, 1)
	ev, err := eeg.Decode([]byte(in))
	require.NoError(t, err)
	want, err := eeg.Decode([]byte(eegtest.JSON["bandpower"]))
	require.NoError(t, err)
	assert.Equal(t, want, ev, "unknown members change nothing else")

	_, ws, err := eeg.DecodeWarnings([]byte(in))
	require.NoError(t, err)
	assert.Equal(t, []vendorhooks.Warning{
		{Path: "/data/bandpower/ch2/gamma", Offset: int64(strings.Index(in, "0.5")), Msg: "unknown field, not kept: Delivery.Body has it", Unknown: true},
		{Path: "/device", Offset: int64(strings.Index(in, `{"name"`)), Msg: "unknown field, not kept: Delivery.Body has it", Unknown: true},
	}, ws)

	// An unknown message type has no unknown members: Raw keeps them all.
	_, ws, err = eeg.DecodeWarnings([]byte(`{"type":"focus","data":{"bandpower":7,"x":1}}`))
	require.NoError(t, err)
	assert.Nil(t, ws)
}

// TestDecodeFatal checks the only refusals: text that is not a literal
// object, and a type that is missing, not a string, too long or given
// twice. Each is a *DecodeError matching ErrMalformed, with a nil Event.
func TestDecodeFatal(t *testing.T) {
	for _, tc := range []struct {
		name, in, path, msg string
		offset              int64
	}{
		{"missing type", `{"data":{}}`, "/type", "missing, want string", -1},
		{"type of wrong kind", `{"type":7}`, "/type", "want string, got number", 8},
		{"type given twice", `{"type":"blink","type":"blink"}`, "/type", "type given twice", 23},
		{"type given twice, once bad", `{"type":"blink","data":{},"type":7}`, "/type", "type given twice", 33},
		{"type too long", `{"type":"` + strings.Repeat("é", 33) + `"}`, "/type", `type longer than 64 bytes: "éééééééééééééééé"...`, 8},
		{"not an object", ` [1]`, "", "want object, got array", 1},
		{"syntax", "{'type': 'blink' 'data': {}}", "", `unexpected '\'', want ',' or '}' at line 1, column 18`, 17},
		{"syntax on line 2", "{'type': 'blink',\n 'data' {}}", "", `unexpected '{', want ':' after object key at line 2, column 9`, 26},
		{"syntax after Latin-1", "{'note': '\xe9\xe9\xe9',\n 'type' 'x'}", "", `unexpected '\'', want ':' after object key at line 2, column 9`, 24},
		{"too deep", `{"type":"x","data":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`, "", "nesting deeper than 64 at line 1, column 83", 82},
	} {
		ev, err := eeg.Decode([]byte(tc.in))
		assert.Nil(t, ev, tc.name)
		require.ErrorIs(t, err, eeg.ErrMalformed, tc.name)
		var de *eeg.DecodeError
		require.ErrorAs(t, err, &de, tc.name)
		assert.Equal(t, eeg.DecodeError{Vendor: "eeg", Path: tc.path, Offset: tc.offset, Msg: tc.msg}, *de, tc.name)
		ev, ws, err2 := eeg.DecodeWarnings([]byte(tc.in))
		assert.Nil(t, ev, tc.name)
		assert.Nil(t, ws, tc.name)
		assert.Equal(t, err, err2, tc.name)
	}
}

// TestKindOf1MB checks that an attacker-chosen type of 1 MB is refused
// with a message that quotes about 32 bytes of it, known type or not.
func TestKindOf1MB(t *testing.T) {
	kind := strings.Repeat("k", 1<<20)
	for _, in := range []string{`{"type":"` + kind + `","data":{}}`, `{"data":{"blink":{"blink":1}},"type":'` + kind + `'}`} {
		ev, err := eeg.Decode([]byte(in))
		assert.Nil(t, ev)
		var de *eeg.DecodeError
		require.ErrorAs(t, err, &de)
		assert.Equal(t, "/type", de.Path)
		assert.Less(t, len(de.Error()), 120, de.Error())
	}
	ev, err := eeg.Decode([]byte(`{"type":"` + strings.Repeat("k", 64) + `"}`))
	require.NoError(t, err)
	assert.Len(t, ev.Kind(), 64, "64 bytes is still a kind")
}

// TestLatin1ReasonIsLits checks that eeg's copy of internal/lit's reason
// for a string that is not UTF-8 is lit's, so that such a body is read
// again as Latin-1 rather than refused.
func TestLatin1ReasonIsLits(t *testing.T) {
	var s lit.Scanner
	s.Reset([]byte("'caf\xe9'"))
	_, err := s.ReadString()
	var se *lit.SyntaxError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "invalid UTF-8 in string", se.Reason)
}

// TestLatin1 checks text that is not UTF-8: keys, values, escaped strings
// and the type are read as Latin-1 with a warning each at its path and at
// the offset of its opening quote in the body as sent; valid UTF-8 next to
// them stays as it is; every string of the event is valid UTF-8.
func TestLatin1(t *testing.T) {
	in := "{\"type\": \"h\xe9\", \"data\": {\"k\xb0\": ['ok \xc3\xa9', 'a\\'\xe9\\n', 2], \"t\": \"\xff\"}}"
	ev, ws, err := eeg.DecodeWarnings([]byte(in))
	require.NoError(t, err)
	u := ev.(*eeg.Unknown)
	assert.Equal(t, "hé", u.Type)
	assert.Equal(t, `{"type":"hé","data":{"k°":["ok é","a'é\n",2],"t":"ÿ"}}`, string(u.Raw))
	var got []string
	for _, w := range ws {
		assert.Equal(t, tolerant.Latin1Msg, w.Msg)
		assert.Contains(t, `"'`, string(in[w.Offset]), "offset of a quote")
		got = append(got, w.Path)
	}
	assert.Equal(t, []string{"/type", "/data/k°", "/data/k°/1", "/data/t"}, got)
}

// TestDecodeErrorQuotesLittle checks that a warning or an error quotes at
// most about 32 bytes of the input, however long the offending text.
func TestDecodeErrorQuotesLittle(t *testing.T) {
	long := strings.Repeat("x", 10000)
	for _, in := range []string{
		`{"type":"blink","data":{"blink":{"blink":"` + long + `"}}}`,
		`{"type":"blink","data":{"blink":{"blink":` + long + `}}}`,
		`{"type":"blink","data":{"id":-` + long + `}}`,
		`{"type":"blink","data":{"id":1` + strings.Repeat("0", 10000) + `}}`,
		`{"type":"` + long + `"}`,
	} {
		_, err := eeg.Decode([]byte(in))
		require.Error(t, err)
		assert.Less(t, len(err.Error()), 120, err.Error())
	}
}

// TestWarningsBounded checks that a message of very many unknown members
// costs a bounded list of warnings, the last saying so.
func TestWarningsBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"type":"blink","data":{"blink":{"blink":1}`)
	for i := range 5000 {
		fmt.Fprintf(&b, `,"f%d":%d`, i, i)
	}
	b.WriteString(`}}`)
	ev, ws, err := eeg.DecodeWarnings([]byte(b.String()))
	require.NoError(t, err)
	assert.NotNil(t, ev)
	require.Len(t, ws, tolerant.MaxWarnings+1)
	for i, w := range ws[:tolerant.MaxWarnings] {
		require.Equal(t, "/data/f"+strconv.Itoa(i), w.Path, "the first in body order")
	}
	assert.Equal(t, vendorhooks.Warning{Offset: -1, Msg: "4900 more warnings for unknown members, not listed", Unknown: true}, ws[100],
		"tolerant's rule: it stands for unknown members only")
	_, err = eeg.Decode([]byte(b.String()))
	assert.NoError(t, err, "unknown members, however many, are no error")

	// A bad value among the warnings not listed still makes Decode's error.
	bad := strings.Replace(b.String(), `"f4999":4999`, `"id":"x"`, 1)
	_, err = eeg.Decode([]byte(bad))
	var w *vendorhooks.Warnings
	require.ErrorAs(t, err, &w)
	assert.Equal(t, []vendorhooks.Warning{{Offset: -1, Msg: "1 more warning, not listed"}}, w.List)
}

// TestReplacedFieldStillDelivers is the tolerant-reader property on this
// package's own goldens: in every strict-JSON golden, replacing any one
// value but the type with a value of another type still delivers (a
// non-nil event, no ErrMalformed), and replacing the type is refused.
func TestReplacedFieldStillDelivers(t *testing.T) {
	n := 0
	for _, c := range golden.Cases(t, dir) {
		var doc map[string]any
		if _, err := eeg.Decode(c.Data); errors.Is(err, eeg.ErrMalformed) || json.Unmarshal(c.Data, &doc) != nil {
			continue // refused; Python text, NaN
		}
		try := func(path string) {
			b, err := json.Marshal(doc)
			require.NoError(t, err)
			ev, err := eeg.Decode(b)
			if path == "/type" {
				assert.ErrorIs(t, err, eeg.ErrMalformed, "%s %s", c.Name, path)
				return
			}
			assert.NotErrorIs(t, err, eeg.ErrMalformed, "%s %s", c.Name, path)
			assert.NotNil(t, ev, "%s %s", c.Name, path)
			n++
		}
		var walk func(v any, set func(any), path string)
		walk = func(v any, set func(any), path string) {
			if set != nil {
				other := any("a string where another type was")
				if _, ok := v.(string); ok {
					other = 12345
				}
				set(other)
				try(path)
				set(v)
			}
			switch v := v.(type) {
			case map[string]any:
				for k, child := range v {
					walk(child, func(x any) { v[k] = x }, path+"/"+k)
				}
			case []any:
				for i, child := range v {
					walk(child, func(x any) { v[i] = x }, fmt.Sprintf("%s/%d", path, i))
				}
			}
		}
		walk(doc, nil, "")
	}
	assert.Greater(t, n, 500)
}

// TestPythonAndJSONFormsDecodeEqual decodes every spec example (Python
// literal text) beside the strict JSON Python's json module wrote for it,
// and every accepted golden input beside its strict JSON conversion.
func TestPythonAndJSONFormsDecodeEqual(t *testing.T) {
	pairs := 0
	for _, c := range golden.Cases(t, dir) {
		py, _, err := eeg.DecodeWarnings(c.Data)
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
			// NaN and Infinity have no strict JSON form; the Latin-1
			// reading is Decode's, not AppendJSON's.
			if !strings.Contains(err.Error(), "invalid UTF-8") {
				assert.Contains(t, err.Error(), "has no JSON form", c.Name)
			}
			continue
		}
		require.True(t, json.Valid(strict), c.Name)
		fromStrict, _, err := eeg.DecodeWarnings(strict)
		require.NoError(t, err, c.Name)
		assert.Empty(t, cmp.Diff(py, fromStrict), c.Name)
	}
	assert.Equal(t, 6, pairs, "every spec example has a JSON twin")
}

// TestRoundTrip checks that json.Marshal of every delivered golden event,
// those with warnings included, is strict JSON, valid UTF-8, that decodes
// to an equal event without a warning.
func TestRoundTrip(t *testing.T) {
	for _, c := range golden.Cases(t, dir) {
		ev, _, err := eeg.DecodeWarnings(c.Data)
		if err != nil {
			continue
		}
		b, err := json.Marshal(ev)
		require.NoError(t, err, c.Name)
		require.True(t, json.Valid(b), c.Name)
		require.True(t, utf8.Valid(b), c.Name)
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
		again, ws, err := eeg.DecodeWarnings(b)
		require.NoError(t, err, c.Name)
		assert.Empty(t, ws, c.Name)
		assert.Empty(t, cmp.Diff(ev, again), c.Name)
	}
}

// TestMarshalValueAndPointer checks that json.Marshal gives the same bytes
// for an event and for the pointer to it.
func TestMarshalValueAndPointer(t *testing.T) {
	kinds := map[string]bool{}
	for _, c := range golden.Cases(t, dir) {
		ev, _, err := eeg.DecodeWarnings(c.Data)
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

// TestDecodeAllocs holds Decode and DecodeWarnings to their budget: one
// allocation (the event) per bandpower or metrics message without warnings.
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
		n = testing.AllocsPerRun(100, func() {
			if _, ws, err := eeg.DecodeWarnings(data); err != nil || ws != nil {
				t.Fatal(err, ws)
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
		ev, ws, err := eeg.DecodeWarnings(data)
		if err != nil {
			var de *eeg.DecodeError
			if !errors.As(err, &de) || !errors.Is(err, eeg.ErrMalformed) {
				t.Fatalf("error %T is not a *DecodeError: %v", err, err)
			}
			if ev != nil || ws != nil {
				t.Fatalf("a refusal with an event or warnings: %v %v", ev, ws)
			}
			if de.Offset < -1 || de.Offset > int64(len(data)) {
				t.Fatalf("offset %d outside the input of %d bytes", de.Offset, len(data))
			}
			return
		}
		if ev == nil {
			t.Fatalf("nil event without an error for %q", data)
		}
		for _, w := range ws {
			if w.Offset < -1 || w.Offset > int64(len(data)) || !utf8.ValidString(w.Path) || !utf8.ValidString(w.Msg) {
				t.Fatalf("warning %+v: offset outside %d bytes, or not UTF-8", w, len(data))
			}
		}
		// Decode agrees, and its error never means "refuse".
		if ev2, err := eeg.Decode(data); errors.Is(err, eeg.ErrMalformed) || cmp.Diff(ev, ev2) != "" {
			t.Fatalf("Decode disagrees with DecodeWarnings on %q: %v", data, err)
		}
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatalf("marshal %q: %v", data, err)
		}
		if !json.Valid(b) || !utf8.Valid(b) {
			t.Fatalf("event of %q marshals to invalid JSON or UTF-8 %q", data, b)
		}
		if u, ok := ev.(*eeg.Unknown); ok {
			if !json.Valid(u.Raw) || !utf8.ValidString(u.Type) {
				t.Fatalf("unknown of %q has invalid JSON or UTF-8 %q", data, b)
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
		want, _, err := eeg.DecodeWarnings(c.Data)
		if err != nil {
			continue
		}
		data := []byte(string(c.Data))
		got, _, err := eeg.DecodeWarnings(data)
		require.NoError(t, err, c.Name)
		for i := range data {
			data[i] = 'x'
		}
		assert.Empty(t, cmp.Diff(want, got), c.Name)
		n++
	}
	assert.Greater(t, n, 20)
}
