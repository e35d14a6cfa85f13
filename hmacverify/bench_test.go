package hmacverify_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/vendorhooks/vendorhooks/hmacverify"
)

// benchBody is the 1 KiB body the benchmarks verify.
var benchBody = bytes.Repeat([]byte(`{"k":"v"},`), 103)[:1024]

// benchKey signs benchBody.
var benchKey = []byte("bench-secret")

// benchVerify returns a function verifying a hex signature of a 1 KiB body
// with Verify.
func benchVerify(b *testing.B) func() {
	v, err := hmacverify.New(hmacverify.WithSecrets(benchKey), hmacverify.WithPrefix("sha256="))
	if err != nil {
		b.Fatal(err)
	}
	header := v.Sign(benchBody)
	return func() {
		if err := v.Verify(benchBody, header); err != nil {
			b.Fatal(err)
		}
	}
}

// rawVerify returns the least a receiver can do with crypto/hmac to check
// the same header: a keyed hash built once and Reset for each call, hex
// decoding into a fixed array, and hmac.Equal. It is the baseline.
func rawVerify(b *testing.B) func() {
	m := hmac.New(sha256.New, benchKey)
	m.Write(benchBody)
	header := "sha256=" + hex.EncodeToString(m.Sum(nil))
	var sum, got [sha256.Size]byte
	return func() {
		if _, err := hex.Decode(got[:], []byte(header[len("sha256="):])); err != nil {
			b.Fatal(err)
		}
		m.Reset()
		m.Write(benchBody)
		if !hmac.Equal(m.Sum(sum[:0]), got[:]) {
			b.Fatal("mismatch")
		}
	}
}

// loop runs f b.N times as a benchmark of one 1 KiB verification.
func loop(b *testing.B, f func()) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchBody)))
	for b.Loop() {
		f()
	}
}

// BenchmarkVerify verifies a hex signature of a 1 KiB body. Its baseline is
// BenchmarkVerifyBaselineCryptoHMAC; BenchmarkVerifyInterleaved measures the
// two alternately in one run and reports their ratio, the figure (goal:
// within 1.1x, and 0 allocs/op).
func BenchmarkVerify(b *testing.B) { loop(b, benchVerify(b)) }

// BenchmarkVerifyBaselineCryptoHMAC is the same check written with
// crypto/hmac directly, with a keyed hash reused across calls (rawVerify).
func BenchmarkVerifyBaselineCryptoHMAC(b *testing.B) { loop(b, rawVerify(b)) }

// BenchmarkVerifyBaselineCryptoHMACNewPerCall is the naive check with
// crypto/hmac: hmac.New, Write, Sum, hex.DecodeString and hmac.Equal on every
// call. It allocates; it is shown for scale, not as the goal's baseline.
func BenchmarkVerifyBaselineCryptoHMACNewPerCall(b *testing.B) {
	m := hmac.New(sha256.New, benchKey)
	m.Write(benchBody)
	header := "sha256=" + hex.EncodeToString(m.Sum(nil))
	loop(b, func() {
		m := hmac.New(sha256.New, benchKey)
		m.Write(benchBody)
		got, err := hex.DecodeString(header[len("sha256="):])
		if err != nil || !hmac.Equal(m.Sum(nil), got) {
			b.Fatal("mismatch")
		}
	})
}

// BenchmarkVerifyInterleaved runs Verify and the reused-hash baseline
// alternately in batches, so that both see the same machine load, and
// reports each one's time per call and their ratio (Verify over baseline).
func BenchmarkVerifyInterleaved(b *testing.B) {
	interleave(b, len(benchBody), rawVerify(b), benchVerify(b))
}

// batch is how many calls interleave times at once, so that reading the
// clock costs little against the calls.
const batch = 16

// interleave runs base and measured alternately, batch calls at a time, so
// that both see the same machine load (on a shared machine, separate runs do
// not), each first on every other round so neither gains from its place. It
// reports the medians over rounds of each one's time per call and of their
// ratio (measured over base), so that a round another process preempted
// does not weigh. An op is one round: 2*batch calls of bytes each.
func interleave(b *testing.B, bytes int, base, measured func()) {
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

// BenchmarkVerifyStandardWebhooks verifies a Standard Webhooks signature of
// a 1 KiB body (timestamped template, base64), for comparison with
// BenchmarkVerify.
func BenchmarkVerifyStandardWebhooks(b *testing.B) {
	v, err := hmacverify.New(hmacverify.StandardWebhooks("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	header := v.SignTimestamped(benchBody, "msg_1", now)
	ts := formatUnix(now)
	loop(b, func() {
		if err := v.VerifyTimestamped(benchBody, "msg_1", ts, header); err != nil {
			b.Fatal(err)
		}
	})
}
