package hmacverify_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/vendorhooks/vendorhooks/hmacverify"
	"github.com/vendorhooks/vendorhooks/internal/benchx"
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
	benchx.Interleave(b, len(benchBody), rawVerify(b), benchVerify(b))
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
