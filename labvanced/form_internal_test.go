package labvanced

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/internal/tolerant"
)

func TestParseForm(t *testing.T) {
	for body, want := range map[string]map[string]any{
		// The line of VENDOR-NOTES.md, verbatim.
		"var_data[browserSpec]=Chrome&survey_data[selectedAge]=31&recData[data][rt]=512": {
			"var_data":    map[string]any{"browserSpec": "Chrome"},
			"survey_data": map[string]any{"selectedAge": "31"},
			"recData":     map[string]any{"data": map[string]any{"rt": "512"}},
		},
		"a[b][c]=1":                  {"a": map[string]any{"b": map[string]any{"c": "1"}}},
		"a[]=1&a[]=2":                {"a": []any{"1", "2"}},
		"a%5B%5D=1&a%5B%5D=2":        {"a": []any{"1", "2"}},
		"a[0][b]=x&a[1][b]=y":        {"a": []any{map[string]any{"b": "x"}, map[string]any{"b": "y"}}},
		"a[0][]=1&a[0][]=2&a[1][]=3": {"a": []any{[]any{"1", "2"}, []any{"3"}}},
		"a[1]=x&a[0]=y":              {"a": []any{"y", "x"}},
		"a[0]=x&a[2]=y":              {"a": map[string]any{"0": "x", "2": "y"}},
		"a[01]=x":                    {"a": map[string]any{"01": "x"}},
		"e=&n&x=a+b%20c&&":           {"e": "", "n": "", "x": "a b c"},
		"k=%C3%A4%F0%9F%8E%A4":       {"k": "ä🎤"},
		"":                           {},
		"a" + strings.Repeat("[x]", tolerant.MaxDepth-1) + "=1": {"a": nest(tolerant.MaxDepth - 1)},
	} {
		var list tolerant.List
		got, err := parseForm([]byte(body), &list, nil)
		require.Nil(t, err, body)
		assert.Equal(t, want, got, body)
		assert.Empty(t, list, body)
	}
	// Everything else is delivered, with a warning at the pair's offset.
	for body, want := range map[string]struct {
		m    map[string]any
		warn string
	}{
		"a[b=1":           {map[string]any{"a[b": "1"}, "/a[b (0): brackets of the key do not parse: kept as a plain name"},
		"a[b]c=1":         {map[string]any{"a[b]c": "1"}, "/a[b]c (0): brackets of the key do not parse: kept as a plain name"},
		"[a]=1":           {map[string]any{"[a]": "1"}, "/[a] (0): brackets of the key do not parse: kept as a plain name"},
		"a=1&a=2":         {map[string]any{"a": "2"}, "/a (4): " + msgDuplicate},
		"a=1&a[b]=2":      {map[string]any{"a": map[string]any{"b": "2"}}, "/a (4): " + msgDuplicate},
		"a[b]=1&a=2":      {map[string]any{"a": "2"}, "/a (7): " + msgDuplicate},
		"a[1]=x&a[]=y":    {map[string]any{"a": map[string]any{"1": "y"}}, "/a/1 (7): " + msgDuplicate},
		"x=1&a=%G1":       {map[string]any{"x": "1", "a": "%G1"}, "/a (4): bad percent escape: kept as sent"},
		"a%=1":            {map[string]any{"a%": "1"}, "/a% (0): bad percent escape: kept as sent"},
		"bad=caf%E9":      {map[string]any{"bad": "café"}, "/bad (0): " + tolerant.Latin1Msg},
		"caf%E9=1":        {map[string]any{"café": "1"}, "/caf%E9 (0): " + tolerant.Latin1Msg},
		"x=%C3%A9%FF&y=2": {map[string]any{"x": "Ã©ÿ", "y": "2"}, "/x (0): " + tolerant.Latin1Msg},
	} {
		var list tolerant.List
		got, err := parseForm([]byte(body), &list, nil)
		require.Nil(t, err, body)
		assert.Equal(t, want.m, got, body)
		if assert.Len(t, list, 1, body) {
			w := list[0]
			assert.Equal(t, want.warn, w.Path+" ("+itoa(w.Offset)+"): "+w.Msg, body)
		}
	}
	// Nesting deeper than tolerant.MaxDepth is fatal.
	var list tolerant.List
	_, err := parseForm([]byte("x=1&a"+strings.Repeat("[x]", tolerant.MaxDepth)+"=1"), &list, nil)
	require.NotNil(t, err)
	assert.Equal(t, int64(4), err.Offset)
	assert.Contains(t, err.Error(), "nested deeper than 64")
	_, err = parseForm([]byte("a"+strings.Repeat("[x]", 1000)+"=1"), &list, nil)
	require.NotNil(t, err)
}

// nest is {"x": {"x": ... "1"}} with n levels below the top.
func nest(n int) any {
	if n == 1 {
		return map[string]any{"x": "1"}
	}
	return map[string]any{"x": nest(n - 1)}
}

func itoa(n int64) string { return formatInt(n) }
