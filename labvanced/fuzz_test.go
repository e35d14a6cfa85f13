package labvanced_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks"
	"github.com/vendorhooks/vendorhooks/internal/golden"
	"github.com/vendorhooks/vendorhooks/labvanced"
	"github.com/vendorhooks/vendorhooks/labvanced/labvancedtest"
)

var fuzzRoutes = append(slices.Clone(bodyRoutes), labvanced.RouteFileUpload, "someFutureRoute")

// fuzzTypes are the content types FuzzDecode tries; multipart's boundary
// is taken from the input's first line.
var fuzzTypes = []string{"application/json", labvancedtest.FormContentType, "", "multipart"}

// FuzzDecode feeds an input to one route with one content type, both
// chosen by the fuzzer (seeded with each golden case's own), so that every
// execution is one decode and the fuzzer explores instead of repeating 44
// decodes per input: Decode must not panic; a refusal is a nil event with
// an error matching ErrMalformed; what it accepts must marshal to valid
// JSON that is valid UTF-8 and decodes to an equal event, and Decode's
// error must then be nil or a *vendorhooks.Warnings that does not match
// ErrMalformed.
func FuzzDecode(f *testing.F) {
	for _, c := range golden.Cases(f, goldenDir) {
		name := strings.Split(c.Name, ".")
		route := slices.Index(fuzzRoutes, name[0])
		if route < 0 {
			continue // the 1 MiB route stands for a name no seed needs
		}
		format := map[string]int{"json": 0, "form": 1, "raw": 2, "multipart": 3}[name[len(name)-1]]
		f.Add(uint8(route), uint8(format), c.Data)
	}
	f.Fuzz(func(t *testing.T, routeIndex, typeIndex uint8, data []byte) {
		route := fuzzRoutes[int(routeIndex)%len(fuzzRoutes)]
		ct := fuzzTypes[int(typeIndex)%len(fuzzTypes)]
		if ct == "multipart" {
			first, _, _ := bytes.Cut(data, []byte("\r\n"))
			ct = "multipart/form-data; boundary=" + strings.TrimPrefix(string(first), "--")
		}
		ev, ws, err := labvanced.DecodeWarnings(route, ct, data)
		if err != nil {
			require.ErrorIs(t, err, labvanced.ErrMalformed)
			require.Nil(t, ev)
			return
		}
		require.NotNil(t, ev)
		if _, derr := labvanced.Decode(route, ct, data); derr != nil {
			require.NotErrorIs(t, derr, labvanced.ErrMalformed)
			var list *vendorhooks.Warnings
			require.ErrorAs(t, derr, &list)
			require.NotEmpty(t, ws)
		}
		for _, w := range ws {
			require.True(t, utf8.ValidString(w.Path) && utf8.ValidString(w.Msg), "warning %q", w)
		}
		require.Equal(t, route, ev.Kind())
		if all, err := json.Marshal(ev); err == nil {
			require.True(t, json.Valid(all) && utf8.Valid(all), "%s %q: %q", route, ct, all)
		}
		if u, ok := ev.(*labvanced.Unknown); ok {
			require.True(t, json.Valid(u.Raw), "%s %q: raw %q", route, ct, u.Raw)
			if len(data) > 0 && len(u.Raw) > 0 {
				require.NotSame(t, &data[0], &u.Raw[0], "raw is a copy")
			}
			b, err := json.Marshal(u)
			require.NoError(t, err)
			var back struct{ Kind, Raw json.RawMessage }
			require.NoError(t, json.Unmarshal(b, &back))
			require.Equal(t, jsonValue(t, u.Raw), jsonValue(t, back.Raw), "raw after a round trip")
			return
		}
		b, err := json.Marshal(ev)
		require.NoError(t, err, "%s %q: marshal %#v", route, ct, ev)
		again, _, err := labvanced.DecodeWarnings(route, "application/json", b)
		require.NoError(t, err, "%s %q: re-decoding %s", route, ct, b)
		if diff := cmp.Diff(ev, again); diff != "" {
			t.Fatalf("%s %q: re-decoded event differs (-first +again):\n%s\njson: %s", route, ct, diff, b)
		}
	})
}

// jsonValue decodes the JSON text b with its numbers as written
// (UseNumber), so that one beyond float64's range, such as 8E345, compares
// too; require.JSONEq cannot decode it.
func jsonValue(t *testing.T, b []byte) any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	require.NoError(t, d.Decode(&v), "%s", b)
	return v
}
