package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/vendorhooks/vendorhooks/internal/golden" // every test binary must accept -update
	"github.com/vendorhooks/vendorhooks/wms"
)

func fakeConfig(t *testing.T, f *fakeReceiver) Config {
	f.sleepKey, f.signageKey, f.wmsSecret = "sleep-key", "signage-key", "wms-secret"
	_, cfg := newFake(t, f)
	cfg.Sessions = 3
	cfg.Seed = 42
	cfg.SleepWindows = 8
	cfg.EEGMessages = 30
	cfg.SlowDelay = 20 * time.Millisecond
	return cfg
}

func TestRunCleanAgainstFake(t *testing.T) {
	f := &fakeReceiver{}
	cfg := fakeConfig(t, f)
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, res.WriteSummary(&buf))
	require.True(t, res.Clean(), buf.String())
	assert.Empty(t, res.Faults)
	for _, v := range Vendors {
		s := res.Vendors[v]
		require.NotNil(t, s, v)
		assert.Positive(t, s.Sent, v)
		assert.Equal(t, s.Sent, s.OK, v)
		assert.Equal(t, acknowledged(res, v), f.count(v), "%s: every acknowledged request stored once", v)
	}
	// EEG streams show all six kinds.
	kinds := map[string]bool{}
	for _, o := range res.Outcomes {
		if o.Req.Vendor == EEG {
			kinds[o.Req.Kind] = true
		}
	}
	assert.Len(t, kinds, 6)
	assert.Contains(t, buf.String(), "ok: every request got the answer it should have")
}

func TestRunWithAllFaults(t *testing.T) {
	f := &fakeReceiver{}
	cfg := fakeConfig(t, f)
	cfg.Faults = AllFaults()
	cfg.FaultRate = 0.4
	cfg.Oversize = fakeLimit + 1
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, res.WriteSummary(&buf))
	require.True(t, res.Clean(), buf.String())
	for _, fault := range AllFaults() {
		s := res.Faults[fault]
		require.NotNil(t, s, "fault %s never injected", fault)
		assert.Positive(t, s.Injected, fault)
		assert.Zero(t, s.Unexpected, fault)
	}
	assert.Equal(t, res.Faults[FaultDrop].Injected, res.Faults[FaultDrop].Outcomes["not sent"])
	assert.Equal(t, res.Faults[FaultBadAuth].Injected, res.Faults[FaultBadAuth].Outcomes["401"])
	assert.Equal(t, res.Faults[FaultOversize].Injected, res.Faults[FaultOversize].Outcomes["413"])
	// Stored rows: every 2xx once, except WMS duplicates.
	wmsKeys := map[string]bool{}
	for _, o := range res.Outcomes {
		if o.Req.Vendor == WMS && o.Succeeded() {
			wmsKeys[o.Req.Session+"/"+string(encodeJSON(o.Req.Seq))] = true
		}
	}
	assert.Equal(t, len(wmsKeys), f.count(WMS))
	for _, v := range []string{EEG, Sleep, Signage, Labvanced} {
		assert.Equal(t, acknowledged(res, v), f.count(v), v)
	}
	out := buf.String()
	for _, fault := range AllFaults() {
		assert.Contains(t, out, fault.String())
	}
}

// acknowledged counts the 2xx answers to requests that carry an event.
func acknowledged(res *Result, vendor string) int {
	n := 0
	for _, o := range res.Outcomes {
		if o.Req.Vendor == vendor && o.Succeeded() && !o.Req.NoEvent {
			n++
		}
	}
	return n
}

func TestRunDetectsBrokenReceiver(t *testing.T) {
	f := &fakeReceiver{lenient: true}
	cfg := fakeConfig(t, f)
	cfg.Vendors = []string{WMS, Sleep}
	cfg.Faults = []Fault{FaultBadAuth}
	cfg.FaultRate = 1
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	assert.False(t, res.Clean())
	assert.Equal(t, res.Faults[FaultBadAuth].Injected, res.Unexpected())
	var buf bytes.Buffer
	require.NoError(t, res.WriteSummary(&buf))
	assert.Contains(t, buf.String(), "FAIL:")
	assert.Contains(t, buf.String(), "(fault badauth): want failure, got 2")
}

func TestRunSkipsVendorsWithoutKeys(t *testing.T) {
	f := &fakeReceiver{}
	cfg := fakeConfig(t, f)
	cfg.SleepAPIKey, cfg.WMSSecret = "", ""
	cfg.Vendors = []string{Sleep, WMS, Labvanced}
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	assert.True(t, res.Clean())
	assert.Contains(t, res.Skipped[Sleep], "VENDORHOOKS_SLEEP_API_KEYS")
	assert.Contains(t, res.Skipped[WMS], "VENDORHOOKS_WMS_SECRETS")
	assert.NotContains(t, res.Vendors, Sleep)
	assert.Positive(t, acknowledged(res, Labvanced))
}

func TestRunUnknownVendor(t *testing.T) {
	_, err := Run(context.Background(), Config{URL: "http://127.0.0.1:1", Vendors: []string{"fax"}})
	require.ErrorContains(t, err, `unknown vendor "fax"`)
	_, err = Run(context.Background(), Config{URL: "http://127.0.0.1:1", Vendors: []string{Sleep}, SleepAPIKey: "k", SleepVersion: "V9"})
	require.ErrorContains(t, err, `unknown Asleep callback version "V9"`)
	_, err = Run(context.Background(), Config{URL: "127.0.0.1:8080", Vendors: []string{EEG}})
	require.ErrorContains(t, err, `want http://host:port`)
}

func TestRunPacesAndReportsProgress(t *testing.T) {
	f := &fakeReceiver{}
	cfg := fakeConfig(t, f)
	cfg.Vendors = []string{EEG}
	cfg.Sessions = 1
	cfg.Rate = 50
	cfg.Duration = 300 * time.Millisecond // 15 messages
	cfg.Every = 100 * time.Millisecond
	var progress syncBuffer
	cfg.Progress = &progress
	start := time.Now()
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	assert.Equal(t, 15, res.Vendors[EEG].Sent)
	assert.GreaterOrEqual(t, time.Since(start), 14*20*time.Millisecond, "15 messages at 50/s take at least 280ms")
	assert.Contains(t, progress.String(), "eeg sent=")
}

func TestRunDurationRepeatsSessions(t *testing.T) {
	f := &fakeReceiver{}
	cfg := fakeConfig(t, f)
	cfg.Vendors = []string{Signage, Labvanced}
	cfg.Sessions = 2
	cfg.Duration = 200 * time.Millisecond
	start := time.Now()
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), cfg.Duration)
	assert.True(t, res.Clean())
	sessions := map[string]bool{}
	for _, o := range res.Outcomes {
		if o.Req.Vendor == Labvanced {
			sessions[o.Req.Session] = true
		}
	}
	assert.Greater(t, len(sessions), 2, "slots start new sessions until the duration passed")
	assert.Greater(t, res.Vendors[Signage].Sent, 2*13)
}

func TestRunCancelled(t *testing.T) {
	f := &fakeReceiver{}
	cfg := fakeConfig(t, f)
	cfg.Vendors = []string{EEG}
	cfg.Rate = 10
	cfg.EEGMessages = 1000
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	res, err := Run(ctx, cfg)
	require.NoError(t, err)
	assert.True(t, res.Clean(), "unsent requests are not judged")
	assert.Less(t, res.Vendors[EEG].Sent, 3*1000)
	assert.Equal(t, acknowledged(res, EEG), f.count(EEG))
}

func TestParseFaults(t *testing.T) {
	fs, err := ParseFaults("dup, drop,bad-mac,dup")
	require.NoError(t, err)
	assert.Equal(t, []Fault{FaultDuplicate, FaultDrop, FaultBadAuth}, fs)
	fs, err = ParseFaults("all")
	require.NoError(t, err)
	assert.Len(t, fs, int(numFaults)-1)
	fs, err = ParseFaults("")
	require.NoError(t, err)
	assert.Empty(t, fs)
	_, err = ParseFaults("dup,meteor")
	require.ErrorContains(t, err, `unknown fault "meteor"`)
}

func TestInjectorWMSSequence(t *testing.T) {
	g := &wmsGen{secret: "s"}
	rng := rand.New(rand.NewPCG(1, 2))
	clean := g.Session(rng, 0)
	n := len(clean)
	for _, tc := range []struct {
		fault      Fault
		wantSent   int
		wantDrop   int
		wantFailed int
	}{
		{FaultDrop, 0, n, 0},
		{FaultDuplicate, 2 * n, 0, 0},
		{FaultBadAuth, 2 * n, 0, n},
		{FaultTruncate, 2 * n, 0, n},
		{FaultOversize, 2 * n, 0, n},
		{FaultSlow, n, 0, 0},
	} {
		in := &injector{gen: g, faults: []Fault{tc.fault}, rate: 1, oversize: 4096}
		send, dropped := in.apply(rng, 0, cloneAll(clean))
		assert.Len(t, send, tc.wantSent, tc.fault)
		assert.Len(t, dropped, tc.wantDrop, tc.fault)
		failed := 0
		for _, r := range send {
			if r.Expect == ExpectFailure {
				failed++
				assert.Equal(t, tc.fault, r.Fault)
			}
			assert.NotEmpty(t, r.Header.Get(wms.MACHeader), "every request leaves signed")
			if tc.fault == FaultOversize && r.Fault == FaultOversize {
				assert.GreaterOrEqual(t, len(r.Body), 4096)
				assert.True(t, json.Valid(r.Body), "padded body stays valid JSON")
			}
		}
		assert.Equal(t, tc.wantFailed, failed, tc.fault)
	}
	// Reordering swaps neighbours: sequence numbers go 1,0,3,2,...
	in := &injector{gen: g, faults: []Fault{FaultReorder}, rate: 1}
	send, _ := in.apply(rng, 0, cloneAll(clean))
	require.Len(t, send, n)
	assert.Equal(t, 1, send[0].Seq)
	assert.Equal(t, 0, send[1].Seq)
}

func cloneAll(rs []*Request) []*Request {
	out := make([]*Request, len(rs))
	for i, r := range rs {
		out[i] = r.clone()
	}
	return out
}

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	assert.Equal(t, 50*time.Millisecond, percentile(ds, 50))
	assert.Equal(t, 95*time.Millisecond, percentile(ds, 95))
	assert.Equal(t, 99*time.Millisecond, percentile(ds, 99))
	assert.Equal(t, 100*time.Millisecond, percentile(ds, 100))
	assert.Zero(t, percentile(nil, 50))
	assert.Equal(t, 7*time.Millisecond, percentile([]time.Duration{7 * time.Millisecond}, 99))
}

func TestEncodings(t *testing.T) {
	v := obj{}.set("a", "it's").set("b", true).set("c", nil).set("d", []any{1, 2.5, "bad_data"}).set("e", obj{}.set("f", 3.0))
	assert.Equal(t, `{"a":"it's","b":true,"c":null,"d":[1,2.5,"bad_data"],"e":{"f":3}}`, string(encodeJSON(v)))
	assert.Equal(t, `{'a': 'it\'s', 'b': True, 'c': None, 'd': [1, 2.5, 'bad_data'], 'e': {'f': 3.0}}`, string(encodePython(v)))

}

func TestSleepNightIsConsistent(t *testing.T) {
	for _, version := range []string{"V1", "V2", "V3"} {
		g := &sleepGen{key: "k", version: version, windows: 12}
		require.NoError(t, g.check())
		reqs := g.Session(rand.New(rand.NewPCG(3, 4)), 0)
		require.Len(t, reqs, 13, version)
		var lens []int
		for _, r := range reqs[:12] {
			var env struct {
				Data         map[string]any
				CallbackData map[string]any `json:"callback_data"`
			}
			require.NoError(t, json.Unmarshal(r.Body, &env), version)
			data, stages := env.Data, "sleep_stages"
			if version != "V3" {
				data, stages = env.CallbackData, "stage_list"
			}
			lens = append(lens, len(data[stages].([]any)))
		}
		assert.Equal(t, []int{10, 20, 30, 40, 40, 40, 40, 40, 40, 40, 40, 40}, lens, version)
		last := reqs[12]
		assert.Equal(t, "SESSION_COMPLETE", last.Kind)
		type stat struct {
			TimeInBed         int `json:"time_in_bed"`
			TimeInSleepPeriod int `json:"time_in_sleep_period"`
			TimeInSleep       int `json:"time_in_sleep"`
			TimeInWake        int `json:"time_in_wake"`
			TimeInLight       int `json:"time_in_light"`
			TimeInDeep        int `json:"time_in_deep"`
			TimeInREM         int `json:"time_in_rem"`
		}
		type report struct {
			Session struct {
				SleepStages []int `json:"sleep_stages"`
			}
			Stat stat
		}
		var env struct {
			Data         report
			CallbackData struct {
				SleepData report `json:"sleep_data"`
			} `json:"callback_data"`
		}
		require.NoError(t, json.Unmarshal(last.Body, &env))
		rep := env.Data
		if version != "V3" {
			rep = env.CallbackData.SleepData
		}
		st := rep.Stat
		assert.Equal(t, 120*30, st.TimeInBed, version)
		assert.Equal(t, st.TimeInSleepPeriod, st.TimeInSleep+st.TimeInWake+30*noData(rep.Session.SleepStages), "%s: period = sleep + wake + no data", version)
		assert.Equal(t, st.TimeInSleep, st.TimeInLight+st.TimeInDeep+st.TimeInREM, version)
		assert.Positive(t, st.TimeInSleep, version)
	}
}

// noData counts the no-data epochs (-1) between the first and the last
// sleep epoch.
func noData(stages []int) int {
	first, last := -1, -1
	for i, s := range stages {
		if s > 0 {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	n := 0
	for i := first; i >= 0 && i <= last; i++ {
		if stages[i] == -1 {
			n++
		}
	}
	return n
}

// pingGen is a vendor of the user's own: three GETs with a token header.
type pingGen struct{ token string }

func (g *pingGen) Vendor() string { return "ping" }
func (g *pingGen) Session(_ *rand.Rand, n int) []*Request {
	var reqs []*Request
	for i := range 3 {
		reqs = append(reqs, &Request{Vendor: "ping", Kind: "ping", Seq: i, Method: http.MethodGet, Header: http.Header{}})
	}
	return reqs
}
func (g *pingGen) Authorize(r *Request, valid bool) bool {
	r.Header.Set("X-Token", map[bool]string{true: g.token, false: "nope"}[valid])
	return true
}

func TestRunCustomGenerator(t *testing.T) {
	var mu sync.Mutex
	hits := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.URL.Path+" "+r.Header.Get("X-Token")]++
		mu.Unlock()
		if r.Header.Get("X-Token") != "t" {
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	t.Cleanup(srv.Close)
	res, err := Run(context.Background(), Config{
		URL: srv.URL, Generators: []Generator{&pingGen{token: "t"}}, Paths: map[string]string{"ping": "/hooks/ping"},
		Sessions: 2, Faults: []Fault{FaultBadAuth}, FaultRate: 1, Seed: 1,
	})
	require.NoError(t, err)
	assert.True(t, res.Clean())
	assert.Equal(t, map[string]int{"/hooks/ping t": 6, "/hooks/ping nope": 6}, hits)
	assert.Equal(t, 6, res.Faults[FaultBadAuth].Outcomes["401"])
}

func TestNewGenerator(t *testing.T) {
	_, err := NewGenerator(WMS, Config{})
	require.ErrorIs(t, err, ErrNoKey)
	g, err := NewGenerator(WMS, Config{WMSSecret: "s"})
	require.NoError(t, err)
	reqs := g.Session(rand.New(rand.NewPCG(1, 1)), 0)
	require.NotEmpty(t, reqs)
	assert.Equal(t, "WMS_LOADED", reqs[0].Kind)
	assert.Equal(t, 0, reqs[0].Seq)
}

// A 2xx whose body the vendor would not accept is counted as a bad answer.
func TestRunCountsBadAnswers(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"message":"Error"}`))
	}))
	t.Cleanup(srv.Close)
	res, err := Run(context.Background(), Config{URL: srv.URL, Vendors: []string{Signage}, SignageAPIKey: "k", Seed: 3})
	require.NoError(t, err)
	s := res.Vendors[Signage]
	assert.Positive(t, s.Sent)
	assert.Equal(t, s.Sent, s.BadAnswer)
	assert.Zero(t, s.OK)
	assert.Equal(t, s.Sent, res.Unexpected())
	var buf bytes.Buffer
	require.NoError(t, res.WriteSummary(&buf))
	assert.Contains(t, buf.String(), `got 200 bad answer want {"message":"success"}`)
}

// TestSlowSenderSendsInPieces checks that a slow delivery reaches the
// receiver in several pieces spread over the configured delay, whole.
func TestSlowSenderSendsInPieces(t *testing.T) {
	body := bytes.Repeat([]byte("x"), 1000)
	type seen struct {
		reads int
		took  time.Duration
		got   []byte
	}
	seenc := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var s seen
		start := time.Now()
		buf := make([]byte, 4096)
		for {
			n, err := r.Body.Read(buf)
			if n > 0 {
				s.reads++
				s.got = append(s.got, buf[:n]...)
			}
			if err != nil {
				break
			}
		}
		s.took = time.Since(start)
		seenc <- s
	}))
	t.Cleanup(srv.Close)
	const delay = 200 * time.Millisecond
	s := &sender{client: srv.Client(), base: srv.URL, paths: map[string]string{EEG: "/eeg/"}, slowDelay: delay}
	o := s.send(context.Background(), &Request{Vendor: EEG, Method: http.MethodPost, Header: http.Header{}, Body: body, Slow: true})
	require.True(t, o.Succeeded(), "%+v", o)
	got := <-seenc
	assert.Equal(t, body, got.got, "the whole body arrives")
	assert.GreaterOrEqual(t, got.reads, 2, "the body arrives in pieces")
	// The first piece waits before the headers go out; the other pieces
	// arrive at least delay/slowPieces apart.
	assert.GreaterOrEqual(t, got.took, (slowPieces-1)*delay/slowPieces*9/10, "the pieces are spread over the delay")
}
