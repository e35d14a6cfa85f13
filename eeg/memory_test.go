package eeg_test

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
	"github.com/vendorhooks/vendorhooks/eeg"
	"github.com/vendorhooks/vendorhooks/eeg/eegtest"
	"github.com/vendorhooks/vendorhooks/internal/tolerant"
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

// hostile is a body anyone can post (Petal sends no key), with the most it
// may cost to decode (times its size, allocated) and to serve (the
// handler's read of the body, about 2x, included), and the warnings it
// earns.
type hostile struct {
	name          string
	body          []byte
	decode, serve float64
	warnings      int
}

// hostileBodies are the shapes whose cost once grew with the body, each of
// DefaultMaxBodyBytes (1 MiB): one huge member name (7x: copied, then built
// into its path), as UTF-8 and as Latin-1 (which the Latin-1 reading
// doubles), many unknown members, many duplicate keys, known and unknown,
// and arrays nested to tolerant.MaxDepth. A warning past the first 100 is
// counted without building its path or message (tolerant.Counted); built
// and then dropped, they cost 1.6x (members) and 2.4x (repeats of one
// unknown name) the body, now 0.06x and 0.5x.
func hostileBodies() []hostile {
	const size = int(eeg.DefaultMaxBodyBytes)
	const head = `{"type":"blink","data":{"blink":{"blink":1}`
	const tail = `}}`
	key := func(c string) []byte {
		return []byte(head + `,"` + strings.Repeat(c, size-len(head)-len(tail)-8) + `":1` + tail)
	}
	deep := strings.Repeat("[", tolerant.MaxDepth-3) + "0" + strings.Repeat("]", tolerant.MaxDepth-3)
	return []hostile{
		{"key", key("k"), 1.5, 3.5, 1},
		{"latin1-key", key("\xe9"), 4.5, 6.5, 2},
		{"members", fill(size, head, func(i int) string { return `,"a` + strconv.Itoa(i) + `":1` }, tail), 1.5, 3.5, 101},
		{"duplicates", fill(size, head, func(int) string { return `,"id":1` }, tail), 1.5, 3.5, 101},
		{"unknown-duplicates", fill(size, head, func(int) string { return `,"x":1` }, tail), 1.5, 3.5, 102},
		{"deep", fill(size, head+`,"x":[0`, func(int) string { return "," + deep }, "]"+tail), 1.5, 3.5, 1},
	}
}

// TestHostileBodyCost: a hostile body costs a small multiple of its size,
// never one per warning or per copy of a path. A 1 MiB member name once
// cost 7x the body (its name copied, then built into a path), now almost
// nothing; a million unknown members or duplicate keys were held to 101
// warnings before, by a rule of eeg's own, now by tolerant's.
func TestHostileBodyCost(t *testing.T) {
	h := eeg.NewHandler(func(context.Context, eeg.Event) error { return nil })
	for _, c := range hostileBodies() {
		t.Run(c.name, func(t *testing.T) {
			size := float64(len(c.body))
			require.LessOrEqual(t, size, float64(eeg.DefaultMaxBodyBytes))
			var ws []vendorhooks.Warning
			var err error
			decode := allocated(func() { _, ws, err = eeg.DecodeWarnings(c.body) })
			require.NoError(t, err)
			assert.Equal(t, c.warnings, len(ws), "warnings")
			var code int
			serve := allocated(func() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, eegtest.NewRequest("/", c.body))
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
		return []byte(`{"type":"blink","data":{"x":[` + strings.Repeat("[", n) + strings.Repeat("]", n) + `]}}`)
	}
	_, _, err := eeg.DecodeWarnings(nested(tolerant.MaxDepth - 3))
	assert.NoError(t, err)
	_, _, err = eeg.DecodeWarnings(nested(tolerant.MaxDepth - 2))
	assert.ErrorIs(t, err, eeg.ErrMalformed)
}
