package sleep

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// EpochDuration is the span of one value of a stage list.
const EpochDuration = 30 * time.Second

// Epoch is a span of time spent in one sleep stage: one 30-second value of
// a stage list, or a run of them (see Hypnogram.Segments).
type Epoch struct {
	Start time.Time  `json:"start"`
	End   time.Time  `json:"end"`
	Stage SleepStage `json:"stage"`
}

// Duration returns e.End - e.Start.
func (e Epoch) Duration() time.Duration { return e.End.Sub(e.Start) }

// Hypnogram is a stage list laid out in time, for drawing.
type Hypnogram struct {
	// Epochs holds one entry per stage value, 30 seconds each, the first
	// starting at the start time given to NewHypnogram.
	Epochs []Epoch
}

// NewHypnogram lays stages out as consecutive 30-second epochs from start.
// Unknown stage values are kept as they are.
func NewHypnogram(start time.Time, stages []SleepStage) Hypnogram {
	h := Hypnogram{Epochs: make([]Epoch, len(stages))}
	for i, s := range stages {
		from := start.Add(time.Duration(i) * EpochDuration)
		h.Epochs[i] = Epoch{Start: from, End: from.Add(EpochDuration), Stage: s}
	}
	return h
}

// Segments returns the epochs with consecutive equal stages merged, so that
// each stage change starts a new segment.
func (h Hypnogram) Segments() []Epoch {
	var out []Epoch
	for _, e := range h.Epochs {
		if n := len(out); n > 0 && out[n-1].Stage == e.Stage && out[n-1].End.Equal(e.Start) {
			out[n-1].End = e.End
			continue
		}
		out = append(out, e)
	}
	return out
}

// Durations returns the total time spent in each stage that occurs.
func (h Hypnogram) Durations() map[SleepStage]time.Duration {
	d := make(map[SleepStage]time.Duration)
	for _, e := range h.Epochs {
		d[e.Stage] += e.Duration()
	}
	return d
}

// Total returns the time the hypnogram covers.
func (h Hypnogram) Total() time.Duration {
	var t time.Duration
	for _, e := range h.Epochs {
		t += e.Duration()
	}
	return t
}

// String summarises the hypnogram as the time per stage, in stage order:
// "wake 1m0s, light 2m30s".
func (h Hypnogram) String() string {
	d := h.Durations()
	stages := make([]SleepStage, 0, len(d))
	for s := range d {
		stages = append(stages, s)
	}
	sort.Slice(stages, func(i, j int) bool { return stages[i] < stages[j] })
	parts := make([]string, len(stages))
	for i, s := range stages {
		parts[i] = fmt.Sprintf("%v %v", s, d[s])
	}
	return strings.Join(parts, ", ")
}
