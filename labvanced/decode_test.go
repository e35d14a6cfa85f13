package labvanced_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks"
	"github.com/vendorhooks/vendorhooks/internal/golden"
	"github.com/vendorhooks/vendorhooks/labvanced"
	"github.com/vendorhooks/vendorhooks/labvanced/labvancedtest"
)

const goldenDir = "../testdata/labvanced"

// longRoute is the route name that stands, in a golden case's name, for a
// route of 1 MiB, which no file name can hold.
const longRoute = "route-of-1MiB"

// caseRequest derives route and content type from a golden case's name,
// ROUTE[.variant].FORMAT: json, form, raw (no content type) or multipart
// (boundary taken from the body's first line). The route longRoute stands
// for 1 MiB of "r".
func caseRequest(t *testing.T, c golden.Case) (route, contentType string) {
	t.Helper()
	parts := strings.Split(c.Name, ".")
	require.GreaterOrEqual(t, len(parts), 2, "case name %q wants ROUTE[.variant].FORMAT", c.Name)
	route = parts[0]
	if route == longRoute {
		route = strings.Repeat("r", 1<<20)
	}
	switch format := parts[len(parts)-1]; format {
	case "json":
		contentType = "application/json"
	case "form":
		contentType = labvancedtest.FormContentType
	case "raw":
		contentType = ""
	case "multipart":
		first, _, _ := bytes.Cut(c.Data, []byte("\r\n"))
		contentType = "multipart/form-data; boundary=" + strings.TrimPrefix(string(first), "--")
	default:
		t.Fatalf("case %q: unknown format %q", c.Name, format)
	}
	return route, contentType
}

// decoded is what a golden file records: the event's kind and its value.
type decoded struct {
	Kind  string          `json:"kind"`
	Type  string          `json:"type"`
	Event labvanced.Event `json:"event"`
}

// TestGolden decodes every case with DecodeWarnings: a .golden.json holds
// the event and, when there are any, all its warnings (golden.Warned); a
// .err holds a fatal error. Decode must agree: the same event, and an error
// that is nil or a *vendorhooks.Warnings not matching ErrMalformed.
func TestGolden(t *testing.T) {
	golden.Run(t, goldenDir, func(c golden.Case) (any, error) {
		route, ct := caseRequest(t, c)
		ev, ws, err := labvanced.DecodeWarnings(route, ct, c.Data)
		ev2, err2 := labvanced.Decode(route, ct, c.Data)
		if err != nil {
			assert.ErrorIs(t, err, labvanced.ErrMalformed)
			var de *labvanced.DecodeError
			assert.ErrorAs(t, err, &de)
			assert.Nil(t, ev)
			assert.Nil(t, ev2)
			assert.Equal(t, err, err2)
			return nil, err
		}
		assert.Equal(t, ev, ev2)
		checkDecodeErr(t, ws, err2)
		return golden.Warned(decoded{Kind: ev.Kind(), Type: typeName(ev), Event: ev}, ws), nil
	})
}

// checkDecodeErr checks Decode's error beside a deliverable event against
// the warnings DecodeWarnings gave: nil when none or only unknown-member
// ones, else a *vendorhooks.Warnings listing the others, never matching
// ErrMalformed.
func checkDecodeErr(t *testing.T, all []vendorhooks.Warning, err error) {
	t.Helper()
	var want []vendorhooks.Warning
	for _, w := range all {
		if !w.Unknown {
			want = append(want, w)
		}
	}
	if len(want) == 0 {
		assert.NoError(t, err)
		return
	}
	assert.NotErrorIs(t, err, labvanced.ErrMalformed)
	var ws *vendorhooks.Warnings
	if assert.ErrorAs(t, err, &ws) {
		assert.Equal(t, "labvanced", ws.Vendor)
		assert.Equal(t, want, ws.List)
	}
}

func typeName(ev labvanced.Event) string {
	return strings.TrimPrefix(fmt.Sprintf("%T", ev), "*labvanced.")
}

// textTree is a Value as a form body carries it: every scalar as its text,
// null as "".
func textTree(v labvanced.Value) any {
	if a, ok := v.AsArray(); ok {
		out := make([]any, len(a))
		for i, e := range a {
			out[i] = textTree(e)
		}
		return out
	}
	if m, ok := v.AsObject(); ok {
		out := make(map[string]any, len(m))
		for k, e := range m {
			out[k] = textTree(e)
		}
		return out
	}
	if v.IsNull() {
		return ""
	}
	return v.String()
}

// TestFormEqualsJSON checks that each route's JSON golden and the jQuery
// form body of the same payload decode to the same event.
func TestFormEqualsJSON(t *testing.T) {
	for _, route := range bodyRoutes {
		t.Run(route, func(t *testing.T) {
			js, err := os.ReadFile(filepath.Join(goldenDir, route+".json.in"))
			require.NoError(t, err)
			form, err := os.ReadFile(filepath.Join(goldenDir, route+".form.in"))
			require.NoError(t, err)
			a, err := labvanced.Decode(route, "application/json", js)
			require.NoError(t, err)
			b, err := labvanced.Decode("/"+route, labvancedtest.FormContentType, form)
			require.NoError(t, err)
			assert.Equal(t, route, a.Kind())
			if diff := cmp.Diff(a, b, cmp.Transformer("text", textTree)); diff != "" {
				t.Errorf("json and form differ (-json +form):\n%s", diff)
			}
		})
	}
}
