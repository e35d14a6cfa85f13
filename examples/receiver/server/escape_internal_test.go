package server

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestUnescapeHTML: only the escapes of '<', '>' and '&' are undone, never
// the text of an escaped backslash followed by "u003c", and the result
// decodes to what the input did.
func TestUnescapeHTML(t *testing.T) {
	for in, want := range map[string]string{
		`"\u003cb\u003e\u0026\u003C/b\u003E"`: `"<b>&</b>"`,
		`"\\u003c"`:                           `"\\u003c"`,
		`"\\\u003c"`:                          `"\\<"`,
		`"\u2028\n\"\u0000"`:                  `"\u2028\n\"\u0000"`,
		`{"a":1}`:                             `{"a":1}`,
		`"\u0027\u003"`:                       `"\u0027\u003"`,
	} {
		got := string(unescapeHTML([]byte(in)))
		assert.Equal(t, want, got, in)
		var a, b any
		if json.Unmarshal([]byte(in), &a) == nil {
			require.NoError(t, json.Unmarshal([]byte(got), &b), got)
			assert.Equal(t, a, b, in)
		}
	}
	js, err := marshalJSON(map[string]any{"k": "<&>", "r": json.RawMessage(`"\u003c"`)})
	require.NoError(t, err)
	assert.Equal(t, `{"k":"<&>","r":"<"}`, string(js))
}
