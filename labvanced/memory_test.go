package labvanced_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks"
	"github.com/vendorhooks/vendorhooks/internal/hostile"
	"github.com/vendorhooks/vendorhooks/internal/tolerant"
	"github.com/vendorhooks/vendorhooks/labvanced"
	"github.com/vendorhooks/vendorhooks/labvanced/labvancedtest"
)

// hostileSize is the size of the hostile bodies below: under
// DefaultMaxBodyBytes (32 MiB), so the handler reads them whole.
const hostileSize = 30 << 20

const formType = "application/x-www-form-urlencoded"

// hostileBodies are bodies an attacker can send without credentials,
// shaped as those whose cost once multiplied: 30 MiB of '<' (one form key,
// or a JSON syntax error), one long form key or value, one long JSON
// string, Latin-1 text (which doubles in UTF-8), an object of 300,000 tiny
// unknown members, as JSON and as 3 MiB of form pairs, and 3 MiB of arrays
// nested 63 deep. The last three cost what their tree of Go maps and
// slices costs, about 400 bytes a member and 40 bytes a "[]" (measured:
// 31x, 35x and 22x the body), which no bound on warnings or paths removes;
// they are here so that it does not grow.
func hostileBodies() []hostile.Case {
	lt := bytes.Repeat([]byte{'<'}, hostileSize)
	var members bytes.Buffer
	members.WriteByte('{')
	for i := range 300_000 {
		if i > 0 {
			members.WriteByte(',')
		}
		members.WriteString(`"a` + strconv.Itoa(i) + `":1`)
	}
	members.WriteByte('}')
	var pairs bytes.Buffer
	for i := 0; pairs.Len() < hostileSize/10; i++ {
		pairs.WriteString("a" + strconv.Itoa(i) + "=1&")
	}
	var deep bytes.Buffer
	deep.WriteString(`{"x":[`)
	for deep.Len() < hostileSize/10 {
		deep.WriteString(hostile.Nested(tolerant.MaxDepth-2) + ",")
	}
	deep.WriteString("0]}")
	return []hostile.Case{
		{Name: "lt.form", ContentType: formType, Body: lt, Decode: 1.5, Serve: 3.5},
		{Name: "lt.json", ContentType: "application/json", Body: lt, Decode: 0.1, Serve: 2.5},
		{Name: "lt.none", ContentType: "", Body: lt, Decode: 1.5, Serve: 3.5},
		{Name: "key.form", ContentType: formType, Body: append(bytes.Repeat([]byte{'k'}, hostileSize), "=1"...), Decode: 1.5, Serve: 3.5},
		{Name: "brackets.form", ContentType: formType, Body: append([]byte("a["), bytes.Repeat([]byte{'k'}, hostileSize)...), Decode: 1.5, Serve: 3.5},
		{Name: "percent.form", ContentType: formType, Body: bytes.Repeat([]byte{'%'}, hostileSize), Decode: 2.5, Serve: 4.5},
		{Name: "latin1.form", ContentType: formType, Body: bytes.Repeat([]byte{0xe9}, hostileSize), Decode: 3.5, Serve: 5.5},
		{Name: "value.form", ContentType: formType, Body: append([]byte("k="), bytes.Repeat([]byte{'v'}, hostileSize)...), Decode: 1.5, Serve: 3.5},
		{Name: "string.json", ContentType: "application/json", Body: []byte(`{"x":"` + strings.Repeat("<", hostileSize) + `"}`), Decode: 1.5, Serve: 3.5},
		{Name: "key.json", ContentType: "application/json", Body: []byte(`{"` + strings.Repeat("<", hostileSize) + `":1}`), Decode: 1.5, Serve: 3.5},
		{Name: "latin1.json", ContentType: "application/json", Body: []byte(`{"x":"` + strings.Repeat("\xe9", hostileSize) + `"}`), Decode: 3.5, Serve: 5.5},
		{Name: "members.json", ContentType: "application/json", Body: members.Bytes(), Decode: 40, Serve: 42},
		{Name: "members.form", ContentType: formType, Body: pairs.Bytes(), Decode: 40, Serve: 42},
		{Name: "deep.json", ContentType: "application/json", Body: deep.Bytes(), Decode: 25, Serve: 27},
	}
}

// TestHostileBodyCost: a hostile body costs a small multiple of its size,
// never one per warning or per copy of a path. Decode once cost 13x the
// body for 30 MiB of '<' as a form (its 30 MiB key was built into a path
// four times, each by append's growth) and the handler 19x; a million
// unknown members 58x (a warning each), now 31x; 3 MiB of form pairs 78x,
// now 35x. Some of these bodies are refused (lt.json answers 400), so only
// the bounds are checked.
func TestHostileBodyCost(t *testing.T) {
	hostile.Run(t, hostile.Target{
		MaxBody: labvanced.DefaultMaxBodyBytes,
		Decode: func(c hostile.Case) ([]vendorhooks.Warning, error) {
			_, ws, err := labvanced.DecodeWarnings(labvanced.RouteRecordTrial, c.ContentType, c.Body)
			return ws, err
		},
		Handler: labvanced.NewHandler(func(context.Context, labvanced.Event) error { return nil }),
		Request: func(c hostile.Case) *http.Request {
			r := labvancedtest.NewRequest("/"+labvanced.RouteRecordTrial, c.Body)
			r.Header.Set("Content-Type", c.ContentType)
			return r
		},
	}, hostileBodies())
}

// TestHostileWarningsAreBounded: however many warnings a body earns, a
// decode keeps the first tolerant.MaxWarnings (100) in body order and
// counts the rest, and no warning's path is longer than 256 bytes and a
// marker.
func TestHostileWarningsAreBounded(t *testing.T) {
	var b strings.Builder
	for i := range 5000 {
		b.WriteString("u" + strconv.Itoa(i) + "=1&")
	}
	b.WriteString(strings.Repeat("k", 1<<20) + "=1")
	_, ws, err := labvanced.DecodeWarnings(labvanced.RouteRecordTrial, formType, []byte(b.String()))
	require.NoError(t, err)
	require.Len(t, ws, tolerant.MaxWarnings+2)
	// Offset -1 first: the recordTrial fields that are missing; then the u
	// members in body order; the long key, not kept, comes last in body
	// order and is counted in the second entry.
	n := 0
	for _, w := range ws[:tolerant.MaxWarnings] {
		if strings.HasPrefix(w.Path, "/u") {
			assert.Equal(t, "/u"+strconv.Itoa(n), w.Path)
			n++
		} else {
			assert.Equal(t, int64(-1), w.Offset, w.Path)
		}
	}
	assert.Equal(t, vendorhooks.Warning{Offset: -1, Msg: strconv.Itoa(5000-n) + " more warnings for unknown members, not listed", Unknown: true}, ws[tolerant.MaxWarnings])
	assert.Equal(t, vendorhooks.Warning{Offset: -1, Msg: "1 more warning, not listed"}, ws[tolerant.MaxWarnings+1])
	_, ws, err = labvanced.DecodeWarnings(labvanced.RouteRecordTrial, formType, []byte(strings.Repeat("é", 1<<20)+"=1"))
	require.NoError(t, err)
	require.NotEmpty(t, ws)
	for _, w := range ws {
		assert.LessOrEqual(t, len(w.Path), 256+len("..."), "%.40s", w.Path)
	}
}

// BenchmarkDecode decodes the player's recordTrial body, as a form (what
// the player sends) and as JSON.
func BenchmarkDecode(b *testing.B) {
	payload := labvancedtest.Payload(labvanced.RouteRecordTrial)
	for _, c := range []struct {
		name, contentType string
		body              []byte
	}{
		{"form", labvancedtest.FormContentType, []byte(labvancedtest.Param(payload))},
		{"json", "application/json", jsonBody(b, payload)},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.body)))
			for b.Loop() {
				if _, _, err := labvanced.DecodeWarnings(labvanced.RouteRecordTrial, c.contentType, c.body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkHandlerForm serves the player's recordTrial form in process.
func BenchmarkHandlerForm(b *testing.B) {
	h := labvanced.NewHandler(func(context.Context, labvanced.Event) error { return nil })
	body := []byte(labvancedtest.Param(labvancedtest.Payload(labvanced.RouteRecordTrial)))
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, labvancedtest.NewRequest("/"+labvanced.RouteRecordTrial, body))
		if w.Code != http.StatusOK {
			b.Fatal(w.Code, w.Body.String())
		}
	}
}

func jsonBody(b *testing.B, v any) []byte {
	out, err := json.Marshal(v)
	if err != nil {
		b.Fatal(err)
	}
	return out
}
