package eeg_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vendorhooks/vendorhooks/eeg"
	"github.com/vendorhooks/vendorhooks/eeg/eegtest"
	"github.com/vendorhooks/vendorhooks/internal/httpx"
)

// The baseline: encoding/json into typed structs equivalent to the eeg
// events (a number-or-bad_data value type with UnmarshalJSON, the arrays
// left as slices).

type jValue struct {
	f   float64
	bad bool
}

func (v *jValue) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		if string(b) == `"bad_data"` {
			v.bad = true
			return nil
		}
		return errors.New("want number or bad_data")
	}
	f, err := strconv.ParseFloat(string(b), 64)
	v.f = f
	return err
}

type jBands struct {
	Delta jValue `json:"delta"`
	Theta jValue `json:"theta"`
	Alpha jValue `json:"alpha"`
	Beta  jValue `json:"beta"`
}

type jMeta struct {
	ID         int64   `json:"id"`
	LSL        float64 `json:"lsl_ts"`
	UnixTS     float64 `json:"unix_ts"`
	LSLEEGFill float64 `json:"lsl_eeg_fill_ts"`
	LSLAPICall float64 `json:"lsl_api_call_ts"`
	LSLAPIRecv float64 `json:"lsl_api_recv_ts"`
	LastEEGID  int64   `json:"last_eeg_id"`
}

type jBandpower struct {
	Action struct {
		Value []jValue `json:"value"`
		Time  float64  `json:"time"`
	} `json:"action"`
	Data struct {
		Bandpower struct {
			Ch1 jBands  `json:"ch1"`
			Ch2 jBands  `json:"ch2"`
			Ch3 jBands  `json:"ch3"`
			Ch4 jBands  `json:"ch4"`
			Ch5 *jBands `json:"ch5"`
		} `json:"bandpower"`
		jMeta
	} `json:"data"`
	Type string `json:"type"`
}

type jMetrics struct {
	Action struct {
		Value []jValue `json:"value"`
		Time  float64  `json:"time"`
	} `json:"action"`
	Data struct {
		Metrics []jValue `json:"metrics"`
		jMeta
	} `json:"data"`
	Type string `json:"type"`
}

func benchDecode(b *testing.B, body string) {
	data := []byte(body)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := eeg.Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}

func benchStdlib[T any](b *testing.B, body string) {
	data := []byte(body)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		var v T
		if err := json.Unmarshal(data, &v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	b.Run("bandpower/eeg", func(b *testing.B) { benchDecode(b, eegtest.JSON["bandpower"]) })
	b.Run("bandpower/encoding_json", func(b *testing.B) { benchStdlib[jBandpower](b, eegtest.JSON["bandpower"]) })
	b.Run("metrics/eeg", func(b *testing.B) { benchDecode(b, eegtest.JSON["metrics"]) })
	b.Run("metrics/encoding_json", func(b *testing.B) { benchStdlib[jMetrics](b, eegtest.JSON["metrics"]) })
	// The docs' Python text, which encoding/json cannot read at all.
	b.Run("bandpower_python/eeg", func(b *testing.B) { benchDecode(b, eegtest.Doc["bandpower"]) })
	b.Run("metricsJson/eeg", func(b *testing.B) { benchDecode(b, eegtest.JSON["metricsJson"]) })
}

// discard is a minimal ResponseWriter, so the handler benchmark measures
// the handlers rather than the recorder.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

// readOnly is the baseline handler: it reads the body under the same limit
// and answers the same 200, without decoding.
func readOnly() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := httpx.ReadBody(w, r, 0); err != nil {
			httpx.Fail(w, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, "{\"ok\":true}\n")
	})
}

func eegHandler() http.Handler {
	return eeg.NewHandler(func(context.Context, eeg.Event) error { return nil })
}

func benchHandler(b *testing.B, h http.Handler, body string) {
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	w := &discard{h: http.Header{}}
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	rd := strings.NewReader(body)
	for b.Loop() {
		rd.Reset(body)
		r.Body = io.NopCloser(rd)
		r.ContentLength = int64(len(body))
		clear(w.h)
		h.ServeHTTP(w, r)
	}
}

func BenchmarkHandler(b *testing.B) {
	body := eegtest.JSON["bandpower"]
	b.Run("eeg", func(b *testing.B) { benchHandler(b, eegHandler(), body) })
	b.Run("read_only", func(b *testing.B) { benchHandler(b, readOnly(), body) })
}

var loadFor = flag.Duration("eeg.load", 2*time.Second, "time BenchmarkLoopbackLoad spends on each handler")

// BenchmarkLoopbackLoad posts the bandpower message to two real servers on
// 127.0.0.1, one with the eeg handler and one with the read-only baseline,
// from 16 keep-alive clients, for -eeg.load per handler (default 2s; the
// reported figures use -eeg.load=10s). The two take turns in half-second
// slices so that a shared machine's changing load falls on both alike. It
// reports each one's requests per second and their ratio ("eeg/read_only");
// b.N is not used.
func BenchmarkLoopbackLoad(b *testing.B) {
	body := eegtest.JSON["bandpower"]
	type target struct {
		srv *httptest.Server
		n   int64
		dur time.Duration
	}
	targets := []*target{{srv: httptest.NewServer(eegHandler())}, {srv: httptest.NewServer(readOnly())}}
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	client := &http.Client{Transport: tr}
	defer func() {
		tr.CloseIdleConnections()
		for _, t := range targets {
			t.srv.Close()
		}
	}()
	const slice = 500 * time.Millisecond
	slices := int(*loadFor / slice)
	if slices < 1 {
		slices = 1
	}
	var failed atomic.Int64
	for i := range 2 * slices {
		t := targets[i%2]
		var n atomic.Int64
		start := time.Now()
		deadline := start.Add(slice)
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() {
				for time.Now().Before(deadline) {
					resp, err := client.Post(t.srv.URL+"/", "application/json", strings.NewReader(body))
					if err != nil {
						failed.Add(1)
						continue
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						failed.Add(1)
					}
					n.Add(1)
				}
			})
		}
		wg.Wait()
		t.n += n.Load()
		t.dur += time.Since(start)
	}
	if failed.Load() > 0 {
		b.Fatalf("%d failed requests", failed.Load())
	}
	own := float64(targets[0].n) / targets[0].dur.Seconds()
	base := float64(targets[1].n) / targets[1].dur.Seconds()
	b.ReportMetric(own, "eeg_req/s")
	b.ReportMetric(base, "read_only_req/s")
	b.ReportMetric(own/base, "eeg/read_only")
	b.ReportMetric(0, "ns/op")
}
