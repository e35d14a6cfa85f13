package sim

import (
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
)

// eegGen streams Petal Metrics messages: all six kinds mixed, band powers
// drifting as a random walk per channel and band, some values "bad_data".
type eegGen struct {
	python   bool // Python-literal text instead of JSON
	messages int  // messages per stream
}

func (g *eegGen) Vendor() string                { return EEG }
func (g *eegGen) Authorize(*Request, bool) bool { return false }
func (g *eegGen) Session(rng *rand.Rand, n int) []*Request {
	kinds := []string{"blink", "eye", "bandpower", "artifact-detect", "metricsJson", "metrics"}
	// The first six messages show every kind once; later ones favour band power.
	first := slices6(rng, kinds)
	weighted := []string{"bandpower", "bandpower", "bandpower", "metrics", "metricsJson", "artifact-detect", "blink", "eye"}
	st := newEEGState(rng)
	reqs := make([]*Request, 0, g.messages)
	for i := range g.messages {
		kind := weighted[rng.IntN(len(weighted))]
		if i < len(first) {
			kind = first[i]
		}
		st.step(rng)
		msg := st.message(kind, i)
		body := encodeJSON(msg)
		ct := "application/json"
		if g.python {
			body, ct = encodePython(msg), "text/plain; charset=utf-8"
		}
		reqs = append(reqs, &Request{
			Vendor: EEG, Kind: kind, Seq: -1, Method: http.MethodPost,
			Header: http.Header{"Content-Type": {ct}},
			Body:   body, Pad: padJSON,
		})
	}
	return reqs
}

func slices6(rng *rand.Rand, kinds []string) []string {
	out := append([]string(nil), kinds...)
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// Channels and bands in Petal's order: ch1 TP9, ch2 AF7, ch3 AF8, ch4 TP10;
// alpha, beta, theta, delta.
var (
	eegChannels = []string{"ch1", "ch2", "ch3", "ch4"}
	eegBands    = []string{"alpha", "beta", "theta", "delta"}
)

// eegState is the drifting signal of one headset.
type eegState struct {
	power    [4][4]float64 // channel × band, log power (Bels)
	good     [4]bool       // artifact detection per channel: true = good signal
	blink    int
	eye      int
	id       int
	lslTS    float64
	unixTS   float64
	lastEEG  int
	badRatio float64
}

func newEEGState(rng *rand.Rand) *eegState {
	st := &eegState{lslTS: 1000 + rng.Float64()*500, unixTS: 1.7e9 + rng.Float64()*1e7, badRatio: 0.03}
	base := [4]float64{0.9, 0.5, 0.7, 1.1} // alpha, beta, theta, delta
	for c := range 4 {
		st.good[c] = true
		for b := range 4 {
			st.power[c][b] = base[b] + rng.NormFloat64()*0.1
		}
	}
	return st
}

// step advances the signal by one message (about a quarter second).
func (st *eegState) step(rng *rand.Rand) {
	st.id++
	dt := 0.25 + rng.Float64()*0.02
	st.lslTS += dt
	st.unixTS += dt
	st.lastEEG += 64
	for c := range 4 {
		switch r := rng.Float64(); {
		case st.good[c] && r < 0.04: // the headband slips
			st.good[c] = false
		case !st.good[c] && r < 0.3: // and settles again
			st.good[c] = true
		}
		for b := range 4 {
			p := st.power[c][b] + rng.NormFloat64()*0.03
			st.power[c][b] = math.Max(-1, math.Min(3, p))
		}
	}
	st.blink, st.eye = 0, 0
	if rng.Float64() < 0.1 {
		st.blink = 1
	}
	if rng.Float64() < 0.08 {
		st.eye = 1
	}
}

// value is a band power, or "bad_data" when the channel is bad (and now and
// then anyway).
func (st *eegState) value(c, b int, i int) any {
	if !st.good[c] || float64((st.id*7+c*3+b+i)%100)/100 < st.badRatio {
		return "bad_data"
	}
	return math.Round(st.power[c][b]*1e6) / 1e6
}

func (st *eegState) message(kind string, i int) obj {
	var action any
	var data obj
	switch kind {
	case "blink":
		action = st.blink
		data = obj{}.set("blink", obj{}.set("blink", st.blink))
	case "eye":
		action = st.eye
		data = obj{}.set("eye", obj{}.set("eye", st.eye))
	case "bandpower":
		arr := make([]any, 0, 16)
		chans := obj{}
		for c, ch := range eegChannels {
			bands := obj{}
			for _, b := range []int{3, 2, 0, 1} { // the vendor lists delta, theta, alpha, beta
				bands = bands.set(eegBands[b], st.value(c, b, i))
			}
			chans = chans.set(ch, bands)
			for b := range 4 {
				arr = append(arr, st.value(c, b, i))
			}
		}
		action = arr
		data = obj{}.set("bandpower", chans)
	case "artifact-detect":
		arr := make([]any, 4)
		chans := obj{}
		for c, ch := range eegChannels {
			arr[c] = st.goodInt(c)
			chans = chans.set(ch, st.goodInt(c))
		}
		action = arr
		data = obj{}.set("artifact_detect", chans)
	case "metricsJson":
		m := st.metricsJSON(i)
		action = m
		data = obj{}.set("metrics", m)
	case "metrics":
		arr := []any{st.blink, st.eye}
		for c := range 4 {
			arr = append(arr, st.goodInt(c))
		}
		for c := range 4 {
			for b := range 4 {
				arr = append(arr, st.value(c, b, i))
			}
		}
		action = arr
		data = obj{}.set("metrics", arr)
	}
	data = data.set("id", st.id).
		set("lsl_ts", st.lslTS).
		set("unix_ts", math.Round(st.unixTS*1000)/1000).
		set("lsl_eeg_fill_ts", st.lslTS+0.05).
		set("lsl_api_call_ts", st.lslTS+0.3).
		set("lsl_api_recv_ts", st.lslTS+0.45).
		set("last_eeg_id", st.lastEEG)
	return obj{}.
		set("action", obj{}.set("value", action).set("time", st.lslTS)).
		set("data", data).
		set("type", kind)
}

func (st *eegState) goodInt(c int) int {
	if st.good[c] {
		return 1
	}
	return 0
}

// metricsJSON is the object form: channels as "channelN", bands as '0'..'3'.
func (st *eegState) metricsJSON(i int) obj {
	art, bp := obj{}, obj{}
	for c := range 4 {
		name := "channel" + strconv.Itoa(c+1)
		art = art.set(name, "artifact") // the only value the vendor shows
		bands := obj{}
		for b := range 4 {
			bands = bands.set(strconv.Itoa(b), st.value(c, b, i))
		}
		bp = bp.set(name, bands)
	}
	return obj{}.
		set("artifact_detect", art).
		set("bandpower", bp).
		set("blink", obj{}.set("blink", st.blink)).
		set("eye", obj{}.set("eye", st.eye))
}
