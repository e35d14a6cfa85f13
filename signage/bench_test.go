package signage_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/vendorhooks/vendorhooks/signage"
	"github.com/vendorhooks/vendorhooks/signage/signagetest"
)

var (
	benchBody    = []byte(`{"event_id": "sensor-temp", "sensor_data": {"id": "s1", "event": "temperature", "value": "21.5"}}`)
	benchLiteral = []byte(`{"event_id": "sensor-temp", "sensor_data": "{id: 's1', event: 'temperature', value: '21.5'}"}`)
)

// plainTrigger is the baseline's target: the same fields, decoded by
// encoding/json alone.
type plainTrigger struct {
	EventID string `json:"event_id"`
	Sensor  *struct {
		ID    string `json:"id"`
		Event string `json:"event"`
		Value string `json:"value"`
	} `json:"sensor_data"`
}

// BenchmarkDecodeBody is DecodeBody on a POST body; the baseline is
// json.Unmarshal of the same bytes into a plain struct.
func BenchmarkDecodeBody(b *testing.B) {
	b.Run("baseline=json.Unmarshal", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(benchBody)))
		for b.Loop() {
			var t plainTrigger
			if err := json.Unmarshal(benchBody, &t); err != nil {
				b.Fatal(err)
			}
		}
	})
	for name, body := range map[string][]byte{"object": benchBody, "literal": benchLiteral} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if _, err := signage.DecodeBody(body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecodePayload is DecodePayload on a GET payload; the baseline is
// base64 decoding plus json.Unmarshal into a plain struct.
func BenchmarkDecodePayload(b *testing.B) {
	p := base64.StdEncoding.EncodeToString(benchBody)
	b.Run("baseline=base64+json.Unmarshal", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(p)))
		for b.Loop() {
			data, err := base64.StdEncoding.DecodeString(p)
			if err != nil {
				b.Fatal(err)
			}
			var t plainTrigger
			if err := json.Unmarshal(data, &t); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("DecodePayload", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(p)))
		for b.Loop() {
			if _, err := signage.DecodePayload(p); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkHandler serves one authenticated POST; the baseline is a handler
// that only reads the body and answers the same success body.
func BenchmarkHandler(b *testing.B) {
	run := func(b *testing.B, h http.Handler) {
		b.ReportAllocs()
		b.SetBytes(int64(len(benchBody)))
		r := signagetest.NewPostRequest(signage.Path, signagetest.SensorTrigger(), "k")
		for b.Loop() {
			r.Body = io.NopCloser(bytes.NewReader(benchBody))
			r.ContentLength = int64(len(benchBody))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusOK {
				b.Fatal(w.Code)
			}
		}
	}
	b.Run("baseline=read-only", func(b *testing.B) {
		run(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"message":"success"}` + "\n"))
		}))
	})
	b.Run("NewHandler", func(b *testing.B) {
		run(b, signage.NewHandler(func(context.Context, signage.Trigger) error { return nil }, signage.WithAPIKeys("k")))
	})
}
