// Command simulate sends realistic webhook traffic of the five vendors to a
// receiver, with the faults real senders produce, and checks every answer.
//
//	go run ./examples/receiver                       # in one terminal
//	go run ./examples/simulate -vendor all           # in another
//	go run ./examples/simulate -vendor wms -sessions 20 -faults all -fault-rate 0.2
//
// Keys and secrets come from the same environment variables the receiver
// reads (VENDORHOOKS_SLEEP_API_KEYS, VENDORHOOKS_SIGNAGE_API_KEYS,
// VENDORHOOKS_WMS_SECRETS; the first of each comma-separated list is used),
// or from -sleep-key, -signage-key and -wms-secret; where neither gives one,
// from the keys the receiver generated in its database (-db, by default the
// receiver's own default, ./vendorhooks.db), so the two commands above need
// no setup. The admin token, which the receiver's reads need, is found the
// same way (-admin-token, VENDORHOOKS_ADMIN_TOKEN, the database): after the
// run the simulator reads the newest stored event back with it.
//
// It prints a progress line each second, then a summary table: per vendor
// the requests sent, 2xx, 4xx, 5xx and latency percentiles; per fault what
// it produced:
//
//	     vendor  sent  ok  4xx  5xx  bad answer  no answer  dropped  unexpected     p50      p95      p99
//	        wms    57  53    4    0           0          0        2           0  11.17ms  177.49ms  480.64ms
//	fault      injected  unexpected  outcomes
//	duplicate  20        0           200×20
//	drop       18        0           not sent×18
//	badauth    4         0           401×4
//
// Duplicated, reordered and slow deliveries must succeed; bad keys or MACs,
// truncated and oversized bodies must be refused with a 4xx. The exit status
// is 1 when a request that should have succeeded did not, or one that should
// have failed succeeded; 2 for a usage error or a vendor named by -vendor
// that could not run (no key). What the faults left behind shows in the
// receiver's rows: curl 'localhost:8080/events?vendor=wms' lists WMS events
// with the sequence tracker's verdict (gap, late).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/vendorhooks/vendorhooks/examples/receiver/server"
	"github.com/vendorhooks/vendorhooks/examples/simulate/sim"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg sim.Config
	fs.StringVar(&cfg.URL, "url", "http://127.0.0.1:8080", "receiver base URL")
	vendor := fs.String("vendor", "all", "vendor to simulate: "+strings.Join(sim.Vendors, ", ")+" or all (comma-separated list allowed)")
	fs.IntVar(&cfg.Sessions, "sessions", 2, "concurrent sessions per vendor")
	fs.Float64Var(&cfg.Rate, "rate", 20, "messages per second per session (0: as fast as the receiver answers)")
	fs.DurationVar(&cfg.Duration, "duration", 0, "keep starting sessions until this much time has passed (a Petal stream lasts this long); 0: -sessions sessions per vendor, once")
	fs.IntVar(&cfg.EEGMessages, "eeg-messages", 60, "messages per Petal stream when -duration is 0")
	faults := fs.String("faults", "", "faults to inject: duplicate, drop, reorder, badauth, truncate, oversize, slow, all or none")
	fs.Float64Var(&cfg.FaultRate, "fault-rate", 0.1, "probability that a request carries a fault")
	fs.IntVar(&cfg.Oversize, "oversize-bytes", 0, "body size of an oversized delivery (0: one byte over the vendor package's default limit)")
	fs.DurationVar(&cfg.SlowDelay, "slow", 0, "total pause while a slow sender sends one body (default 400ms)")
	fs.Uint64Var(&cfg.Seed, "seed", 0, "random seed (0: from the clock)")
	fs.StringVar(&cfg.SleepVersion, "sleep-version", "V3", "Asleep callback version: V1, V2 or V3")
	fs.IntVar(&cfg.SleepWindows, "sleep-windows", 96, "5-minute inference windows per Asleep night (96 = 8 hours)")
	fs.BoolVar(&cfg.EEGPython, "eeg-python", false, "post Petal messages as Python-literal text")
	quiet := fs.Bool("quiet", false, "no progress line")
	cfg.Paths = map[string]string{}
	paths := map[string]*string{}
	for _, v := range sim.Vendors {
		paths[v] = fs.String(v+"-path", sim.DefaultPaths[v], v+" mount path on the receiver")
	}
	// Keys default to the environment after parsing, so -h never prints one.
	sleepKey := fs.String("sleep-key", "", "Asleep x-api-key (default: first of $VENDORHOOKS_SLEEP_API_KEYS)")
	signageKey := fs.String("signage-key", "", "Signage API key (default: first of $VENDORHOOKS_SIGNAGE_API_KEYS)")
	wmsSecret := fs.String("wms-secret", "", "WMS MAC secret (default: first of $VENDORHOOKS_WMS_SECRETS)")
	adminToken := fs.String("admin-token", "", "the receiver's admin token, to read back what it stored after the run (default: $VENDORHOOKS_ADMIN_TOKEN, else the one the receiver generated in -db)")
	dbPath := fs.String("db", "./vendorhooks.db", "the receiver's database: keys neither given by flag nor in the environment are read from the ones the receiver generated there")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "simulate: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	var err error
	if cfg.Faults, err = sim.ParseFaults(*faults); err != nil {
		fmt.Fprintln(stderr, "simulate:", err)
		return 2
	}
	explicit := *vendor != "all"
	if explicit {
		cfg.Vendors = strings.Split(*vendor, ",")
	}
	for v, p := range paths {
		cfg.Paths[v] = *p
	}
	cfg.SleepAPIKey = orEnv(*sleepKey, "VENDORHOOKS_SLEEP_API_KEYS")
	cfg.SignageAPIKey = orEnv(*signageKey, "VENDORHOOKS_SIGNAGE_API_KEYS")
	cfg.WMSSecret = orEnv(*wmsSecret, "VENDORHOOKS_WMS_SECRETS")
	token := orEnv(*adminToken, "VENDORHOOKS_ADMIN_TOKEN")
	if cfg.SleepAPIKey == "" || cfg.SignageAPIKey == "" || cfg.WMSSecret == "" || token == "" {
		// The receiver generates the keys it was not given; read them from
		// its database, as a user would copy them from its start-up lines.
		generated, err := server.GeneratedKeys(context.Background(), *dbPath)
		switch {
		case err == nil:
			var used []string
			for _, k := range []struct {
				vendor string
				dst    *string
			}{{"sleep", &cfg.SleepAPIKey}, {"signage", &cfg.SignageAPIKey}, {"wms", &cfg.WMSSecret}, {"admin", &token}} {
				if *k.dst == "" && generated[k.vendor] != "" {
					*k.dst = generated[k.vendor]
					used = append(used, k.vendor)
				}
			}
			if len(used) > 0 {
				// Say so: a receiver started with a key of its own since
				// then answers these 401.
				fmt.Fprintf(stderr, "simulate: %s keys: the ones the receiver generated in %s\n", strings.Join(used, ", "), *dbPath)
			}
		case !errors.Is(err, os.ErrNotExist):
			fmt.Fprintln(stderr, "simulate: reading generated keys:", err)
		}
	}
	if !*quiet {
		cfg.Progress = stderr
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := sim.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "simulate:", err)
		return 2
	}
	if err := res.WriteSummary(stdout); err != nil {
		fmt.Fprintln(stderr, "simulate:", err)
		return 2
	}
	readBack(ctx, stderr, cfg.URL, token)
	switch {
	case !res.Clean():
		return 1
	case explicit && len(res.Skipped) > 0:
		fmt.Fprintf(stderr, "simulate: %d of the vendors named by -vendor could not run\n", len(res.Skipped))
		return 2
	}
	return 0
}

// orEnv returns flag when set, otherwise the first entry of the
// comma-separated list in the environment variable env (the receiver accepts
// every entry, for rotation).
func orEnv(flag, env string) string {
	if flag != "" {
		return flag
	}
	first, _, _ := strings.Cut(os.Getenv(env), ",")
	return strings.TrimSpace(first)
}
