package lit_test

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	// Imported so that `go test ./... -update` finds the flag here too.
	_ "github.com/vendorhooks/vendorhooks/internal/golden"
	"github.com/vendorhooks/vendorhooks/internal/lit"
)

func TestAppendJSON(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"json object", `{"a": 1, "b": [true, false, null]}`, `{"a":1,"b":[true,false,null]}`},
		{"python dict", `{'a': 1, 'b': [True, False, None]}`, `{"a":1,"b":[true,false,null]}`},
		{"js object", `{id: 's1', value: '42'}`, `{"id":"s1","value":"42"}`},
		{"bare keys with digits and $", `{_a1: 1, $b: 2}`, `{"_a1":1,"$b":2}`},
		{"trailing commas", `{'a': [1, 2,], }`, `{"a":[1,2]}`},
		{"empty containers", `{'a': {}, 'b': [], 'c': [ ]}`, `{"a":{},"b":[],"c":[]}`},
		{"missing comma across newline", "{'a': 1\n'b': 2}", `{"a":1,"b":2}`},
		{"missing comma across CRLF", "[1\r\n2]", `[1,2]`},
		{"apostrophe in double quotes", `{"name": "it's"}`, `{"name":"it's"}`},
		{"double quote in single quotes", `{'q': 'say "hi"'}`, `{"q":"say \"hi\""}`},
		{"escaped quotes", `['it\'s', "say \"hi\""]`, `["it's","say \"hi\""]`},
		{"backslash and newline", `['a\\b\nc\td']`, `["a\\b\nc\td"]`},
		{"hex escape is a code point", `['caf\xe9']`, `["café"]`},
		{"unicode escapes", `['\u00e9\U0001F600']`, `["é😀"]`},
		{"surrogate pair", `["\ud83d\ude00"]`, `["😀"]`},
		{"lone surrogate", `["\ud83d!"]`, `["` + "\uFFFD" + `!"]`},
		{"control escapes", `['\x01\0']`, `["\u0001\u0000"]`},
		{"slash escape", `["a\/b"]`, `["a/b"]`},
		{"raw utf8 kept", `{'k': 'naïve – ok'}`, `{"k":"naïve – ok"}`},
		{"numbers verbatim", `[0, -0, 1.5, -2e10, 3E-2, 1e400, 123456789012345678901234567890]`,
			`[0,-0,1.5,-2e10,3E-2,1e400,123456789012345678901234567890]`},
		{"string values kept", `['NaN', 'bad_data']`, `["NaN","bad_data"]`},
		{"scalar", ` 42 `, `42`},
		{"nested", `{a: {b: {c: [[[]]]}}}`, `{"a":{"b":{"c":[[[]]]}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := lit.AppendJSON([]byte("prefix:"), []byte(tt.in))
			require.NoError(t, err)
			assert.Equal(t, "prefix:"+tt.want, string(got))
			assert.True(t, json.Valid(got[len("prefix:"):]), "not valid JSON: %s", got)
		})
	}
}

func TestAppendJSONErrors(t *testing.T) {
	deep := strings.Repeat("[", lit.MaxDepth+1) + strings.Repeat("]", lit.MaxDepth+1)
	tests := []struct {
		name, in, want string
	}{
		{"empty", ``, "line 1, column 1 (offset 0): unexpected end of input, want a value"},
		{"missing comma on one line", `{'a': 1 'b': 2}`, `line 1, column 9 (offset 8): unexpected '\'', want ',' or '}'`},
		{"missing comma in array", `[1 2]`, `line 1, column 4 (offset 3): unexpected '2', want ',' or ']'`},
		{"leading comma", `[,1]`, `line 1, column 2 (offset 1): unexpected ',', want a value`},
		{"double comma", `[1,,2]`, `line 1, column 4 (offset 3): unexpected ',', want a value`},
		{"comma after newline only", "[1,\n,2]", `line 2, column 1 (offset 4): unexpected ',', want a value`},
		{"wrong closer", `{'a': 1]`, `line 1, column 8 (offset 7): unexpected ']', want ',' or '}'`},
		{"unterminated string", `{'a': 'x}`, `line 1, column 7 (offset 6): unterminated string`},
		{"unterminated object", `{'a': 1`, `line 1, column 8 (offset 7): unexpected end of input, want '}'`},
		{"bad escape", `['\q']`, `line 1, column 3 (offset 2): invalid escape "\\q"`},
		{"short hex escape", `['\x4']`, `line 1, column 3 (offset 2): invalid \x escape`},
		{"raw newline in string", "['a\nb']", `line 1, column 4 (offset 3): control character in string`},
		{"invalid utf8", "['a\xffb']", `line 1, column 4 (offset 3): invalid UTF-8 in string`},
		{"invalid utf8 outside string", "[\xff]", `line 1, column 2 (offset 1): unexpected byte 0xff, want a value`},
		{"unknown identifier", `[undefined]`, `line 1, column 2 (offset 1): unexpected identifier "undefined"`},
		{"NaN has no JSON form", `{'v': NaN}`, `line 1, column 7 (offset 6): NaN has no JSON form`},
		{"-Infinity has no JSON form", `[-Infinity]`, `line 1, column 2 (offset 1): -Infinity has no JSON form`},
		{"leading zero", `[01]`, `line 1, column 3 (offset 2): unexpected '1' after number`},
		{"bare dot", `[1.]`, `line 1, column 4 (offset 3): unexpected ']', want a digit after '.'`},
		{"plus sign", `[+1]`, `line 1, column 2 (offset 1): unexpected '+', want a value`},
		{"number key", `{1: 2}`, `line 1, column 2 (offset 1): unexpected '1', want an object key`},
		{"missing colon", `{'a' 1}`, `line 1, column 6 (offset 5): unexpected '1', want ':' after object key`},
		{"trailing text", `{} {}`, `line 1, column 4 (offset 3): unexpected '{' after the value`},
		{"line and column", "{\n  'a': 1,\n  'b': ?\n}", `line 3, column 8 (offset 19): unexpected '?', want a value`},
		{"too deep", deep, "line 1, column 65 (offset 64): nesting deeper than 64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := lit.AppendJSON([]byte("keep"), []byte(tt.in))
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
			assert.Equal(t, "keep", string(got), "dst must come back unchanged")
			var se *lit.SyntaxError
			require.True(t, errors.As(err, &se))
			assert.Equal(t, tt.want, "line "+itoa(se.Line)+", column "+itoa(se.Column)+" (offset "+itoa(se.Offset)+"): "+se.Reason)
		})
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestScannerStringsAliasInput(t *testing.T) {
	src := []byte(`{'plain': 'abc', 'esc': 'a\'b'}`)
	var s lit.Scanner
	s.Reset(src)
	require.NoError(t, s.BeginObject())
	more, err := s.More()
	require.NoError(t, err)
	require.True(t, more)
	key, err := s.Key()
	require.NoError(t, err)
	assert.Equal(t, "plain", string(key))
	v, err := s.ReadString()
	require.NoError(t, err)
	assert.Equal(t, "abc", string(v))
	// A string without escapes is the input itself, not a copy.
	assert.Equal(t, &src[11], &v[0])
	more, err = s.More()
	require.NoError(t, err)
	require.True(t, more)
	_, err = s.Key()
	require.NoError(t, err)
	v, err = s.ReadString()
	require.NoError(t, err)
	assert.Equal(t, "a'b", string(v))
	more, err = s.More()
	require.NoError(t, err)
	assert.False(t, more)
	require.NoError(t, s.End())
}

func TestScannerSkipAndKinds(t *testing.T) {
	var s lit.Scanner
	s.Reset([]byte(`[None, True, -inf, 'x', {a: [1]}, [], nan]`))
	require.NoError(t, s.BeginArray())
	want := []lit.Kind{lit.Null, lit.Bool, lit.Number, lit.String, lit.Object, lit.Array, lit.Number}
	for _, k := range want {
		more, err := s.More()
		require.NoError(t, err)
		require.True(t, more)
		got, err := s.Peek()
		require.NoError(t, err)
		assert.Equal(t, k, got)
		_, err = s.Skip()
		require.NoError(t, err)
	}
	more, err := s.More()
	require.NoError(t, err)
	assert.False(t, more)
	assert.Equal(t, "number", lit.Number.String())
}

func TestParseFloat(t *testing.T) {
	tests := []struct {
		in   string
		want float64
	}{
		{"0", 0}, {"-0", math.Copysign(0, -1)}, {"1214.697467542195", 1214.697467542195},
		{"1633343930.865", 1633343930.865}, {"-2.5e3", -2500}, {"1e22", 1e22}, {"1e23", 1e23},
		{"0.1", 0.1}, {"123456789012345678", 123456789012345678}, {"4.9e-324", 4.9e-324},
		{"Infinity", math.Inf(1)}, {"inf", math.Inf(1)}, {"-Infinity", math.Inf(-1)}, {"-inf", math.Inf(-1)},
	}
	for _, tt := range tests {
		got, err := lit.ParseFloat([]byte(tt.in))
		require.NoError(t, err, tt.in)
		assert.Equal(t, math.Float64bits(tt.want), math.Float64bits(got), tt.in)
	}
	for _, in := range []string{"NaN", "nan"} {
		got, err := lit.ParseFloat([]byte(in))
		require.NoError(t, err)
		assert.True(t, math.IsNaN(got))
	}
	f, err := lit.ParseFloat([]byte("-1e400"))
	assert.True(t, errors.Is(err, lit.ErrRange))
	assert.Equal(t, math.Inf(-1), f)
	_, err = lit.ParseFloat([]byte("x"))
	assert.Error(t, err)
}

func TestParseInt(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "2895": 2895, "-7": -7,
		"9223372036854775807": math.MaxInt64, "-9223372036854775808": math.MinInt64} {
		got, err := lit.ParseInt([]byte(in))
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"9223372036854775808", "-9223372036854775809", "99999999999999999999999"} {
		_, err := lit.ParseInt([]byte(in))
		assert.True(t, errors.Is(err, lit.ErrRange), in)
	}
	for _, in := range []string{"", "-", "1.5", "1e3", "NaN"} {
		_, err := lit.ParseInt([]byte(in))
		assert.Error(t, err, in)
		assert.False(t, errors.Is(err, lit.ErrRange), in)
	}
}

func FuzzAppendJSON(f *testing.F) {
	for _, s := range []string{
		`{'a': 1, "b": [True, None, nan], c: 'it\'s'}`,
		"{'a': 1\n'b': 2,}",
		`["\ud83d\ude00", '\xe9\U0001F600', 1e400, -0.5E-3]`,
		`{id: 's1', value: '42'}`,
		"[[[[[[[[[[]]]]]]]]]]",
		"['\xff']",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		out, err := lit.AppendJSON(nil, src)
		if err != nil {
			var se *lit.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %v is not a *SyntaxError", err)
			}
			if se.Offset < 0 || se.Offset > len(src) {
				t.Fatalf("offset %d outside input of %d bytes", se.Offset, len(src))
			}
			return
		}
		if !json.Valid(out) {
			t.Fatalf("AppendJSON(%q) = %q, not valid JSON", src, out)
		}
		if !utf8.Valid(out) {
			t.Fatalf("AppendJSON(%q) = %q, not valid UTF-8", src, out)
		}
		// Strict JSON is itself tolerant input, and converts to itself.
		again, err := lit.AppendJSON(nil, out)
		if err != nil || string(again) != string(out) {
			t.Fatalf("AppendJSON is not idempotent on %q: %q, %v", out, again, err)
		}
	})
}

// readBoth reads src's first value with ReadFloat and with ReadNumber plus
// ParseFloat.
func readBoth(src []byte) (f1 float64, t1 string, e1 error, f2 float64, t2 string, e2 error) {
	var a, b lit.Scanner
	a.Reset(src)
	b.Reset(src)
	f1, text1, e1 := a.ReadFloat()
	text2, e2 := b.ReadNumber()
	if e2 == nil {
		f2, e2 = lit.ParseFloat(text2)
	}
	if e1 == nil && a.Offset() != b.Offset() {
		e1 = errors.New("offsets differ")
	}
	return f1, string(text1), e1, f2, string(text2), e2
}

func TestReadFloatAgreesWithParseFloat(t *testing.T) {
	for _, in := range []string{"0", "-0", "1.", "1.]", "01", "0.5", " 12.25,", "1214.697467542195}",
		"1e5", "1.5E-3]", "9007199254740993", "123456789012345678901", "0.0000000000000000000000001",
		"-", "-x", "1a", "1.5.", "nan", "-Infinity", "1e999", "5\n"} {
		f1, t1, e1, f2, t2, e2 := readBoth([]byte(in))
		if e2 != nil && !errors.Is(e2, lit.ErrRange) {
			assert.Error(t, e1, in)
			continue
		}
		assert.Equal(t, errors.Is(e2, lit.ErrRange), errors.Is(e1, lit.ErrRange), in)
		if e1 != nil && !errors.Is(e1, lit.ErrRange) {
			t.Fatalf("%s: %v", in, e1)
		}
		assert.Equal(t, t2, t1, in)
		if !(math.IsNaN(f1) && math.IsNaN(f2)) {
			assert.Equal(t, math.Float64bits(f2), math.Float64bits(f1), in)
		}
	}
}

func FuzzReadFloat(f *testing.F) {
	for _, s := range []string{"0", "-12.5", "1214.697467542195", "1e5", "1.", "9007199254740993,"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		f1, t1, e1, f2, t2, e2 := readBoth(src)
		if (e1 == nil) != (e2 == nil) || errors.Is(e1, lit.ErrRange) != errors.Is(e2, lit.ErrRange) {
			t.Fatalf("%q: ReadFloat error %v, ReadNumber+ParseFloat error %v", src, e1, e2)
		}
		if e1 != nil && !errors.Is(e1, lit.ErrRange) {
			return
		}
		if t1 != t2 || (math.Float64bits(f1) != math.Float64bits(f2) && !(math.IsNaN(f1) && math.IsNaN(f2))) {
			t.Fatalf("%q: ReadFloat %v %q, ParseFloat %v %q", src, f1, t1, f2, t2)
		}
	})
}

func TestAppendJSONQuotingNonFinite(t *testing.T) {
	got, err := lit.AppendJSONQuotingNonFinite(nil, []byte(`{'a': [NaN, nan, Infinity, inf, -Infinity, -inf, 1.5, None]}`))
	require.NoError(t, err)
	assert.Equal(t, `{"a":["NaN","NaN","Infinity","Infinity","-Infinity","-Infinity",1.5,null]}`, string(got))
	_, err = lit.AppendJSON(nil, []byte(`[inf]`))
	assert.Error(t, err, "AppendJSON still refuses them")
	got, err = lit.AppendJSONQuotingNonFinite([]byte("keep"), []byte(`[NaN,`))
	assert.Error(t, err)
	assert.Equal(t, "keep", string(got))
}
