// Package sim simulates the webhook traffic of the five vendors vendorhooks
// knows (Petal Metrics EEG, Asleep, Peak Signage, Labvanced, NuraLogix WMS)
// against a receiver, with the faults real senders and networks produce.
//
// A run builds whole sessions per vendor (a Petal stream, an Asleep night, a
// Labvanced participant, a WMS measurement, Signage triggers), injects faults
// into them, sends them concurrently, and judges every answer against what
// the request should produce: ordinary deliveries, duplicates, reordered and
// slow ones must succeed; bad keys, truncated and oversized bodies must fail.
// The Result counts everything; Result.Clean reports whether the receiver
// answered every request as it should have.
package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vendorhooks/vendorhooks/eeg"
	"github.com/vendorhooks/vendorhooks/labvanced"
	"github.com/vendorhooks/vendorhooks/signage"
	"github.com/vendorhooks/vendorhooks/sleep"
	"github.com/vendorhooks/vendorhooks/wms"
)

// Vendor names, as -vendor takes them and the receiver stores them.
const (
	EEG       = "eeg"
	Sleep     = "sleep"
	Signage   = "signage"
	Labvanced = "labvanced"
	WMS       = "wms"
)

// Vendors lists every vendor, in the order "all" runs them.
var Vendors = []string{EEG, Sleep, Signage, Labvanced, WMS}

// DefaultPaths are the vendors' mount points in examples/receiver.
var DefaultPaths = map[string]string{
	EEG:       "/eeg/",
	Sleep:     "/sleep/",
	Signage:   "/signage/public-api/integration/webhooks",
	Labvanced: "/labvanced/",
	WMS:       "/wms/",
}

// Generator builds one vendor's sessions.
type Generator interface {
	// Vendor returns the vendor's name (EEG, Sleep, ...).
	Vendor() string
	// Session returns the requests of session n (counting from 0) in the
	// order the vendor sends them, not yet authorized.
	Session(rng *rand.Rand, n int) []*Request
	// Authorize sets r's credentials: the configured ones when valid is
	// true, wrong ones when false. It reports false when the vendor has no
	// authentication (so no bad-key fault applies). It is called after every
	// change to the body.
	Authorize(r *Request, valid bool) bool
}

// Config describes a run.
type Config struct {
	URL     string   // receiver base URL, "http://127.0.0.1:8080"
	Vendors []string // vendors to run; empty means all
	// Generators, when set, are run instead of the built-in generators of
	// Vendors: wrap a NewGenerator, or simulate a vendor of your own (its
	// path is Paths[g.Vendor()]).
	Generators []Generator
	Paths      map[string]string // mount path per vendor; missing entries use DefaultPaths
	Sessions   int               // concurrent sessions per vendor (default 1)
	// Rate is the messages per second each session sends; 0 sends as fast as
	// the receiver answers.
	Rate float64
	// Duration, when set, keeps every vendor busy: each of its Sessions
	// slots starts a new session after the last one ended until Duration has
	// passed (a session under way is finished). With Rate set, a Petal
	// stream lasts Duration (Rate × Duration messages). 0 sends Sessions
	// sessions per vendor, once.
	Duration    time.Duration
	EEGMessages int // default 60

	Faults    []Fault
	FaultRate float64 // probability that a request carries a fault (default 0.1 when Faults is set)
	// Oversize is the body size of an oversized delivery; 0 means one byte
	// over the vendor package's default limit (OversizeDefault).
	Oversize  int
	SlowDelay time.Duration // total pause of a slow body (default 400ms)

	SleepAPIKey   string // x-api-key sent to Asleep's receiver
	SleepVersion  string // "V1", "V2" or "V3" (default)
	SleepWindows  int    // 5-minute inference windows per night (default 96: 8 hours)
	SignageAPIKey string
	WMSSecret     string
	EEGPython     bool // post Petal messages as Python-literal text instead of JSON

	Seed     uint64        // 0 picks one from the clock
	Client   *http.Client  // nil uses a client with a 30 s timeout
	Progress io.Writer     // progress lines go here (nil: none)
	Every    time.Duration // progress interval (default 1 s)
}

// OversizeDefault is the size of an oversized delivery for vendor: one byte
// over its package's default body limit (32 MiB for Labvanced, whose trials
// can be large; 1 MiB for the others).
func OversizeDefault(vendor string) int {
	limits := map[string]int64{
		EEG:       eeg.DefaultMaxBodyBytes,
		Sleep:     sleep.DefaultMaxBodyBytes,
		Signage:   signage.DefaultMaxBodyBytes,
		Labvanced: labvanced.DefaultMaxBodyBytes,
		WMS:       wms.DefaultMaxBodyBytes,
	}
	return int(limits[vendor]) + 1
}

// supported drops the faults g cannot show at all (a bad key for a vendor
// without keys).
func supported(g Generator, faults []Fault) []Fault {
	probe := &Request{Header: http.Header{}, Query: url.Values{}}
	return slices.DeleteFunc(slices.Clone(faults), func(f Fault) bool {
		return f == FaultBadAuth && !g.Authorize(probe, false)
	})
}

// ErrNoKey reports a vendor that needs a key or secret the config lacks.
var ErrNoKey = errors.New("sim: no key configured")

// NewGenerator returns the built-in generator of vendor (EEG, Sleep, ...),
// configured from cfg: keys, the Asleep version and night length, the length
// and form of a Petal stream, the seed (which numbers Labvanced sessions).
// The error wraps ErrNoKey when the vendor needs a key or secret cfg lacks.
func NewGenerator(vendor string, cfg Config) (Generator, error) {
	cfg.defaults()
	noKey := func(env, flag string) error {
		return fmt.Errorf("%w: set %s or %s", ErrNoKey, env, flag)
	}
	switch vendor {
	case EEG:
		return &eegGen{python: cfg.EEGPython, messages: cfg.eegMessages()}, nil
	case Sleep:
		if cfg.SleepAPIKey == "" {
			return nil, noKey("VENDORHOOKS_SLEEP_API_KEYS", "-sleep-key")
		}
		g := &sleepGen{key: cfg.SleepAPIKey, version: cfg.SleepVersion, windows: cfg.SleepWindows}
		return g, g.check()
	case Signage:
		if cfg.SignageAPIKey == "" {
			return nil, noKey("VENDORHOOKS_SIGNAGE_API_KEYS", "-signage-key")
		}
		return &signageGen{key: cfg.SignageAPIKey}, nil
	case Labvanced:
		return &labvancedGen{base: 100000 + int(cfg.Seed%800000)*100}, nil
	case WMS:
		if cfg.WMSSecret == "" {
			return nil, noKey("VENDORHOOKS_WMS_SECRETS", "-wms-secret")
		}
		return &wmsGen{secret: cfg.WMSSecret}, nil
	}
	return nil, fmt.Errorf("sim: unknown vendor %q", vendor)
}

// generators returns cfg.Generators, or the built-in generators of
// cfg.Vendors and why any was skipped.
func generators(cfg *Config) ([]Generator, map[string]error, error) {
	if len(cfg.Generators) > 0 {
		return cfg.Generators, nil, nil
	}
	skipped := map[string]error{}
	var gens []Generator
	for _, v := range cfg.Vendors {
		g, err := NewGenerator(v, *cfg)
		switch {
		case errors.Is(err, ErrNoKey):
			skipped[v] = err
			continue
		case err != nil:
			return nil, nil, err
		}
		gens = append(gens, g)
	}
	return gens, skipped, nil
}

func (cfg *Config) eegMessages() int {
	if cfg.Rate > 0 && cfg.Duration > 0 {
		return max(1, int(cfg.Rate*cfg.Duration.Seconds()))
	}
	if cfg.EEGMessages > 0 {
		return cfg.EEGMessages
	}
	return 60
}

func (cfg *Config) defaults() {
	if len(cfg.Vendors) == 0 {
		cfg.Vendors = Vendors
	}
	if cfg.Sessions <= 0 {
		cfg.Sessions = 1
	}
	if cfg.FaultRate <= 0 {
		cfg.FaultRate = 0.1
	}
	if cfg.SlowDelay <= 0 {
		cfg.SlowDelay = 400 * time.Millisecond
	}
	if cfg.Seed == 0 {
		cfg.Seed = uint64(time.Now().UnixNano())
	}
	if cfg.Every <= 0 {
		cfg.Every = time.Second
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 30 * time.Second}
	}
}

// Run sends cfg's sessions and returns what happened. It returns an error
// only for a config it cannot run (an unknown vendor, a URL that is not http
// or https); a receiver that answers wrongly shows in the Result. Vendors
// lacking a key are skipped and named in Result.Skipped. Cancelling ctx
// stops sending; what was not sent is not judged.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	cfg.defaults()
	if u, err := url.Parse(cfg.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("sim: receiver URL %q: want http://host:port", cfg.URL)
	}
	gens, skipped, err := generators(&cfg)
	if err != nil {
		return nil, err
	}
	paths := map[string]string{}
	for v, p := range DefaultPaths {
		paths[v] = p
	}
	for v, p := range cfg.Paths {
		if p != "" {
			paths[v] = p
		}
	}
	s := &sender{client: cfg.Client, base: cfg.URL, paths: paths, slowDelay: cfg.SlowDelay}
	rc := newRecorder()
	for v, err := range skipped {
		rc.res.Skipped[v] = strings.TrimPrefix(err.Error(), "sim: ")
	}
	for _, g := range gens {
		rc.vendor(g.Vendor())
	}
	start := time.Now()
	stop := make(chan struct{})
	var progress sync.WaitGroup
	if cfg.Progress != nil {
		progress.Go(func() {
			t := time.NewTicker(cfg.Every)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
					fmt.Fprintln(cfg.Progress, rc.progress(time.Since(start)))
				}
			}
		})
	}
	var wg sync.WaitGroup
	for gi, g := range gens {
		oversize := cfg.Oversize
		if oversize <= 0 {
			oversize = OversizeDefault(g.Vendor())
		}
		in := &injector{gen: g, faults: supported(g, cfg.Faults), rate: cfg.FaultRate, oversize: oversize}
		for slot := range cfg.Sessions {
			wg.Go(func() {
				// Slot k runs sessions k, k+Sessions, k+2×Sessions...
				for n := slot; ; n += cfg.Sessions {
					rng := rand.New(rand.NewPCG(cfg.Seed, uint64(gi)<<32|uint64(n)))
					runSession(ctx, s, rc, in, rng, n, cfg.Rate)
					paced := g.Vendor() == EEG && cfg.Rate > 0 // the stream itself lasts Duration
					if cfg.Duration <= 0 || paced || time.Since(start) >= cfg.Duration || ctx.Err() != nil {
						return
					}
				}
			})
		}
	}
	wg.Wait()
	close(stop)
	progress.Wait()
	rc.res.Elapsed = time.Since(start)
	return rc.res, nil
}

// runSession sends one session in order, paced at rate messages per second.
func runSession(ctx context.Context, s *sender, rc *recorder, in *injector, rng *rand.Rand, n int, rate float64) {
	send, dropped := in.apply(rng, n, in.gen.Session(rng, n))
	for _, r := range dropped {
		rc.add(Outcome{Req: r, Expected: true})
	}
	var tick *time.Ticker
	if rate > 0 {
		tick = time.NewTicker(time.Duration(float64(time.Second) / rate))
		defer tick.Stop()
	}
	for i, r := range send {
		if ctx.Err() != nil {
			rc.add(Outcome{Req: r, Expected: true})
			continue
		}
		if tick != nil && i > 0 {
			select {
			case <-ctx.Done():
			case <-tick.C:
			}
		}
		rc.add(s.send(ctx, r))
	}
}
