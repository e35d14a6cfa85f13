package server_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/examples/internal/pgtest"
	"github.com/vendorhooks/vendorhooks/examples/receiver/server"
	"github.com/vendorhooks/vendorhooks/examples/simulate/sim"
)

// BenchmarkStoreCostByVendor reports what each vendor's traffic costs the
// database per stored event, on both backends: realistic sessions from the
// simulator (no faults) into a fresh receiver, the database's growth divided
// by the events stored, beside the mean raw body (raw-B/event). The figures
// are docs/SCALING.md's; b.N is not used (one run of fixed traffic).
func BenchmarkStoreCostByVendor(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		// About 2,000 events each, so that page granularity (8 KB pages
		// per table and index) does not weigh.
		for _, v := range []struct {
			vendor   string
			sessions int
		}{{sim.EEG, 4}, {sim.Sleep, 20}, {sim.Signage, 150}, {sim.Labvanced, 80}, {sim.WMS, 80}} {
			vendor := v.vendor
			b.Run(backend+"/"+vendor, func(b *testing.B) {
				e := newEnv(b, func(c *server.Config) {
					if backend == "postgres" {
						c.DBPath = pgtest.URL(b)
					}
				})
				before, err := server.DBSize(e.s)
				require.NoError(b, err)
				res, err := sim.Run(context.Background(), sim.Config{
					URL: e.srv.URL, Vendors: []string{vendor}, Sessions: v.sessions, EEGMessages: 500, SleepWindows: 96,
					SleepAPIKey: sleepKey, SignageAPIKey: signageKey, WMSSecret: wmsSecret, Seed: 1,
				})
				require.NoError(b, err)
				require.True(b, res.Clean())
				if backend == "postgres" {
					require.NoError(b, server.Exec(e.s, "VACUUM"))
				}
				after, err := server.DBSize(e.s)
				require.NoError(b, err)
				var n, raw int64
				require.NoError(b, server.QueryRow(e.s, "SELECT COUNT(*), COALESCE(SUM(length(raw)), 0) FROM events").Scan(&n, &raw))
				require.Positive(b, n)
				b.ReportMetric(float64(n), "events")
				b.ReportMetric(float64(raw)/float64(n), "raw-B/event")
				b.ReportMetric(float64(after-before)/float64(n), "db-B/event")
			})
		}
	}
}
