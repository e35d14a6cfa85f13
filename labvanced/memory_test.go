package labvanced_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks"
	"github.com/vendorhooks/vendorhooks/internal/tolerant"
	"github.com/vendorhooks/vendorhooks/labvanced"
	"github.com/vendorhooks/vendorhooks/labvanced/labvancedtest"
)

// allocated returns the bytes the heap allocated while f ran, from
// runtime/metrics: a count of what f asked for, not a timing, so the same
// code gives the same figure on any machine.
func allocated(f func()) uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	runtime.GC()
	metrics.Read(s)
	before := s[0].Value.Uint64()
	f()
	metrics.Read(s)
	return s[0].Value.Uint64() - before
}

// hostileSize is the size of the hostile bodies below: under
// DefaultMaxBodyBytes (32 MiB), so the handler reads them whole.
const hostileSize = 30 << 20

const formType = "application/x-www-form-urlencoded"

// hostile is a body an attacker can send without credentials, with the
// most it may cost to decode (times its size, allocated) and to serve (the
// handler's read of the body, about 2x, included).
type hostile struct {
	name, contentType string
	body              []byte
	decode, serve     float64
}

// hostileBodies are the shapes whose cost once multiplied: 30 MiB of '<'
// (one form key, or a JSON syntax error), one long form key or value, one
// long JSON string, Latin-1 text (which doubles in UTF-8), an object of
// 300,000 tiny unknown members, as JSON and as 3 MiB of form pairs, and
// 3 MiB of arrays nested 63 deep. The last three cost what their tree of Go
// maps and slices costs, about 400 bytes a member and 40 bytes a "[]"
// (measured: 31x, 35x and 22x the body), which no bound on warnings or
// paths removes; they are here so that it does not grow.
func hostileBodies() []hostile {
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
		deep.WriteString(strings.Repeat("[", tolerant.MaxDepth-2) + "0" + strings.Repeat("]", tolerant.MaxDepth-2) + ",")
	}
	deep.WriteString("0]}")
	return []hostile{
		{"lt.form", formType, lt, 1.5, 3.5},
		{"lt.json", "application/json", lt, 0.1, 2.5},
		{"lt.none", "", lt, 1.5, 3.5},
		{"key.form", formType, append(bytes.Repeat([]byte{'k'}, hostileSize), "=1"...), 1.5, 3.5},
		{"brackets.form", formType, append([]byte("a["), bytes.Repeat([]byte{'k'}, hostileSize)...), 1.5, 3.5},
		{"percent.form", formType, bytes.Repeat([]byte{'%'}, hostileSize), 2.5, 4.5},
		{"latin1.form", formType, bytes.Repeat([]byte{0xe9}, hostileSize), 3.5, 5.5},
		{"value.form", formType, append([]byte("k="), bytes.Repeat([]byte{'v'}, hostileSize)...), 1.5, 3.5},
		{"string.json", "application/json", []byte(`{"x":"` + strings.Repeat("<", hostileSize) + `"}`), 1.5, 3.5},
		{"key.json", "application/json", []byte(`{"` + strings.Repeat("<", hostileSize) + `":1}`), 1.5, 3.5},
		{"latin1.json", "application/json", []byte(`{"x":"` + strings.Repeat("\xe9", hostileSize) + `"}`), 3.5, 5.5},
		{"members.json", "application/json", members.Bytes(), 40, 42},
		{"members.form", formType, pairs.Bytes(), 40, 42},
		{"deep.json", "application/json", deep.Bytes(), 25, 27},
	}
}

// TestHostileBodyCost: a hostile body costs a small multiple of its size,
// never one per warning or per copy of a path. Decode once cost 13x the
// body for 30 MiB of '<' as a form (its 30 MiB key was built into a path
// four times, each by append's growth) and the handler 19x; a million
// unknown members 58x (a warning each), now 31x; 3 MiB of form pairs 78x,
// now 35x.
func TestHostileBodyCost(t *testing.T) {
	h := labvanced.NewHandler(func(context.Context, labvanced.Event) error { return nil })
	for _, c := range hostileBodies() {
		t.Run(c.name, func(t *testing.T) {
			size := float64(len(c.body))
			decode := allocated(func() { _, _, _ = labvanced.DecodeWarnings(labvanced.RouteRecordTrial, c.contentType, c.body) })
			var code int
			serve := allocated(func() {
				r := labvancedtest.NewRequest("/"+labvanced.RouteRecordTrial, c.body)
				r.Header.Set("Content-Type", c.contentType)
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				code = w.Code
			})
			t.Logf("%s: %.1f MiB body, decode %.2fx, handler %.2fx (%d)", c.name, size/(1<<20), float64(decode)/size, float64(serve)/size, code)
			assert.Less(t, float64(decode), c.decode*size, "decode allocated %.2fx the body", float64(decode)/size)
			assert.Less(t, float64(serve), c.serve*size, "the handler allocated %.2fx the body", float64(serve)/size)
		})
	}
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
