package server_test

import (
	"bufio"
	"context"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vendorhooks/vendorhooks/eeg"
	"github.com/vendorhooks/vendorhooks/examples/internal/pgtest"
	"github.com/vendorhooks/vendorhooks/examples/receiver/server"
)

// throughputBackend is one store BenchmarkThroughput measures the receiver
// on. config returns the change to newEnv's Config (a real SQLite file in
// b.TempDir() when it changes nothing) that selects the backend; it may
// start what the backend needs and register its clean-up on b.
type throughputBackend struct {
	name   string
	config func(b *testing.B) func(*server.Config)
}

// throughputBackends are the backends of BenchmarkThroughput. The receiver
// runs in group-commit mode (the default) on each. The goal binds SQLite;
// PostgreSQL is a fresh database on the test binary's cluster (pgtest),
// whose server shares the machine with the benchmark.
var throughputBackends = []throughputBackend{
	{"SQLite", func(*testing.B) func(*server.Config) { return func(*server.Config) {} }},
	{"PostgreSQL", func(b *testing.B) func(*server.Config) {
		url := pgtest.URL(b)
		return func(c *server.Config) { c.DBPath = url }
	}},
}

// BenchmarkThroughput measures the goal of durable ingest: the receiver's
// acknowledged events per second against the requests per second of a bare
// eeg handler that stores nothing (eeg.NewHandler with a function that
// returns nil), both with loadSenders concurrent senders of the Petal
// bandpower message on loopback, each message a new delivery (postEvent).
// The two alternate in windows of ingestWindow, each first in every other
// round, so that both see the same machine; one op is one round. It reports
// the bare handler's req/s and the receiver's events/s over all rounds and
// the median over rounds of their ratio (receiver over bare), which the
// goal wants at 0.5 or more, and the CPU the process used during each
// side's windows (bare-cores, receiver-cores): the bare side keeps the
// machine busy, while the receiver's senders spend part of each window
// waiting on commits with the CPU idle.
func BenchmarkThroughput(b *testing.B) {
	body, err := os.ReadFile(filepath.Join(testdata, "eeg", benchEEGCase+".in"))
	if err != nil {
		b.Fatal(err)
	}
	for _, backend := range throughputBackends {
		b.Run(backend.name, func(b *testing.B) {
			// The labels name each side's goroutines in a CPU profile
			// (goroutines inherit them: the servers' connections, the
			// writer): go tool pprof -tagfocus side=receiver.
			var bare *httptest.Server
			pprof.Do(context.Background(), pprof.Labels("side", "bare"), func(context.Context) {
				bare = httptest.NewServer(eeg.NewHandler(func(context.Context, eeg.Event) error { return nil }))
			})
			b.Cleanup(bare.Close)
			var recv *env
			pprof.Do(context.Background(), pprof.Labels("side", "receiver"), func(context.Context) {
				recv = newEnv(b, backend.config(b))
			})
			bareURL, recvURL := bare.URL+"/", recv.srv.URL+"/eeg/"
			// One client per sender, each keeping its own connection to
			// each server, as loadSenders separate senders would (wrk -c64):
			// a shared Transport makes the senders contend for its lock,
			// which the mutex profile showed as the largest delay and which
			// slows the faster server more.
			clients := make([]*http.Client, loadSenders)
			for i := range clients {
				clients[i] = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
				b.Cleanup(clients[i].CloseIdleConnections)
			}
			// Warm both (connections open, the writer's statements run
			// once) so that the first round measures no set-up.
			throughputWindow(b, clients, bareURL, body)
			throughputWindow(b, clients, recvURL, body)
			before := commitTotals(b, recv)
			bareW, recvW := alternate(b, func() (int64, time.Duration) { return throughputWindow(b, clients, bareURL, body) },
				func() (int64, time.Duration) { return throughputWindow(b, clients, recvURL, body) })
			b.ReportMetric(bareW.rate(), "bare-req/s")
			b.ReportMetric(recvW.rate(), "receiver-events/s")
			b.ReportMetric(bareW.cores(), "bare-cores")
			b.ReportMetric(recvW.cores(), "receiver-cores")
			if r, ok := recvW.medianRatio(bareW); ok {
				b.ReportMetric(r, "ratio")
			}
			after := commitTotals(b, recv)
			if n := after.commits - before.commits; n > 0 {
				b.ReportMetric((after.events-before.events)/n, "events/commit")
				b.ReportMetric((after.seconds-before.seconds)/n*1e3, "ms/commit")
			}
		})
	}
}

// throughputWindow sends body (each copy a new delivery) to url for
// ingestWindow from one goroutine per client, and returns how many were
// answered 200 and the time taken, from the first send to the last answer.
func throughputWindow(b *testing.B, clients []*http.Client, url string, body []byte) (int64, time.Duration) {
	var acked atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(ingestWindow)
	for _, client := range clients {
		wg.Go(func() {
			pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), pprof.Labels("side", "sender")))
			for time.Now().Before(deadline) {
				if !postEvent(b, client, url, body) {
					return
				}
				acked.Add(1)
			}
		})
	}
	wg.Wait()
	return acked.Load(), time.Since(start)
}

// commitStats are the totals of the receiver's group-commit histograms.
type commitStats struct {
	commits float64 // transactions committed
	events  float64 // requests in them
	seconds float64 // time spent in them, fsync included
}

// commitTotals reads the commit totals from e's /metrics
// (vendorhooks_commit_batch_size and vendorhooks_commit_seconds).
func commitTotals(b *testing.B, e *env) commitStats {
	b.Helper()
	resp, err := e.srv.Client().Get(e.srv.URL + "/metrics")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("GET /metrics: status %d", resp.StatusCode)
	}
	var st commitStats
	dst := map[string]*float64{
		"vendorhooks_commit_batch_size_count": &st.commits,
		"vendorhooks_commit_batch_size_sum":   &st.events,
		"vendorhooks_commit_seconds_sum":      &st.seconds,
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if p := dst[name]; ok && p != nil {
			if *p, err = strconv.ParseFloat(value, 64); err != nil {
				b.Fatal(err)
			}
			delete(dst, name)
		}
	}
	if err := sc.Err(); err != nil {
		b.Fatal(err)
	}
	if len(dst) > 0 {
		b.Fatalf("GET /metrics: missing %v", slices.Collect(maps.Keys(dst)))
	}
	return st
}
