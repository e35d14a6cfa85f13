package wms_test

import (
	"bytes"
	"context"
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
	"github.com/vendorhooks/vendorhooks/internal/race"
	"github.com/vendorhooks/vendorhooks/internal/tolerant"
	"github.com/vendorhooks/vendorhooks/wms"
	"github.com/vendorhooks/vendorhooks/wms/wmstest"
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

// fill returns head, then unit(0), unit(1), ... while the body stays
// within size, then tail: a body of about size bytes.
func fill(size int, head string, unit func(i int) string, tail string) []byte {
	var b bytes.Buffer
	b.WriteString(head)
	for i := 0; ; i++ {
		u := unit(i)
		if b.Len()+len(u)+len(tail) > size {
			break
		}
		b.WriteString(u)
	}
	b.WriteString(tail)
	return b.Bytes()
}

// hostile is a signed body, with the most it may cost to decode (times its
// size, allocated) and to serve (the handler's read of the body, about 2x,
// and its MAC included), and the warnings it earns.
type hostile struct {
	name          string
	body          []byte
	decode, serve float64
	warnings      int
}

// hostileBodies are the shapes whose cost once grew with the body, each of
// DefaultMaxBodyBytes (1 MiB): one huge member name (8x: built into its
// path, by append's growth), as UTF-8 and as Latin-1, many unknown members
// at the top and in a payload (90x: a warning each, and the growth of
// their slice and maps), many duplicate keys (37x, 74x in a payload), and
// arrays nested to tolerant.MaxDepth. A warning past the first 100 is
// counted without building its path or message (tolerant.Counted). What
// remains is what the event keeps: every unknown member in Extra (a map
// entry, its name and value, about 17x a body of 8-byte members, as
// labvanced's tree costs) and the members of an object split once (56
// bytes each: 7x a body of 8-byte duplicates), Compact and HTMLEscape's
// copies of the deep array kept in Extra (2x).
func hostileBodies() []hostile {
	const size = int(wms.DefaultMaxBodyBytes)
	const head = `{"event":"INTERMEDIATE_RESULTS","sessionId":"s1","sequence":1,"timestamp":1700000000`
	const tail = `}`
	const payload = head + `,"payload":{"measurementId":"m1"`
	key := func(c string) []byte {
		return []byte(head + `,"` + strings.Repeat(c, size-len(head)-len(tail)-8) + `":1` + tail)
	}
	deep := strings.Repeat("[", tolerant.MaxDepth-2) + "0" + strings.Repeat("]", tolerant.MaxDepth-2)
	return []hostile{
		{"key", key("k"), 1.5, 3.5, 1},
		{"latin1-key", key("\xe9"), 4.5, 6.5, 2},
		{"members", fill(size, head, func(i int) string { return `,"a` + strconv.Itoa(i) + `":1` }, tail), 20, 22, 101},
		{"payload-members", fill(size, payload, func(i int) string { return `,"a` + strconv.Itoa(i) + `":1` }, "}"+tail), 20, 22, 101},
		{"duplicates", fill(size, head, func(int) string { return `,"severity":"x"` }, tail), 5, 7, 101},
		{"payload-duplicates", fill(size, payload, func(int) string { return `,"snr":1` }, "}"+tail), 8.5, 10.5, 101},
		{"deep", fill(size, head+`,"x":[0`, func(int) string { return "," + deep }, "]"+tail), 2.5, 4.5, 1},
	}
}

// TestHostileBodyCost: a hostile body costs a small multiple of its size,
// never a warning per member or a copy of a name per path: at most 100
// warnings in body order, the rest counted (tolerant.Limit), and no path
// longer than 256 bytes and a marker.
func TestHostileBodyCost(t *testing.T) {
	if race.Enabled {
		t.Skip("an allocation bound: checked without -race, whose instrumentation allocates (.ci/run runs it so)")
	}
	const secret = "hostile-test-secret"
	h := wms.NewHandler(func(context.Context, wms.Event) error { return nil }, wms.WithSecrets(secret))
	for _, c := range hostileBodies() {
		t.Run(c.name, func(t *testing.T) {
			size := float64(len(c.body))
			require.LessOrEqual(t, size, float64(wms.DefaultMaxBodyBytes))
			var ws []vendorhooks.Warning
			var err error
			decode := allocated(func() { _, ws, err = wms.DecodeWarnings(c.body) })
			require.NoError(t, err)
			assert.Equal(t, c.warnings, len(ws), "warnings")
			r := wmstest.NewRequest("/", c.body, secret)
			var code int
			serve := allocated(func() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				code = w.Code
			})
			assert.Equal(t, http.StatusOK, code, "delivered, so the figure is not a refusal's")
			t.Logf("%s: %.2f MiB body, decode %.2fx, handler %.2fx, %d warnings", c.name, size/(1<<20), float64(decode)/size, float64(serve)/size, len(ws))
			assert.Less(t, float64(decode), c.decode*size, "decode allocated %.2fx the body", float64(decode)/size)
			assert.Less(t, float64(serve), c.serve*size, "the handler allocated %.2fx the body", float64(serve)/size)
			for _, w := range ws {
				assert.LessOrEqual(t, len(w.Path), tolerant.MaxPathBytes+len(tolerant.PathCutMarker), "%.40s", w.Path)
			}
		})
	}
}

// TestDeepAtTheCap: the deep body above is at tolerant.MaxDepth, not past
// it, so that its figure is a decode's, not a refusal's.
func TestDeepAtTheCap(t *testing.T) {
	nested := func(n int) []byte {
		return []byte(`{"event":"WMS_LOADED","sessionId":"s1","sequence":1,"timestamp":1700000000,"x":` + strings.Repeat("[", n) + strings.Repeat("]", n) + `}`)
	}
	_, _, err := wms.DecodeWarnings(nested(tolerant.MaxDepth - 1))
	assert.NoError(t, err)
	_, _, err = wms.DecodeWarnings(nested(tolerant.MaxDepth))
	assert.ErrorIs(t, err, wms.ErrMalformed)
}
