package labvanced

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// encodingJSON is what Value.MarshalJSON must equal: encoding/json's
// Encoder without HTML escaping, its newline cut.
func encodingJSON(t *testing.T, x any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(x))
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// TestMarshalValueAsEncodingJSON: MarshalJSON writes what encoding/json
// writes, byte for byte, in one allocation of the exact size, for every
// byte, invalid UTF-8, the line separators, nested trees, the empty and
// nil containers, and every free-form value of the golden inputs.
func TestMarshalValueAsEncodingJSON(t *testing.T) {
	var cases []any
	for c := range 256 {
		cases = append(cases, string([]byte{byte(c)}), "a"+string([]byte{byte(c)})+"<b>&")
	}
	cases = append(cases, "\u2028\u2029", "\xff\xfe", "é\xe9€", "\ufffd", "", "\x7f",
		nil, true, false, json.Number("-1.5e+10"), json.Number(""),
		[]any{}, []any(nil), map[string]any{}, map[string]any(nil),
		map[string]any{"b": []any{"1", json.Number("2"), nil, map[string]any{"\n": "<"}}, "a": true, "": false},
	)
	rng := rand.New(rand.NewPCG(1, 2))
	var tree func(depth int) any
	tree = func(depth int) any {
		switch k := rng.IntN(7); {
		case k == 0 && depth < 5:
			a := make([]any, rng.IntN(4))
			for i := range a {
				a[i] = tree(depth + 1)
			}
			return a
		case k == 1 && depth < 5:
			m := map[string]any{}
			for range rng.IntN(4) {
				m[randString(rng)] = tree(depth + 1)
			}
			return m
		case k == 2:
			return json.Number("12.5")
		case k == 3:
			return rng.IntN(2) == 0
		case k == 4:
			return nil
		}
		return randString(rng)
	}
	for range 500 {
		cases = append(cases, tree(0))
	}
	files, err := filepath.Glob("../testdata/labvanced/*.json.in")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		if x, err := decodeJSON(b); err == nil {
			cases = append(cases, x)
		}
	}
	for _, x := range cases {
		got, err := Value{x}.MarshalJSON()
		require.NoError(t, err)
		want := encodingJSON(t, x)
		require.Equal(t, string(want), string(got), "%#v", x)
		assert.Equal(t, len(got), cap(got), "%#v: sized exactly", x)
	}
	long := Value{strings.Repeat("<", 1<<20)}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b, _ := long.MarshalJSON()
	runtime.ReadMemStats(&after)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(len(b))*11/10, "one allocation, of the answer's size")
}

func randString(rng *rand.Rand) string {
	const alphabet = "ab<>&\"\\/\n\t\x00\x1f\x7fé€\u2028\xff"
	var b strings.Builder
	for range rng.IntN(6) {
		i := rng.IntN(len(alphabet))
		b.WriteByte(alphabet[i])
	}
	return b.String()
}
