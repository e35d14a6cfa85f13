package sleep_test

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
	"github.com/vendorhooks/vendorhooks/internal/tolerant"
	"github.com/vendorhooks/vendorhooks/sleep"
	"github.com/vendorhooks/vendorhooks/sleep/sleeptest"
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

// hostile is a body a sender with a key can post, with the most it may
// cost to decode (times its size, allocated) and to serve (the handler's
// read of the body, about 2x, included), and the warnings it earns.
type hostile struct {
	name          string
	body          []byte
	decode, serve float64
	warnings      int
}

// hostileBodies are the shapes whose cost once grew with the body, each of
// DefaultMaxBodyBytes (1 MiB): one huge member name (7x: built into its
// path, by append's growth), as UTF-8 and as Latin-1, many unknown members
// in the data and in the envelope (23x: a warning each), many duplicate
// keys (39x), many stages of the wrong type, and arrays nested to
// tolerant.MaxDepth. A warning past the first 100 is counted without
// building its path or message (tolerant.Counted): members now cost 0.07x.
// The stages cost what their []SleepStage costs, 8 bytes for each 4-byte
// `,"x"`, grown by append (about 10x), which no bound on warnings removes
// (49x before, with a path and message each).
func hostileBodies() []hostile {
	const size = int(sleep.DefaultMaxBodyBytes)
	const head = `{"event":"INFERENCE_COMPLETE","version":"V3","data":{"session_id":"s1"`
	const tail = `}}`
	key := func(c string) []byte {
		return []byte(head + `,"` + strings.Repeat(c, size-len(head)-len(tail)-8) + `":1` + tail)
	}
	deep := strings.Repeat("[", tolerant.MaxDepth-3) + "0" + strings.Repeat("]", tolerant.MaxDepth-3)
	return []hostile{
		{"key", key("k"), 1.5, 3.5, 1},
		{"latin1-key", key("\xe9"), 4.5, 6.5, 1},
		{"members", fill(size, head, func(i int) string { return `,"a` + strconv.Itoa(i) + `":1` }, tail), 1.5, 3.5, 101},
		{"envelope-members", fill(size, `{"event":"INFERENCE_COMPLETE","data":{"session_id":"s1"}`, func(i int) string { return `,"a` + strconv.Itoa(i) + `":1` }, `}`), 1.5, 3.5, 101},
		{"duplicates", fill(size, head, func(int) string { return `,"seq_num":1` }, tail), 1.5, 3.5, 101},
		{"stages", fill(size, head+`,"sleep_stages":["x"`, func(int) string { return `,"x"` }, "]"+tail), 12, 14, 101},
		{"deep", fill(size, head+`,"x":[0`, func(int) string { return "," + deep }, "]"+tail), 1.5, 3.5, 1},
	}
}

// TestHostileBodyCost: a hostile body costs a small multiple of its size,
// never a warning per member or a copy of a name per path: at most 100
// warnings in body order, the rest counted (tolerant.Limit), and no path
// longer than 256 bytes and a marker.
func TestHostileBodyCost(t *testing.T) {
	const key = "hostile-test-key"
	h := sleep.NewHandler(func(context.Context, sleep.Event) error { return nil }, sleep.WithAPIKeys(key))
	for _, c := range hostileBodies() {
		t.Run(c.name, func(t *testing.T) {
			size := float64(len(c.body))
			require.LessOrEqual(t, size, float64(sleep.DefaultMaxBodyBytes))
			var ws []vendorhooks.Warning
			var err error
			decode := allocated(func() { _, ws, err = sleep.DecodeWarnings(c.body) })
			require.NoError(t, err)
			assert.Equal(t, c.warnings, len(ws), "warnings")
			var code int
			serve := allocated(func() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, sleeptest.NewRequest("/", c.body, key))
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

// TestHostileWarningsInBodyOrder: the warnings listed are the first 100 in
// body order, whichever pass found them (the envelope is read before the
// data), and the count of the rest keeps Decode's error.
func TestHostileWarningsInBodyOrder(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"event":"INFERENCE_COMPLETE","data":{"session_id":"s1"`)
	for i := range 150 {
		b.WriteString(`,"d` + strconv.Itoa(i) + `":1`)
	}
	b.WriteString(`}`)
	for i := range 150 {
		b.WriteString(`,"e` + strconv.Itoa(i) + `":1`)
	}
	b.WriteString(`,"version":1}`)
	_, ws, err := sleep.DecodeWarnings([]byte(b.String()))
	require.NoError(t, err)
	require.Len(t, ws, tolerant.MaxWarnings+2)
	for i, w := range ws[:tolerant.MaxWarnings] {
		require.Equal(t, "/data/d"+strconv.Itoa(i), w.Path)
	}
	assert.Equal(t, vendorhooks.Warning{Offset: -1, Msg: "200 more warnings for unknown members, not listed", Unknown: true}, ws[100])
	assert.Equal(t, vendorhooks.Warning{Offset: -1, Msg: "1 more warning, not listed"}, ws[101])
	_, err = sleep.Decode([]byte(b.String()))
	var list *vendorhooks.Warnings
	require.ErrorAs(t, err, &list, "the version of the wrong type, not listed, is still an error")
	assert.Equal(t, []vendorhooks.Warning{ws[101]}, list.List)
}
