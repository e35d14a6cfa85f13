package server_test

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"testing"

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
					resp, err := client.Post(url, "application/json", bytes.NewReader(body))
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
