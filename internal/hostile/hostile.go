// Package hostile is the harness of the tests that bound what a hostile
// body costs a vendor package: the bytes its decoder and its handler
// allocate, as multiples of the body's size, for bodies shaped to make that
// cost grow (one huge member name, a million unknown members, duplicate
// keys, arrays nested to the depth limit).
//
// Only tests import it. Each package keeps its own cases and bounds in its
// memory_test.go; this package holds what they share: Allocated, Fill and
// Run. The figures are counts of what the code asked for, never timings, so
// the same code gives the same figure on any machine. They hold only
// without the race detector, whose instrumentation allocates: Run skips
// under -race, and .ci/run runs the library's tests once more without it.
package hostile

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks"
	"github.com/vendorhooks/vendorhooks/internal/race"
	"github.com/vendorhooks/vendorhooks/internal/tolerant"
)

// Allocated returns the bytes the heap allocated while f ran, read from
// runtime/metrics after a collection: a count of what f asked for, not a
// timing. Anything else running in the process at the time (another
// test's goroutine) is counted too, so a test that calls it must not run in
// parallel.
func Allocated(f func()) uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	runtime.GC()
	metrics.Read(s)
	before := s[0].Value.Uint64()
	f()
	metrics.Read(s)
	return s[0].Value.Uint64() - before
}

// Fill returns head, then unit(0), unit(1), ... for as long as the body
// stays within size, then tail: a body of at most size bytes (more only if
// head and tail alone are longer), and within one unit of it.
func Fill(size int, head string, unit func(i int) string, tail string) []byte {
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

// Member returns head, then one member named by c repeated and valued 1,
// then tail: a body size-3 bytes long for a one-byte c, whose single name
// is nearly all of it.
func Member(size int, head, c, tail string) []byte {
	return []byte(head + `,"` + strings.Repeat(c, size-len(head)-len(tail)-8) + `":1` + tail)
}

// Nested returns the JSON number 0 inside n arrays, "[[0]]" for n = 2.
func Nested(n int) string {
	return strings.Repeat("[", n) + "0" + strings.Repeat("]", n)
}

// Case is one hostile body with the most it may cost: Decode bounds what
// decoding it allocates and Serve what the handler allocates serving it
// (its read of the body, about 2x, included), each as a multiple of
// len(Body).
type Case struct {
	Name string
	Body []byte
	// ContentType is the body's media type, for a Target whose decoder
	// and request read one (labvanced's); the others leave it empty.
	ContentType   string
	Decode, Serve float64
	// Warnings is how many warnings decoding Body earns, checked when the
	// Target is Delivered.
	Warnings int
}

// Target is what Run measures: one package's decoder and handler.
type Target struct {
	// MaxBody is the handler's body limit: every case must be within it,
	// so that the handler reads the body whole and its figure is not a
	// 413's.
	MaxBody int64
	// Decode decodes c as the package's DecodeWarnings does. Run counts
	// all it allocates, so it should do nothing else.
	Decode func(c Case) ([]vendorhooks.Warning, error)
	// Handler serves Request(c). Run builds the request (and signs it,
	// where a Target signs) before counting, so the figure is the
	// handler's alone.
	Handler http.Handler
	Request func(c Case) *http.Request
	// Delivered says that every case is a body the decoder accepts and the
	// handler delivers: Run then requires no decode error, exactly
	// c.Warnings warnings and status 200, so that no figure is a
	// refusal's. A Target whose cases include refusals
	// (labvanced's: a JSON syntax error answers 400) leaves it false, and
	// Run checks the two bounds and the warnings' form alone.
	Delivered bool
}

// Decoder adapts a package's DecodeWarnings(body) to Target.Decode: it
// decodes c.Body and returns the warnings and the error, not the event.
func Decoder[E any](decode func(body []byte) (E, []vendorhooks.Warning, error)) func(c Case) ([]vendorhooks.Warning, error) {
	return func(c Case) ([]vendorhooks.Warning, error) {
		_, ws, err := decode(c.Body)
		return ws, err
	}
}

// Run runs each case as a subtest of t: it counts what tg.Decode and then
// tg.Handler allocate for it, logs both as multiples of the body, and fails
// the subtest when either reaches the case's bound, when a warning's path
// is longer than tolerant.MaxPathBytes and its marker or a path or message
// is not UTF-8 (cut inside a character), or when a Delivered target's case
// is refused or earns other warnings than it should. Under -race it skips
// t, since the detector's instrumentation allocates.
func Run(t *testing.T, tg Target, cases []Case) {
	t.Helper()
	if race.Enabled {
		t.Skip("an allocation bound: checked without -race, whose instrumentation allocates (.ci/run runs it so)")
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			size := float64(len(c.Body))
			require.LessOrEqual(t, size, float64(tg.MaxBody))
			var ws []vendorhooks.Warning
			var err error
			decode := Allocated(func() { ws, err = tg.Decode(c) })
			if tg.Delivered {
				require.NoError(t, err)
				assert.Equal(t, c.Warnings, len(ws), "warnings")
			}
			r := tg.Request(c)
			w := httptest.NewRecorder()
			serve := Allocated(func() { tg.Handler.ServeHTTP(w, r) })
			if tg.Delivered {
				assert.Equal(t, http.StatusOK, w.Code, "delivered, so the figure is not a refusal's")
			}
			t.Logf("%s: %.2f MiB body, decode %.2fx, handler %.2fx, status %d, %d warnings", c.Name, size/(1<<20), float64(decode)/size, float64(serve)/size, w.Code, len(ws))
			assert.Less(t, float64(decode), c.Decode*size, "decode allocated %.2fx the body", float64(decode)/size)
			assert.Less(t, float64(serve), c.Serve*size, "the handler allocated %.2fx the body", float64(serve)/size)
			for _, w := range ws { // none for a refusal
				assert.LessOrEqual(t, len(w.Path), tolerant.MaxPathBytes+len(tolerant.PathCutMarker), "%.40s", w.Path)
				assert.True(t, utf8.ValidString(w.Path) && utf8.ValidString(w.Msg), "a warning that is not UTF-8: %q: %q", w.Path, w.Msg)
			}
		})
	}
}
