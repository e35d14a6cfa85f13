package server_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/vendorhooks/vendorhooks/examples/receiver/server"
)

// loadSenders is how many clients send at once in BenchmarkIngest.
const loadSenders = 64

// BenchmarkIngest measures acknowledged events per second with 64
// concurrent senders posting the Petal bandpower message over HTTP to a
// receiver on a real SQLite file (WAL, synchronous=FULL). PerRequestTx, one
// transaction and one fsync per request, is the baseline; GroupCommit commits
// every request waiting at that moment in one transaction. The ratio of
// their events/s is what grouping buys.
func BenchmarkIngest(b *testing.B) {
	body, err := os.ReadFile(filepath.Join(testdata, "eeg", benchEEGCase+".in"))
	if err != nil {
		b.Fatal(err)
	}
	for _, mode := range []struct {
		name       string
		perRequest bool
	}{{"PerRequestTx", true}, {"GroupCommit", false}} {
		b.Run(mode.name, func(b *testing.B) {
			e := newEnv(b, func(c *server.Config) { c.PerRequestTx = mode.perRequest })
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: loadSenders}}
			url := e.srv.URL + "/eeg/"
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			b.SetParallelism((loadSenders + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if !postEvent(b, client, url, body) {
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// ingestWindow is how long each mode sends in one round of
// BenchmarkIngestInterleaved.
const ingestWindow = 250 * time.Millisecond

// BenchmarkIngestInterleaved measures the same as BenchmarkIngest, but
// alternates the two modes in windows of ingestWindow on two receivers open
// side by side (each first in every other round), so that both see the same
// load on a shared machine. One op is one round (a window of each mode). It
// reports each mode's events/s over all rounds and the median over rounds of
// their ratio (group commit over one transaction per request).
func BenchmarkIngestInterleaved(b *testing.B) {
	body, err := os.ReadFile(filepath.Join(testdata, "eeg", benchEEGCase+".in"))
	if err != nil {
		b.Fatal(err)
	}
	perRequest := newEnv(b, func(c *server.Config) { c.PerRequestTx = true })
	group := newEnv(b)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: loadSenders}}
	// window sends from loadSenders goroutines to e for ingestWindow and
	// returns the events acknowledged and the time taken.
	window := func(e *env) (int64, time.Duration) {
		var acked atomic.Int64
		var wg sync.WaitGroup
		start := time.Now()
		deadline := start.Add(ingestWindow)
		for range loadSenders {
			wg.Go(func() {
				for time.Now().Before(deadline) {
					if !postEvent(b, client, e.srv.URL+"/eeg/", body) {
						return
					}
					acked.Add(1)
				}
			})
		}
		wg.Wait()
		return acked.Load(), time.Since(start)
	}
	per, grp := alternate(b, func() (int64, time.Duration) { return window(perRequest) },
		func() (int64, time.Duration) { return window(group) })
	b.ReportMetric(per.rate(), "per-request-events/s")
	b.ReportMetric(grp.rate(), "group-events/s")
	if r, ok := grp.medianRatio(per); ok {
		b.ReportMetric(r, "ratio")
	}
}

// windows are the counts and durations of one side's windows in alternate.
type windows struct {
	n     []int64
	took  []time.Duration
	total int64
	span  time.Duration
	cpu   time.Duration // CPU time the whole process used during the windows
}

// cores is the CPU the process used during the side's windows, in cores
// (2 is all of a 2-core machine): the share of the machine the side kept
// busy, senders included.
func (w windows) cores() float64 { return w.cpu.Seconds() / w.span.Seconds() }

// processCPU is the user and system CPU time this process has used.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rate is the side's count per second over all its windows.
func (w windows) rate() float64 { return float64(w.total) / w.span.Seconds() }

// medianRatio is the median over rounds of w's rate over base's, and false
// when no round had a count on base's side.
func (w windows) medianRatio(base windows) (float64, bool) {
	var ratios []float64
	for i := range w.n {
		if base.n[i] > 0 {
			ratios = append(ratios, (float64(w.n[i])/w.took[i].Seconds())/(float64(base.n[i])/base.took[i].Seconds()))
		}
	}
	if len(ratios) == 0 {
		return 0, false
	}
	slices.Sort(ratios)
	return ratios[len(ratios)/2], true
}

// alternate runs one window of a and one of c per b.Loop round, a first in
// even rounds and c first in odd ones, so that both see the same machine,
// and returns each side's windows.
func alternate(b *testing.B, a, c func() (int64, time.Duration)) (windows, windows) {
	var wa, wc windows
	add := func(w *windows, f func() (int64, time.Duration)) {
		cpu := processCPU(b)
		n, d := f()
		w.cpu += processCPU(b) - cpu
		w.n, w.took = append(w.n, n), append(w.took, d)
		w.total, w.span = w.total+n, w.span+d
	}
	for round := 0; b.Loop(); round++ {
		if round%2 == 0 {
			add(&wa, a)
			add(&wc, c)
		} else {
			add(&wc, c)
			add(&wa, a)
		}
	}
	return wa, wc
}

// benchSeq numbers the messages the benchmarks send.
var benchSeq atomic.Int64

// postEvent posts body to url, with its Petal "id" replaced by a number of
// its own so that every message is a new delivery (the receiver stores a
// retry, the same body again, once), and reports whether it was acknowledged
// with 200; any other outcome fails b.
func postEvent(b *testing.B, client *http.Client, url string, body []byte) bool {
	id := fmt.Appendf(nil, `"id": %d,`, benchSeq.Add(1))
	body = bytes.Replace(body, []byte(`"id": 1042,`), id, 1)
	resp, err := client.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		b.Error(err)
		return false
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Errorf("status %d", resp.StatusCode)
		return false
	}
	return true
}
