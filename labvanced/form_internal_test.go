package labvanced

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseForm(t *testing.T) {
	for body, want := range map[string]map[string]any{
		// The line of VENDOR-NOTES.md, verbatim.
		"var_data[browserSpec]=Chrome&survey_data[selectedAge]=31&recData[data][rt]=512": {
			"var_data":    map[string]any{"browserSpec": "Chrome"},
			"survey_data": map[string]any{"selectedAge": "31"},
			"recData":     map[string]any{"data": map[string]any{"rt": "512"}},
		},
		"a[b][c]=1":                       {"a": map[string]any{"b": map[string]any{"c": "1"}}},
		"a[]=1&a[]=2":                     {"a": []any{"1", "2"}},
		"a%5B%5D=1&a%5B%5D=2":             {"a": []any{"1", "2"}},
		"a[0][b]=x&a[1][b]=y":             {"a": []any{map[string]any{"b": "x"}, map[string]any{"b": "y"}}},
		"a[0][]=1&a[0][]=2&a[1][]=3":      {"a": []any{[]any{"1", "2"}, []any{"3"}}},
		"a[1]=x&a[0]=y":                   {"a": []any{"y", "x"}},
		"a[0]=x&a[2]=y":                   {"a": map[string]any{"0": "x", "2": "y"}},
		"a[01]=x":                         {"a": map[string]any{"01": "x"}},
		"e=&n&x=a+b%20c&&":                {"e": "", "n": "", "x": "a b c"},
		"k=%C3%A4%F0%9F%8E%A4&bad=%FF%FE": {"k": "ä🎤", "bad": "\uFFFD"},
		"":                                {},
	} {
		got, err := parseForm([]byte(body))
		require.NoError(t, err, body)
		assert.Equal(t, want, got, body)
	}
	for body, msg := range map[string]string{
		"a[b=1":                                `key "a[b": unclosed bracket`,
		"a[b]c=1":                              `key "a[b]c": text after a closing bracket`,
		"[a]=1":                                `key "[a]": empty name`,
		"a=1&a=2":                              `key "a": given twice`,
		"a=1&a[b]=2":                           `key "a[b]": used both as a value and as an object`,
		"a[b]=1&a=2":                           `key "a": used both as a value and as an object`,
		"a[1]=x&a[]=":                          `key "a[]": given twice`,
		"a=%G1":                                `value of "a": bad escape`,
		"a%=1":                                 `key "a%": bad escape`,
		"a" + strings.Repeat("[x]", 40) + "=1": `more than 32 levels`,
	} {
		_, err := parseForm([]byte(body))
		require.Error(t, err, body)
		assert.Contains(t, err.Error(), msg, body)
	}
}
