package sleep_test

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vendorhooks/vendorhooks/sleep"
)

// plainCallback is what a receiver would write with encoding/json alone for
// the V3 SESSION_COMPLETE callback: the same fields and types (pointers for
// nullable values, time.Time for instants), one envelope spelling, no
// checks, second counts left as integers.
type plainCallback struct {
	Event   string `json:"event"`
	Version string `json:"version"`
	Data    struct {
		Timezone         string   `json:"timezone"`
		Peculiarities    []string `json:"peculiarities"`
		MissingDataRatio *float64 `json:"missing_data_ratio"`
		UserID           string   `json:"user_id"`
		Session          struct {
			ID                string     `json:"id"`
			State             string     `json:"state"`
			StartTime         time.Time  `json:"start_time"`
			EndTime           *time.Time `json:"end_time"`
			UnexpectedEndTime *time.Time `json:"unexpected_end_time"`
			CreatedTimezone   string     `json:"created_timezone"`
			SleepStages       []int      `json:"sleep_stages"`
			BreathStages      []int      `json:"breath_stages"`
			SnoringStages     []int      `json:"snoring_stages"`
		} `json:"session"`
		Stat *struct {
			SleepTime            *time.Time      `json:"sleep_time"`
			WakeTime             *time.Time      `json:"wake_time"`
			SleepIndex           *float64        `json:"sleep_index"`
			SleepLatency         *int64          `json:"sleep_latency"`
			WakeupLatency        *int64          `json:"wakeup_latency"`
			LightLatency         *int64          `json:"light_latency"`
			DeepLatency          *int64          `json:"deep_latency"`
			REMLatency           *int64          `json:"rem_latency"`
			TimeInBed            *int64          `json:"time_in_bed"`
			TimeInSleepPeriod    *int64          `json:"time_in_sleep_period"`
			TimeInSleep          *int64          `json:"time_in_sleep"`
			TimeInWake           *int64          `json:"time_in_wake"`
			TimeInLight          *int64          `json:"time_in_light"`
			TimeInDeep           *int64          `json:"time_in_deep"`
			TimeInREM            *int64          `json:"time_in_rem"`
			TimeInStableBreath   *int64          `json:"time_in_stable_breath"`
			TimeInUnstableBreath *int64          `json:"time_in_unstable_breath"`
			TimeInSnoring        *int64          `json:"time_in_snoring"`
			TimeInNoSnoring      *int64          `json:"time_in_no_snoring"`
			SleepEfficiency      *float64        `json:"sleep_efficiency"`
			SleepRatio           *float64        `json:"sleep_ratio"`
			WakeRatio            *float64        `json:"wake_ratio"`
			LightRatio           *float64        `json:"light_ratio"`
			DeepRatio            *float64        `json:"deep_ratio"`
			REMRatio             *float64        `json:"rem_ratio"`
			StableBreathRatio    *float64        `json:"stable_breath_ratio"`
			UnstableBreathRatio  *float64        `json:"unstable_breath_ratio"`
			SnoringRatio         *float64        `json:"snoring_ratio"`
			NoSnoringRatio       *float64        `json:"no_snoring_ratio"`
			BreathingIndex       *float64        `json:"breathing_index"`
			BreathingPattern     json.RawMessage `json:"breathing_pattern"`
			WASOCount            *int            `json:"waso_count"`
			LongestWASO          *int64          `json:"longest_waso"`
			SleepCycleCount      *int            `json:"sleep_cycle_count"`
			SleepCycle           []struct {
				Order     int       `json:"order"`
				StartTime time.Time `json:"start_time"`
				EndTime   time.Time `json:"end_time"`
			} `json:"sleep_cycle"`
			SleepCycleTime      []time.Time `json:"sleep_cycle_time"`
			UnstableBreathCount *int        `json:"unstable_breath_count"`
			SnoringCount        *int        `json:"snoring_count"`
		} `json:"stat"`
	} `json:"data"`
}

func benchInput(b *testing.B) []byte {
	data, err := os.ReadFile(filepath.Join(dir, "spec_session_complete.in"))
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// BenchmarkDecode decodes the spec's SESSION_COMPLETE example; compare it
// with BenchmarkDecodeBaseline (goal: within 1.3x).
func BenchmarkDecode(b *testing.B) {
	data := benchInput(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := sleep.Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeBaseline decodes the same bytes with encoding/json into
// plainCallback.
func BenchmarkDecodeBaseline(b *testing.B) {
	data := benchInput(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		var v plainCallback
		if err := json.Unmarshal(data, &v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeVsBaseline runs Decode and the encoding/json baseline in
// alternating batches on the same bytes, so that both see the same machine
// load, and reports Decode's time as a multiple of the baseline's:
// "x-baseline" over all batches, "x-baseline-min" between the fastest
// batches of each. "spec" is the spec's SESSION_COMPLETE example; "8h" is
// the same report with stage lists of an 8-hour night (960 epochs each).
func BenchmarkDecodeVsBaseline(b *testing.B) {
	spec := benchInput(b)
	night := make([]string, 960)
	for i := range night {
		night[i] = strconv.Itoa(i / 7 % 4)
	}
	list := []byte("[" + strings.Join(night, ",") + "]")
	long := bytes.ReplaceAll(spec, []byte("[0]"), list)
	for _, in := range []struct {
		name string
		data []byte
	}{{"spec", spec}, {"8h", long}} {
		b.Run(in.name, func(b *testing.B) { compareWithBaseline(b, in.data) })
	}
}

func compareWithBaseline(b *testing.B, data []byte) {
	const batch = 20
	decode := func() {
		for range batch {
			if _, err := sleep.Decode(data); err != nil {
				b.Fatal(err)
			}
		}
	}
	baseline := func() {
		for range batch {
			var v plainCallback
			if err := json.Unmarshal(data, &v); err != nil {
				b.Fatal(err)
			}
		}
	}
	timed := func(f func()) time.Duration {
		start := time.Now()
		f()
		return time.Since(start)
	}
	var sumDec, sumBase time.Duration
	minDec, minBase := time.Duration(math.MaxInt64), time.Duration(math.MaxInt64)
	round := 0
	for b.Loop() {
		var d, base time.Duration
		if round%2 == 0 {
			d, base = timed(decode), timed(baseline)
		} else {
			base, d = timed(baseline), timed(decode)
		}
		round++
		sumDec, sumBase = sumDec+d, sumBase+base
		minDec, minBase = min(minDec, d), min(minBase, base)
	}
	b.ReportMetric(float64(sumDec)/float64(sumBase), "x-baseline")
	b.ReportMetric(float64(minDec)/float64(minBase), "x-baseline-min")
	b.ReportMetric(float64(minDec.Nanoseconds())/batch, "decode-ns-min")
	b.ReportMetric(float64(minBase.Nanoseconds())/batch, "baseline-ns-min")
}
