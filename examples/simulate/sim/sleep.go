package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/vendorhooks/vendorhooks/sleep"
)

// sleepGen builds Asleep nights: an INFERENCE_COMPLETE per 5-minute window
// whose stage lists grow to the last 40 epochs (20 minutes), then a
// SESSION_COMPLETE whose report agrees with the stages sent.
type sleepGen struct {
	key     string
	version string // V1, V2, V3
	windows int    // 5-minute windows per night
}

const epochsPerWindow = 10 // 30-second epochs in a 5-minute window

func (g *sleepGen) check() error {
	switch g.version {
	case "":
		g.version = "V3"
	case "V1", "V2", "V3":
	default:
		return fmt.Errorf("sim: unknown Asleep callback version %q (want V1, V2 or V3)", g.version)
	}
	if g.windows <= 0 {
		g.windows = 96
	}
	return nil
}

func (g *sleepGen) Vendor() string { return Sleep }

func (g *sleepGen) Authorize(r *Request, valid bool) bool {
	key := g.key
	if !valid {
		key = "wrong-" + key
	}
	r.Header.Set(sleep.HeaderAPIKey, key)
	return true
}

// night is one simulated night, epoch by epoch.
type night struct {
	user, session string
	start         time.Time
	stages        []int // -1 no data, 0 wake, 1 light, 2 deep, 3 REM
	snoring       []int // 0 none, 1 snoring
	breath        []int // 0 stable, 1 unstable
	osa           []int // 0 none, 1 apnea, 2 hypopnea
}

func newNight(rng *rand.Rand, n, windows int) *night {
	loc := time.FixedZone("KST", 9*3600)
	start := time.Date(2026, 11, 21, 22, 30, 0, 0, loc).Add(time.Duration(n)*time.Minute + time.Duration(rng.IntN(3600))*time.Second)
	id := start.UTC().Format("20060102150405") + "_" + letters(rng, 5)
	nt := &night{user: "G-" + start.UTC().Format("20060102150405") + "-" + letters(rng, 20), session: id, start: start}
	total := windows * epochsPerWindow
	latency := min(20+rng.IntN(30), total/4)
	for i := range total {
		var s int
		switch {
		case i < latency:
			s = 0
		case rng.Float64() < 0.02:
			s = 0 // a brief awakening
		case rng.Float64() < 0.01:
			s = -1 // the phone lost the audio
		default:
			// 90-minute cycles: light, deep early in the night, light, REM.
			phase := float64((i-latency)%180) / 180
			switch {
			case phase < 0.35:
				s = 1
			case phase < 0.6 && i < total*2/3:
				s = 2
			case phase < 0.8:
				s = 1
			default:
				s = 3
			}
		}
		nt.stages = append(nt.stages, s)
		asleep := s > 0
		nt.snoring = append(nt.snoring, b2i(asleep && rng.Float64() < 0.15))
		nt.breath = append(nt.breath, b2i(asleep && rng.Float64() < 0.1))
		osa := 0
		if asleep && rng.Float64() < 0.03 {
			osa = 1 + rng.IntN(2)
		}
		nt.osa = append(nt.osa, osa)
	}
	return nt
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func letters(rng *rand.Rand, n int) string {
	const abc = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	var b strings.Builder
	for range n {
		b.WriteByte(abc[rng.IntN(len(abc))])
	}
	return b.String()
}

func ints(s []int) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func (g *sleepGen) Session(rng *rand.Rand, n int) []*Request {
	nt := newNight(rng, n, g.windows)
	reqs := make([]*Request, 0, g.windows+1)
	for k := range g.windows {
		from, to := max(0, (k-3)*epochsPerWindow), (k+1)*epochsPerWindow
		data := obj{}.set("user_id", nt.user).set("session_id", nt.session).
			set("seq_num", k*epochsPerWindow+epochsPerWindow-1).set("inference_seq_num", k)
		switch g.version {
		case "V1":
			data = data.set("stage_list", ints(nt.stages[from:to])).set("osa_stage_list", ints(nt.osa[from:to]))
		case "V2":
			data = data.set("stage_list", ints(nt.stages[from:to])).set("breath_stages", ints(nt.breath[from:to]))
		default:
			data = data.set("sleep_stages", ints(nt.stages[from:to])).set("breath_stages", ints(nt.breath[from:to])).
				set("snoring_stages", ints(nt.snoring[from:to]))
		}
		reqs = append(reqs, g.request(nt, sleep.KindInferenceComplete, data))
	}
	report := nt.report(g.version)
	var data obj
	if g.version == "V3" {
		data = report.set("user_id", nt.user)
	} else {
		data = obj{}.set("user_id", nt.user).set("session_id", nt.session).set("sleep_data", report)
	}
	return append(reqs, g.request(nt, sleep.KindSessionComplete, data))
}

// request wraps data in the envelope of the configured version.
func (g *sleepGen) request(nt *night, event string, data obj) *Request {
	var env obj
	switch g.version {
	case "V1":
		env = obj{}.set("callback_event", event).set("callback_data", data)
	case "V2":
		env = obj{}.set("callback_event", event).set("callback_version", "V2").set("callback_data", data)
	default:
		env = obj{}.set("event", event).set("version", "V3").set("data", data)
	}
	return &Request{
		Vendor: Sleep, Kind: event, Session: nt.session, Seq: -1, Method: http.MethodPost,
		Header: http.Header{"Content-Type": {"application/json"}, http.CanonicalHeaderKey(sleep.HeaderUserID): {nt.user}},
		Body:   encodeJSON(env), Pad: padJSON,
	}
}

// report is the Get-Session object for the whole night, its statistics
// computed from the stages sent.
func (nt *night) report(version string) obj {
	const epoch = 30
	n := len(nt.stages)
	end := nt.start.Add(time.Duration(n*epoch) * time.Second)
	first, last := -1, -1
	for i, s := range nt.stages {
		if s > 0 {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	session := obj{}.set("id", nt.session).set("state", "COMPLETE").
		set("start_time", nt.start.Format(time.RFC3339)).set("end_time", end.Format(time.RFC3339)).
		set("unexpected_end_time", nil).set("created_timezone", "Asia/Seoul").
		set("sleep_stages", ints(nt.stages)).set("breath_stages", ints(nt.breath)).set("snoring_stages", ints(nt.snoring))
	missing := 0
	for _, s := range nt.stages {
		if s < 0 {
			missing++
		}
	}
	rep := obj{}.set("timezone", "Asia/Seoul")
	if first < 0 {
		rep = rep.set("peculiarities", []any{"NEVER_SLEPT"}).set("missing_data_ratio", ratio(missing, n)).
			set("session", session).set("stat", nil)
		return nt.v1(version, rep, end)
	}
	var count [4]int
	var snore, unstable, wasoCount, longest, run, snoreRuns, unstableRuns int
	for i := first; i <= last; i++ {
		s := nt.stages[i]
		if s >= 0 {
			count[s]++
		}
		if s == 0 {
			run++
			longest = max(longest, run)
		} else {
			if run > 0 {
				wasoCount++
			}
			run = 0
		}
		snore += nt.snoring[i]
		unstable += nt.breath[i]
		if nt.snoring[i] == 1 && (i == first || nt.snoring[i-1] == 0) {
			snoreRuns++
		}
		if nt.breath[i] == 1 && (i == first || nt.breath[i-1] == 0) {
			unstableRuns++
		}
	}
	period := last - first + 1
	inSleep := count[1] + count[2] + count[3]
	latencyOf := func(stage int) any {
		for i := first; i <= last; i++ {
			if nt.stages[i] == stage {
				return (i - first) * epoch
			}
		}
		return nil
	}
	cycles := (period + 90) / 180
	stat := obj{}.
		set("sleep_time", nt.start.Add(time.Duration(first*epoch)*time.Second).Format(time.RFC3339)).
		set("wake_time", nt.start.Add(time.Duration((last+1)*epoch)*time.Second).Format(time.RFC3339)).
		set("sleep_index", int(math.Round(100*float64(inSleep)/float64(n)))).
		set("sleep_latency", first*epoch).
		set("wakeup_latency", (n-last-1)*epoch).
		set("light_latency", latencyOf(1)).set("deep_latency", latencyOf(2)).set("rem_latency", latencyOf(3)).
		set("time_in_bed", n*epoch).
		set("time_in_sleep_period", period*epoch).
		set("time_in_sleep", inSleep*epoch).
		set("time_in_wake", count[0]*epoch).
		set("time_in_light", count[1]*epoch).
		set("time_in_deep", count[2]*epoch).
		set("time_in_rem", count[3]*epoch).
		set("time_in_stable_breath", (period-unstable)*epoch).
		set("time_in_unstable_breath", unstable*epoch).
		set("time_in_snoring", snore*epoch).
		set("time_in_no_snoring", (period-snore)*epoch).
		set("sleep_efficiency", ratio(inSleep, n)).
		set("sleep_ratio", ratio(inSleep, period)).
		set("wake_ratio", ratio(count[0], period)).
		set("light_ratio", ratio(count[1], period)).
		set("deep_ratio", ratio(count[2], period)).
		set("rem_ratio", ratio(count[3], period)).
		set("stable_breath_ratio", ratio(period-unstable, period)).
		set("unstable_breath_ratio", ratio(unstable, period)).
		set("snoring_ratio", ratio(snore, period)).
		set("no_snoring_ratio", ratio(period-snore, period)).
		set("breathing_index", nil).
		set("breathing_pattern", nil).
		set("waso_count", wasoCount).
		set("longest_waso", longest*epoch).
		set("sleep_cycle_count", cycles).
		set("sleep_cycle", nil).
		set("sleep_cycle_time", []any{}).
		set("unstable_breath_count", unstableRuns).
		set("snoring_count", snoreRuns)
	rep = rep.set("peculiarities", []any{}).set("missing_data_ratio", ratio(missing, n)).
		set("session", session).set("stat", stat)
	return nt.v1(version, rep, end)
}

// v1 adds what V1 sleep data carries beyond the later versions.
func (nt *night) v1(version string, rep obj, end time.Time) obj {
	if version != "V1" {
		return rep
	}
	events := 0
	for _, o := range nt.osa {
		events += b2i(o > 0)
	}
	hours := float64(len(nt.osa)) * 30 / 3600
	return rep.set("validity", "VALID").set("osa_stages", ints(nt.osa)).
		set("estimated_ahi", math.Round(float64(events)/hours*10)/10).
		set("session_end_time", end.Format(time.RFC3339))
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return math.Round(float64(a)/float64(b)*100) / 100
}
