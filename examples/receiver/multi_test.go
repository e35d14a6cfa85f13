package main

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	_ "github.com/jackc/pgx/v5/stdlib" // the test reads the shared database
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/examples/internal/pgtest"
	"github.com/vendorhooks/vendorhooks/examples/receiver/server"
	"github.com/vendorhooks/vendorhooks/examples/simulate/sim"
)

// send is one request of the multi-receiver traffic: a simulated vendor
// request, sent whole again (a retry or a duplicate) as often as needed.
type send struct {
	r *sim.Request
}

func (s send) request(ctx context.Context, base string) (*http.Request, error) {
	target := base + sim.DefaultPaths[s.r.Vendor]
	if s.r.Route != "" {
		target = strings.TrimRight(target, "/") + "/" + strings.TrimLeft(s.r.Route, "/")
	}
	if len(s.r.Query) > 0 {
		target += "?" + s.r.Query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, s.r.Method, target, bytes.NewReader(s.r.Body))
	if err != nil {
		return nil, err
	}
	req.Header = s.r.Header.Clone()
	return req, nil
}

// multiTraffic builds the test's sessions from the simulator's generators:
// Petal streams, Asleep nights, Labvanced participants (with an upload) and
// WMS measurements, each session a list of sends in the order they go out.
// Outside WMS a session's requests are reordered and one in five is sent
// twice; a WMS session's events go out one after another, with one in six
// sent again right after and one pair in five swapped, so that its verdicts
// (gap, late, duplicate) are well defined by the order. Signage triggers are
// left out: they are commands, stored every time they arrive (no
// idempotency key), so "exactly once" does not apply.
func multiTraffic(t *testing.T, rng *rand.Rand) (sessions [][]send) {
	t.Helper()
	cfg := sim.Config{SleepAPIKey: "crash-sleep", SignageAPIKey: "crash-signage", WMSSecret: crashSecret, EEGMessages: 40, SleepWindows: 12, Seed: 7}
	for _, v := range []struct {
		vendor   string
		sessions int
	}{{sim.EEG, 4}, {sim.Sleep, 2}, {sim.Labvanced, 2}, {sim.WMS, 6}} {
		g, err := sim.NewGenerator(v.vendor, cfg)
		require.NoError(t, err)
		for n := range v.sessions {
			reqs := g.Session(rng, n)
			var out []send
			for _, r := range reqs {
				g.Authorize(r, true)
				out = append(out, send{r})
				if v.vendor == sim.WMS && rng.IntN(6) == 0 || v.vendor != sim.WMS && !r.NoEvent && rng.IntN(5) == 0 {
					out = append(out, send{r}) // a duplicate
				}
			}
			if v.vendor == sim.WMS {
				for i := 0; i+1 < len(out); i += 2 {
					if rng.IntN(5) == 0 {
						out[i], out[i+1] = out[i+1], out[i]
					}
				}
			} else {
				rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
			}
			sessions = append(sessions, out)
		}
	}
	return sessions
}

// TestMultiReceiver runs two receivers on one PostgreSQL database behind a
// round-robin reverse proxy, drives the simulator's traffic through it (with
// duplicates and reordering), kills one receiver with SIGKILL in the middle
// and starts it again, and checks that every acknowledged delivery is stored
// exactly once, that uploads (to one shared directory) are whole, and that
// the WMS verdicts equal those one receiver gives over the same traffic. A
// request that gets no 2xx (the proxy answers 502 for the dead receiver, or
// the connection breaks) is sent again before its session's next request.
func TestMultiReceiver(t *testing.T) {
	bin := buildReceiver(t)
	dsn := pgtest.URL(t)
	uploads := t.TempDir()
	start := func() *receiverProc {
		return startReceiver(t, bin, t.TempDir(), nil, "-db", dsn, "-uploads", uploads)
	}
	var mu sync.Mutex
	procs := []*receiverProc{start(), start()}
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, p := range procs {
			p.cmd.Process.Kill()
			p.cmd.Wait()
		}
	})
	var next atomic.Uint64
	proxy := httptest.NewServer(&httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			mu.Lock()
			p := procs[next.Add(1)%uint64(len(procs))]
			mu.Unlock()
			u, _ := url.Parse(p.baseURL)
			r.SetURL(u)
		},
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, _ error) { w.WriteHeader(http.StatusBadGateway) },
	})
	defer proxy.Close()

	rng := rand.New(rand.NewPCG(15, 2))
	sessions := multiTraffic(t, rng)
	total := 0
	for _, s := range sessions {
		total += len(s)
	}
	client := &http.Client{Timeout: 30 * time.Second}
	var acked, sent atomic.Int64
	deadline := time.Now().Add(5 * time.Minute) // a generous bound: a receiver that never answers fails the test
	// deliver sends s until it is answered 2xx, and reports false when it
	// is refused (4xx) or the bound passes.
	deliver := func(s send) bool {
		for time.Now().Before(deadline) {
			sent.Add(1)
			req, err := s.request(context.Background(), proxy.URL)
			if !assert.NoError(t, err) {
				return false
			}
			resp, err := client.Do(req)
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode/100 == 2 {
					acked.Add(1)
					return true
				}
				if !assert.Contains(t, []int{http.StatusBadGateway, http.StatusInternalServerError, http.StatusServiceUnavailable},
					resp.StatusCode, "a %s %s request was refused", s.r.Vendor, s.r.Kind) {
					return false
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Errorf("no 2xx for a %s request within the bound", s.r.Vendor)
		return false
	}
	var wg sync.WaitGroup
	for _, s := range sessions {
		wg.Go(func() {
			for _, one := range s {
				if !deliver(one) {
					return
				}
			}
		})
	}
	// Kill the first receiver once a third of the traffic is acknowledged,
	// and start it again a moment later on the same database.
	for acked.Load() < int64(total/3) {
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	victim := procs[0]
	require.NoError(t, victim.cmd.Process.Signal(syscall.SIGKILL))
	victim.cmd.Wait()
	procs = procs[1:]
	mu.Unlock()
	killedAt := acked.Load()
	time.Sleep(300 * time.Millisecond)
	restarted := start()
	mu.Lock()
	procs = append(procs, restarted)
	mu.Unlock()
	wg.Wait()
	t.Logf("%d requests acknowledged (%d sends: the others were lost to the kill and sent again; kill after %d)", acked.Load(), sent.Load(), killedAt)
	require.Less(t, killedAt, int64(total), "the kill came in the middle of the traffic")

	// Every acknowledged body stored exactly once; nothing else stored.
	db, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	defer db.Close()
	stored := map[string]int{}
	verdicts := map[string]string{}
	uploadsBySession := map[string]int{}
	rows, err := db.Query("SELECT vendor, kind, session, verdict, raw FROM events")
	require.NoError(t, err)
	for rows.Next() {
		var vendor, kind, session, verdict string
		var raw []byte
		require.NoError(t, rows.Scan(&vendor, &kind, &session, &verdict, &raw))
		if kind == "file_upload" {
			uploadsBySession[session]++
			continue
		}
		stored[vendor+"\x00"+string(raw)]++
		if vendor == sim.WMS {
			verdicts[string(raw)] = verdict
		}
	}
	require.NoError(t, rows.Err())
	want := map[string]int{}
	wantUploads := map[string]int{}
	for _, s := range sessions {
		for _, one := range s {
			switch {
			case one.r.NoEvent:
			case one.r.Kind == "file_upload":
				wantUploads[one.r.Session] = 1
			default:
				want[one.r.Vendor+"\x00"+string(one.r.Body)] = 1
			}
		}
	}
	assert.Empty(t, cmp.Diff(want, stored), "every acknowledged delivery stored exactly once (-want +stored)")
	assert.Equal(t, wantUploads, uploadsBySession, "every upload stored once")
	var files int
	require.NoError(t, db.QueryRow("SELECT COUNT(*) FROM uploads").Scan(&files))
	ups, err := db.Query("SELECT stored_name, size FROM uploads")
	require.NoError(t, err)
	for ups.Next() {
		var name string
		var size int64
		require.NoError(t, ups.Scan(&name, &size))
		fi, err := os.Stat(filepath.Join(uploads, name))
		if assert.NoError(t, err, "an upload's file is in the shared directory") {
			assert.Equal(t, size, fi.Size())
		}
	}
	require.NoError(t, ups.Err())
	assert.Equal(t, len(wantUploads), files)

	// The verdicts of one receiver over the same WMS traffic, in process.
	onePath := filepath.Join(t.TempDir(), "one.db")
	one, err := server.Open(context.Background(), server.Config{
		DBPath: onePath, UploadsDir: t.TempDir(),
		WMSSecrets: []string{crashSecret}, SleepAPIKeys: []string{"k"}, SignageAPIKeys: []string{"k"},
	})
	require.NoError(t, err)
	defer one.Close()
	ref := httptest.NewServer(one.Handler())
	defer ref.Close()
	var wmsSends int
	for _, s := range sessions {
		for _, o := range s {
			if o.r.Vendor != sim.WMS {
				continue
			}
			wmsSends++
			req, err := o.request(context.Background(), ref.URL)
			require.NoError(t, err)
			resp, err := ref.Client().Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode)
		}
	}
	refDB, err := sql.Open("sqlite", onePath)
	require.NoError(t, err)
	defer refDB.Close()
	wantVerdicts := map[string]string{}
	rrows, err := refDB.Query("SELECT verdict, raw FROM events WHERE vendor = 'wms'")
	require.NoError(t, err)
	for rrows.Next() {
		var verdict string
		var raw []byte
		require.NoError(t, rrows.Scan(&verdict, &raw))
		wantVerdicts[string(raw)] = verdict
	}
	require.NoError(t, rrows.Err())
	kinds := map[string]int{}
	for _, v := range wantVerdicts {
		kinds[v[:min(len(v), 3)]]++
	}
	t.Logf("%d WMS sends, verdicts of one receiver by kind: %v", wmsSends, kinds)
	assert.Empty(t, cmp.Diff(wantVerdicts, verdicts), "WMS verdicts of two receivers equal one receiver's (-one +two)")
	assert.Greater(t, len(kinds), 1, "the traffic gives more than one kind of verdict")
}
