// Package benchx holds what the benchmarks share: a way to measure a
// function against its baseline in the same run, so that the figure is a
// ratio that survives a busy machine.
package benchx

import (
	"testing"
	"time"
)

// batch is how many calls Interleave times at once, so that reading the
// clock costs little against the calls.
const batch = 16

// Interleave runs base and measured alternately, batch calls at a time, so
// that both see the same machine load (on a shared machine, separate runs do
// not), each first on every other round so neither gains from its place. It
// reports the medians over rounds of each one's time per call and of their
// ratio (measured over base), so that a round another process preempted
// does not weigh. An op is one round: 2*batch calls of bytes each.
func Interleave(b *testing.B, bytes int, base, measured func()) {
	b.ReportAllocs()
	b.SetBytes(int64(2 * batch * bytes))
	var hb, hm, hr histogram // ns per call, and the ratio in thousandths
	timed := func(f func()) time.Duration {
		t := time.Now()
		for range batch {
			f()
		}
		return time.Since(t)
	}
	n := 0
	for b.Loop() {
		var tb, tm time.Duration
		if n%2 == 0 {
			tb = timed(base)
			tm = timed(measured)
		} else {
			tm = timed(measured)
			tb = timed(base)
		}
		hb.add(int(tb.Nanoseconds() / batch))
		hm.add(int(tm.Nanoseconds() / batch))
		hr.add(int(1000 * tm / tb))
		n++
	}
	b.ReportMetric(float64(hb.median()), "baseline-ns/call")
	b.ReportMetric(float64(hm.median()), "measured-ns/call")
	b.ReportMetric(float64(hr.median())/1000, "ratio")
}

// histogram counts small non-negative integers; larger ones count as the
// largest bucket.
type histogram [1 << 16]int32

func (h *histogram) add(v int) { h[max(0, min(v, len(h)-1))]++ }

// median returns the smallest value at or above which half the counts lie.
func (h *histogram) median() int {
	var total int
	for _, c := range h {
		total += int(c)
	}
	seen := 0
	for v, c := range h {
		if seen += int(c); 2*seen >= total {
			return v
		}
	}
	return 0
}
