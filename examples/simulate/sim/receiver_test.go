package sim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/examples/receiver/server"
	"github.com/vendorhooks/vendorhooks/examples/simulate/sim"
	_ "github.com/vendorhooks/vendorhooks/internal/golden" // every test binary must accept -update
	"github.com/vendorhooks/vendorhooks/signage"
)

const (
	sleepKey   = "sim-sleep-key"
	signageKey = "sim-signage-key"
	wmsSecret  = "sim-wms-secret"
	adminToken = "sim-admin-token"
)

// receiver runs examples/receiver in process over a SQLite file in a
// temporary directory.
func receiver(t *testing.T) (*server.Server, *httptest.Server) {
	t.Helper()
	dir := t.TempDir()
	s, err := server.Open(context.Background(), server.Config{
		DBPath:         filepath.Join(dir, "events.db"),
		UploadsDir:     filepath.Join(dir, "uploads"),
		SleepAPIKeys:   []string{sleepKey},
		SignageAPIKeys: []string{signageKey},
		WMSSecrets:     []string{wmsSecret},
		AdminToken:     adminToken,
	})
	require.NoError(t, err)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		srv.Close()
		require.NoError(t, s.Close())
	})
	return s, srv
}

// events lists every stored event of vendor through GET /events, page by page.
func events(t *testing.T, base, vendor string) []server.Event {
	t.Helper()
	var all []server.Event
	after := int64(0)
	for {
		q := url.Values{"vendor": {vendor}, "after_id": {strconv.FormatInt(after, 10)}, "limit": {"1000"}}
		req, err := http.NewRequest(http.MethodGet, base+"/events?"+q.Encode(), nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+adminToken)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		var page server.EventList
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		if len(page.Events) == 0 {
			return all
		}
		all = append(all, page.Events...)
		after = page.LastID
	}
}

// TestSimulateAgainstReceiver runs every vendor's sessions with every fault
// against the real receiver and checks its stored rows through /events:
// every acknowledged delivery is there (WMS duplicates once, with the
// tracker's verdicts), and nothing refused is. Each case has a receiver of
// its own, over its own SQLite file.
func TestSimulateAgainstReceiver(t *testing.T) {
	cases := []struct {
		name, vendor string
		mutate       func(*sim.Config)
	}{
		{"eeg", sim.EEG, nil},
		{"eeg-python", sim.EEG, func(c *sim.Config) { c.EEGPython = true }},
		{"sleep", sim.Sleep, nil},
		{"sleep-V1", sim.Sleep, func(c *sim.Config) { c.SleepVersion = "V1"; c.Sessions = 2 }},
		{"sleep-V2", sim.Sleep, func(c *sim.Config) { c.SleepVersion = "V2"; c.Sessions = 2 }},
		{"signage", sim.Signage, nil},
		// Labvanced sessions are long and its oversized bodies 32 MiB: two
		// sessions at a lower rate show every fault without slowing -race
		// down.
		{"labvanced", sim.Labvanced, func(c *sim.Config) { c.Sessions, c.FaultRate = 2, 0.3 }},
		{"wms", sim.WMS, nil},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, srv := receiver(t)
			require.Contains(t, s.Vendors(), tc.vendor, "examples/receiver mounts every vendor")
			cfg := sim.Config{
				URL: srv.URL, Vendors: []string{tc.vendor}, Sessions: 4, Seed: uint64(100 + i),
				Faults: sim.AllFaults(), FaultRate: 0.5, SlowDelay: 40 * time.Millisecond,
				EEGMessages: 40, SleepWindows: 10,
				SleepAPIKey: sleepKey, SignageAPIKey: signageKey, WMSSecret: wmsSecret,
			}
			if tc.mutate != nil {
				tc.mutate(&cfg)
			}
			res, err := sim.Run(context.Background(), cfg)
			require.NoError(t, err)
			var summary bytes.Buffer
			require.NoError(t, res.WriteSummary(&summary))
			t.Logf("\n%s", summary.String())
			require.True(t, res.Clean(), "the receiver answered some requests wrongly:\n%s", summary.String())
			for _, f := range sim.AllFaults() {
				if f == sim.FaultBadAuth && (tc.vendor == sim.Labvanced || tc.vendor == sim.EEG) {
					continue // no authentication to get wrong
				}
				require.NotNil(t, res.Faults[f], "fault %s was never injected: raise the rate", f)
			}
			checkStored(t, tc.vendor, res, events(t, srv.URL, tc.vendor))
			if tc.vendor == sim.Labvanced {
				preflights := 0
				for _, o := range res.Outcomes {
					if o.Req.Kind == "preflight" && o.Succeeded() {
						preflights++
					}
				}
				assert.Positive(t, preflights, "the JSON session's CORS preflights pass")
			}
		})
	}
}

// checkStored compares the receiver's rows with the deliveries it
// acknowledged, retries counted once, as a multiset of (kind, session), and
// for signage, whose triggers all have the same kind and no session, of the
// trigger itself.
func checkStored(t *testing.T, vendor string, res *sim.Result, rows []server.Event) {
	t.Helper()
	want := map[string]int{}
	truncated := 0 // acknowledged truncated bodies: stored, but their session may be cut
	seen := map[string]bool{}
	for _, o := range res.Outcomes {
		if !o.Succeeded() || o.Req.NoEvent {
			continue
		}
		r := o.Req
		switch {
		case r.Fault == sim.FaultTruncate:
			truncated++
			continue
		case vendor != sim.Signage:
			// The receiver stores a retry (the same idempotency key)
			// once: WMS's key is the session and sequence, the others'
			// the kind and body (an upload's, its session, name and
			// file, which the simulator never repeats but in a retry).
			// Signage triggers are commands: every one is stored.
			k := r.Kind + "\x00" + string(r.Body)
			if vendor == sim.WMS {
				k = fmt.Sprintf("%s/%d", r.Session, r.Seq)
			}
			if seen[k] {
				continue
			}
			seen[k] = true
		}
		want[r.Kind+" "+r.Session+sentTrigger(t, r)]++
	}
	got := map[string]int{}
	for _, row := range rows {
		key := row.Kind + " " + row.Session
		if vendor == sim.Signage {
			key += " " + compactJSON(t, row.Event)
		}
		got[key]++
	}
	for k, n := range got {
		if extra := n - want[k]; extra > 0 {
			require.LessOrEqual(t, extra, truncated, "%s: unexpected stored rows %q", vendor, k)
			truncated -= extra
			if got[k] = want[k]; got[k] == 0 {
				delete(got, k)
			}
		}
	}
	assert.Equal(t, want, got, "%s: stored rows (kind session → count) differ from the acknowledged deliveries", vendor)
	assert.Zero(t, truncated, "%s: acknowledged truncated deliveries without a stored row", vendor)

	if vendor != sim.WMS {
		return
	}
	// The tracker's verdicts: a dropped event leaves a gap, a reordered one
	// arrives late.
	verdicts := map[string]int{}
	for _, row := range rows {
		v, _, _ := strings.Cut(row.Verdict, " (") // "gap (missing 3..4)"
		verdicts[v]++
	}
	t.Logf("wms verdicts: %v", verdicts)
	if res.Faults[sim.FaultDrop] != nil || res.Faults[sim.FaultReorder] != nil {
		assert.Positive(t, verdicts["gap"], "a dropped or reordered event leaves a gap")
	}
	if f := res.Faults[sim.FaultReorder]; f != nil {
		assert.Equal(t, f.Injected, verdicts["late"], "every reordered event arrives late")
	}
	assert.Zero(t, verdicts["duplicate"], "duplicates are not stored")
	assert.Positive(t, verdicts["in order"])
}

// sentTrigger is, for a signage request, " " and the trigger it carries as
// compact JSON (decoded by the signage package, as the receiver stores it);
// "" for other vendors.
func sentTrigger(t *testing.T, r *sim.Request) string {
	if r.Vendor != sim.Signage {
		return ""
	}
	var tr signage.Trigger
	var err error
	if r.Method == http.MethodGet {
		tr, err = signage.DecodeQuery(r.Query)
	} else {
		tr, err = signage.DecodeBody(r.Body)
	}
	require.NoError(t, err, "an acknowledged trigger decodes")
	b, err := json.Marshal(tr)
	require.NoError(t, err)
	return " " + compactJSON(t, b)
}

// compactJSON is data without insignificant white space.
func compactJSON(t *testing.T, data []byte) string {
	var b bytes.Buffer
	require.NoError(t, json.Compact(&b, data))
	return b.String()
}
