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

// benchBody is the 1 KiB body both benchmarks verify.
var benchBody = bytes.Repeat([]byte(`{"k":"v"},`), 103)[:1024]

// BenchmarkVerify verifies a hex signature of a 1 KiB body. Its baseline is
// BenchmarkVerifyBaselineCryptoHMAC in the same run: the ratio of their ns/op
// is the figure (goal: within 1.1x, and 0 allocs/op).
func BenchmarkVerify(b *testing.B) {
	v, err := hmacverify.New(hmacverify.WithSecrets([]byte("bench-secret")), hmacverify.WithPrefix("sha256="))
	if err != nil {
		b.Fatal(err)
	}
	header := v.Sign(benchBody)
	b.ReportAllocs()
	b.SetBytes(int64(len(benchBody)))
	b.ResetTimer()
	for b.Loop() {
		if err := v.Verify(benchBody, header); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyBaselineCryptoHMAC is the same check written with
// crypto/hmac directly: hmac.New, Write, Sum, hex decoding, hmac.Equal.
func BenchmarkVerifyBaselineCryptoHMAC(b *testing.B) {
	key := []byte("bench-secret")
	m := hmac.New(sha256.New, key)
	m.Write(benchBody)
	header := "sha256=" + hex.EncodeToString(m.Sum(nil))
	b.ReportAllocs()
	b.SetBytes(int64(len(benchBody)))
	b.ResetTimer()
	for b.Loop() {
		m := hmac.New(sha256.New, key)
		m.Write(benchBody)
		sum := m.Sum(nil)
		got, err := hex.DecodeString(header[len("sha256="):])
		if err != nil || !hmac.Equal(sum, got) {
			b.Fatal("mismatch")
		}
	}
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
	b.ReportAllocs()
	b.SetBytes(int64(len(benchBody)))
	b.ResetTimer()
	for b.Loop() {
		if err := v.VerifyTimestamped(benchBody, "msg_1", ts, header); err != nil {
			b.Fatal(err)
		}
	}
}
