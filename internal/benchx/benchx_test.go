package benchx

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	_ "github.com/vendorhooks/vendorhooks/internal/golden" // every test binary knows -update
)

func TestHistogramMedian(t *testing.T) {
	var h histogram
	assert.Equal(t, 0, h.median(), "an empty histogram")
	for _, v := range []int{5, 1, 9, 5, 7} {
		h.add(v)
	}
	assert.Equal(t, 5, h.median())
	h.add(-3)      // counts as 0
	h.add(1 << 30) // counts as the largest bucket
	assert.Equal(t, 5, h.median())
	assert.Equal(t, int32(1), h[0])
	assert.Equal(t, int32(1), h[len(h)-1])
}

func TestInterleaveReportsRatio(t *testing.T) {
	res := testing.Benchmark(func(b *testing.B) {
		Interleave(b, 100,
			func() { spin(2 * time.Microsecond) },
			func() { spin(8 * time.Microsecond) })
	})
	assert.Greater(t, res.Extra["ratio"], 1.0, "the slower function is the measured one")
	assert.Greater(t, res.Extra["measured-ns/call"], res.Extra["baseline-ns/call"])
	assert.Equal(t, int64(2*batch*100), res.Bytes)
}

// spin busy-waits for d: finer than time.Sleep, and inside the histogram's
// range.
func spin(d time.Duration) {
	for start := time.Now(); time.Since(start) < d; {
	}
}
