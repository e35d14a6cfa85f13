package wms_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/vendorhooks/vendorhooks/internal/benchx"
	"github.com/vendorhooks/vendorhooks/internal/httpx"
	"github.com/vendorhooks/vendorhooks/wms"
	"github.com/vendorhooks/vendorhooks/wms/wmstest"
)

// readOnly is the baseline handler: it reads the body and answers 200.
var readOnly = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	if _, err := httpx.ReadBody(w, r, 0); err != nil {
		httpx.Fail(w, err)
		return
	}
	w.WriteHeader(http.StatusOK)
})

// server returns a function that sends body with header mac to h and fails
// b unless the answer is 200. It reuses the request and the recorder.
func server(b *testing.B, h http.Handler, body []byte, mac string) func() {
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	r.Header.Set(wms.MACHeader, mac)
	rd := bytes.NewReader(body)
	w := httptest.NewRecorder()
	return func() {
		rd.Reset(body)
		r.Body = noCloser{rd}
		r.ContentLength = int64(len(body))
		w.Body.Reset()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}

// benchServe sends body with header mac to h b.N times.
func benchServe(b *testing.B, h http.Handler, body []byte, mac string) {
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	serve := server(b, h, body, mac)
	for b.Loop() {
		serve()
	}
}

type noCloser struct{ *bytes.Reader }

func (noCloser) Close() error { return nil }

// BenchmarkHandler compares the handler (verify, decode, call) on the spec's
// event with a handler that only reads the body and answers 200: the ratio
// of the two is the cost of this package.
func BenchmarkHandler(b *testing.B) {
	body := specBody(b)
	mac := wmstest.Sign(body, wmstest.Secret)
	b.Run("baseline=read-only", func(b *testing.B) {
		benchServe(b, readOnly, body, mac)
	})
	b.Run("verify+decode", func(b *testing.B) {
		h := wms.NewHandler(func(context.Context, wms.Event) error { return nil }, wms.WithSecrets(wmstest.Secret))
		benchServe(b, h, body, mac)
	})
	b.Run("interleaved", func(b *testing.B) {
		base := server(b, readOnly, body, mac)
		measured := server(b, wms.NewHandler(func(context.Context, wms.Event) error { return nil }, wms.WithSecrets(wmstest.Secret)), body, mac)
		benchx.Interleave(b, len(body), base, measured)
	})
	b.Run("verify+decode+track", func(b *testing.B) {
		h := wms.NewHandler(func(context.Context, wms.Event) error { return nil },
			wms.WithSecrets(wmstest.Secret), wms.WithTracker(wms.NewTracker()))
		benchServe(b, h, body, mac)
	})
	b.Run("verify+decode/node-signed-latin1", func(b *testing.B) {
		h := wms.NewHandler(func(context.Context, wms.Event) error { return nil }, wms.WithNodeSecrets(wmstest.Secret))
		benchServe(b, h, genuineE, genuineENodeMAC)
	})
}

// BenchmarkVerify compares Verifier.Verify with raw crypto/hmac (rawVerify)
// on the spec's event and on a 1 KiB event; the interleaved ratio is the
// figure (goal: within 1.2x).
func BenchmarkVerify(b *testing.B) {
	spec := specBody(b)
	// kib is an ASCII event of 1 KiB: the spec's with a long session id.
	kib := bytes.Replace(spec, []byte(`"ryueiwoqfh910fu3rpqruvfiu"`),
		[]byte(`"`+strings.Repeat("s", 1024-len(spec)+len(`ryueiwoqfh910fu3rpqruvfiu`))+`"`), 1)
	for _, c := range []struct {
		name string
		body []byte
	}{{"spec", spec}, {"1KiB", kib}} {
		body := c.body
		mac := wmstest.Sign(body, wmstest.Secret)
		b.Run(c.name+"/baseline=crypto/hmac", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			raw := rawVerify(b, body, mac)
			for b.Loop() {
				raw()
			}
		})
		b.Run(c.name+"/interleaved", func(b *testing.B) {
			v := verifier(b, wmstest.Secret)
			benchx.Interleave(b, len(body), rawVerify(b, body, mac), func() {
				if err := v.Verify(body, mac); err != nil {
					b.Fatal(err)
				}
			})
		})
		b.Run(c.name+"/wms.Verify", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			v := verifier(b, wmstest.Secret)
			for b.Loop() {
				if err := v.Verify(body, mac); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// rawVerify returns the least a receiver can do with crypto/hmac to check
// mac: a keyed hash reused across calls, hex decoding and hmac.Equal.
func rawVerify(b *testing.B, body []byte, mac string) func() {
	m := hmac.New(sha256.New, []byte(wmstest.Secret))
	var sum, got [sha256.Size]byte
	hexMAC := []byte(mac[len(wms.MACPrefix):])
	return func() {
		if _, err := hex.Decode(got[:], hexMAC); err != nil {
			b.Fatal(err)
		}
		m.Reset()
		m.Write(body)
		if !hmac.Equal(m.Sum(sum[:0]), got[:]) {
			b.Fatal("mismatch")
		}
	}
}

// BenchmarkDecode compares Decode with encoding/json unmarshalling the same
// body into a plain struct.
func BenchmarkDecode(b *testing.B) {
	body := specBody(b)
	b.Run("baseline=encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var v struct {
				Timestamp int64  `json:"timestamp"`
				SessionID string `json:"sessionId"`
				Sequence  int64  `json:"sequence"`
				Event     string `json:"event"`
				Severity  string `json:"severity"`
				Payload   struct {
					MeasurementID string `json:"measurementId"`
				} `json:"payload"`
			}
			if err := json.Unmarshal(body, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("wms.Decode", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if _, err := wms.Decode(body); err != nil {
				b.Fatal(err)
			}
		}
	})
}
