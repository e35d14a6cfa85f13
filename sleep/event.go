// Package sleep receives the webhook callbacks of the Asleep sleep-tracking
// API: INFERENCE_COMPLETE (sleep stages of the last minutes, sent while a
// session runs) and SESSION_COMPLETE (the full sleep report).
//
// It has three layers, each usable alone:
//
//   - Types: [InferenceComplete], [SessionComplete] and [Unknown] under the
//     sealed [Event] interface, with the report's instants as [time.Time],
//     its second counts as [time.Duration] and the fields the vendor may
//     send as null as pointers, so that 0 and "not measured" differ.
//     json.Marshal writes a report's second counts as the integer seconds
//     the vendor sends, not as nanoseconds, so that a stored event reads
//     like the callback and decodes back to an equal value.
//   - [Decode] turns a callback body into an Event, without HTTP. It accepts
//     the three envelope spellings Asleep has used (V1, V2 and V3), and
//     follows the tolerant-reader rule every vendor package follows: it
//     refuses a body (a nil Event and a [DecodeError] matching
//     [ErrMalformed]) only when it is not JSON, nests deeper than 64 levels,
//     or lacks a usable event name or, for a known event, session id.
//     Anything else is delivered: a value of an unexpected type stays at
//     its zero value, a duplicate key's last value wins, text that is not
//     UTF-8 is read as Latin-1, and each such finding is a
//     vendorhooks.Warning, returned beside the event as a
//     *vendorhooks.Warnings that does not match ErrMalformed.
//     [DecodeWarnings] returns every warning, unknown members included.
//   - [New] (and [NewHandler], which panics where New returns an error)
//     builds an http.Handler that checks the method and the x-api-key
//     header, bounds and decodes the body and calls your function with a
//     context carrying the request's vendorhooks.Delivery, whose Warnings
//     are Decode's findings. [WithStrict] answers 400 to a callback with
//     warnings instead; Asleep does not resend it.
//
// [NewHypnogram] turns a stage list into 30-second epochs and per-stage
// totals, for drawing a hypnogram.
package sleep

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
)

// Event names, as Asleep sends them and as Kind returns them.
const (
	KindInferenceComplete = "INFERENCE_COMPLETE"
	KindSessionComplete   = "SESSION_COMPLETE"
)

// Event is one decoded callback: *InferenceComplete, *SessionComplete or
// *Unknown. The set is closed; a type switch over those three is exhaustive.
type Event interface {
	// Kind returns the vendor's event name, such as "SESSION_COMPLETE".
	Kind() string
	// Meta returns the envelope's event name, format version and the
	// x-user-id header value.
	Meta() *Envelope
	isEvent()
}

// Version is the callback format version named in the envelope.
type Version string

// Known callback versions. A callback without a version is V1.
const (
	V1 Version = "V1" // {callback_event, callback_data}, no version field
	V2 Version = "V2" // {callback_event, callback_version, callback_data}
	V3 Version = "V3" // {event, version, data}
)

// String returns the version as sent ("V2").
func (v Version) String() string { return string(v) }

// Envelope is what every event carries besides its data.
type Envelope struct {
	// Event is the event name as sent (event or callback_event).
	Event string `json:"event"`
	// Version is the format version (version or callback_version); V1 when
	// the envelope has none.
	Version Version `json:"version"`
	// HeaderUserID is the x-user-id request header when the event came
	// through the handler New builds, and empty after a bare Decode.
	HeaderUserID string `json:"header_user_id,omitempty"`
}

// Kind returns the event name as sent.
func (e *Envelope) Kind() string { return e.Event }

// Meta returns e itself.
func (e *Envelope) Meta() *Envelope { return e }

// InferenceComplete reports the sleep stages of the latest analysis window
// of a running session (the 20 minutes up to InferenceSeqNum, one value per
// 30-second epoch). Stage lists are nil when the vendor leaves them out or
// sends null, and empty when it sends [].
type InferenceComplete struct {
	Envelope
	UserID          string `json:"user_id"`
	SessionID       string `json:"session_id"`
	SeqNum          int    `json:"seq_num"`           // number of the uploaded audio chunk
	InferenceSeqNum int    `json:"inference_seq_num"` // SeqNum in 5-minute steps
	// SleepStages comes from sleep_stages (V3) or stage_list (V1, V2).
	SleepStages   []SleepStage   `json:"sleep_stages"`
	BreathStages  []BreathStage  `json:"breath_stages"`  // V2, V3
	SnoringStages []SnoringStage `json:"snoring_stages"` // V3
	OSAStages     []OSAStage     `json:"osa_stages"`     // V1 osa_stage_list
}

// SessionComplete carries the full sleep report of a finished session,
// whichever envelope it came in: V1 and V2 nest it under sleep_data, V3
// sends it flattened beside user_id.
type SessionComplete struct {
	Envelope
	UserID string `json:"user_id"`
	// SessionID is the V1/V2 session_id, or Session.ID in V3.
	SessionID string `json:"session_id"`
	Report
}

// Unknown is an event this package does not model: a new event name, or a
// version other than V1, V2 and V3. Decode never refuses one for what its
// data holds, but for nesting deeper than 64 levels.
//
// Its kind, which Kind returns, is the envelope's Event: the event name as
// sent. (The field is not named Kind, as the kind fields of eeg and
// labvanced are not, because a Go type cannot have a field and a method of
// the same name, and every Event has the method Kind.)
//
// Unknown marshals as {"kind": Event, "version": Version, "header_user_id":
// HeaderUserID (left out when empty), "raw": Raw}, with Raw as the JSON
// itself, and unmarshals from that form.
type Unknown struct {
	Envelope
	// Raw is the whole body as received, a copy owned by the Unknown, so
	// that a newer receiver can decode it later. It is always valid UTF-8
	// JSON: Decode reads a string that is not UTF-8 as Latin-1 (each byte
	// its own code point, never a silent U+FFFD) with a warning, and the
	// body itself stays in Delivery.Body byte for byte. MarshalJSON does
	// the same with a Raw set by hand, and writes one that is not JSON as
	// one JSON string, so marshalling never fails.
	Raw json.RawMessage
}

// unknownJSON is Unknown's JSON form.
type unknownJSON struct {
	Kind         string          `json:"kind"`
	Version      Version         `json:"version"`
	HeaderUserID string          `json:"header_user_id,omitempty"`
	Raw          json.RawMessage `json:"raw"`
}

// MarshalJSON writes u in the form Unknown's doc gives. It never fails.
func (u Unknown) MarshalJSON() ([]byte, error) {
	raw := u.Raw
	switch {
	case len(bytes.TrimSpace(raw)) == 0:
		raw = nil // null
	case !json.Valid(raw):
		raw, _ = json.Marshal(string(raw)) // a string cannot fail
	case !utf8.Valid(raw):
		raw = latin1Strings(raw)
	}
	return json.Marshal(unknownJSON{Kind: u.Event, Version: u.Version, HeaderUserID: u.HeaderUserID, Raw: raw})
}

// UnmarshalJSON reads the form MarshalJSON writes.
func (u *Unknown) UnmarshalJSON(b []byte) error {
	var w unknownJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*u = Unknown{Envelope: Envelope{Event: w.Kind, Version: w.Version, HeaderUserID: w.HeaderUserID}, Raw: w.Raw}
	return nil
}

func (*InferenceComplete) isEvent() {}
func (*SessionComplete) isEvent()   {}
func (*Unknown) isEvent()           {}

// Report is Asleep's sleep report (the Get Session object).
type Report struct {
	Timezone         string        `json:"timezone"`
	Peculiarities    []Peculiarity `json:"peculiarities"`
	MissingDataRatio *float64      `json:"missing_data_ratio"`
	Session          Session       `json:"session"`
	// Stat is nil when the vendor sends null: while the session is in
	// progress, too short or too defective to analyse.
	Stat *Stat `json:"stat"`

	// V1 only.
	Validity       Validity   `json:"validity,omitempty"`
	OSAStages      []OSAStage `json:"osa_stages"`
	EstimatedAHI   *float64   `json:"estimated_ahi,omitempty"`
	SessionEndTime *time.Time `json:"session_end_time,omitempty"`
}

// Session describes the recording itself.
type Session struct {
	ID    string       `json:"id"`
	State SessionState `json:"state"`
	Start time.Time    `json:"start_time"`
	// End is nil while the session is open.
	End *time.Time `json:"end_time"`
	// UnexpectedEnd is set when the session ended without being closed.
	UnexpectedEnd   *time.Time     `json:"unexpected_end_time"`
	CreatedTimezone string         `json:"created_timezone"`
	SleepStages     []SleepStage   `json:"sleep_stages"`
	BreathStages    []BreathStage  `json:"breath_stages"`
	SnoringStages   []SnoringStage `json:"snoring_stages"`
}

// Hypnogram returns the session's sleep stages as epochs from its start.
func (s *Session) Hypnogram() Hypnogram { return NewHypnogram(s.Start, s.SleepStages) }

// Stat holds the report's statistics. Every field is a pointer because the
// vendor sends null for what it did not measure (for example light, deep
// and REM totals under 2-stage analysis, breath figures without the breath
// feature): nil means "not measured", a pointer to 0 means zero.
type Stat struct {
	SleepTime *time.Time `json:"sleep_time"` // falling asleep
	WakeTime  *time.Time `json:"wake_time"`  // waking up
	// SleepTimeOfDay and WakeTimeOfDay are sleep_time and wake_time when
	// they arrive as a time of day ("22:40:00", as one Asleep document
	// shows them) instead of an instant; at most one of SleepTime and
	// SleepTimeOfDay is set by Decode, and likewise for waking. They are
	// marshalled in sleep_time and wake_time, where SleepTime and WakeTime
	// take precedence.
	SleepTimeOfDay *TimeOfDay `json:"-"`
	WakeTimeOfDay  *TimeOfDay `json:"-"`
	// SleepIndex is Asleep's sleep score.
	SleepIndex *float64 `json:"sleep_index"`

	SleepLatency  *time.Duration `json:"sleep_latency"`
	WakeupLatency *time.Duration `json:"wakeup_latency"`
	LightLatency  *time.Duration `json:"light_latency"`
	DeepLatency   *time.Duration `json:"deep_latency"`
	REMLatency    *time.Duration `json:"rem_latency"`

	TimeInBed            *time.Duration `json:"time_in_bed"`
	TimeInSleepPeriod    *time.Duration `json:"time_in_sleep_period"`
	TimeInSleep          *time.Duration `json:"time_in_sleep"`
	TimeInWake           *time.Duration `json:"time_in_wake"`
	TimeInLight          *time.Duration `json:"time_in_light"`
	TimeInDeep           *time.Duration `json:"time_in_deep"`
	TimeInREM            *time.Duration `json:"time_in_rem"`
	TimeInStableBreath   *time.Duration `json:"time_in_stable_breath"`
	TimeInUnstableBreath *time.Duration `json:"time_in_unstable_breath"`
	TimeInSnoring        *time.Duration `json:"time_in_snoring"`
	TimeInNoSnoring      *time.Duration `json:"time_in_no_snoring"`

	// Ratios are fractions from 0 to 1.
	SleepEfficiency     *float64 `json:"sleep_efficiency"`
	SleepRatio          *float64 `json:"sleep_ratio"`
	WakeRatio           *float64 `json:"wake_ratio"`
	LightRatio          *float64 `json:"light_ratio"`
	DeepRatio           *float64 `json:"deep_ratio"`
	REMRatio            *float64 `json:"rem_ratio"`
	StableBreathRatio   *float64 `json:"stable_breath_ratio"`
	UnstableBreathRatio *float64 `json:"unstable_breath_ratio"`
	SnoringRatio        *float64 `json:"snoring_ratio"`
	NoSnoringRatio      *float64 `json:"no_snoring_ratio"`

	BreathingIndex *float64 `json:"breathing_index"`
	// BreathingPattern is kept as sent: the vendor documents no type for it
	// and has only ever been seen sending null (which leaves it nil).
	BreathingPattern json.RawMessage `json:"breathing_pattern"`

	WASOCount   *int           `json:"waso_count"`   // wake-after-sleep-onset episodes
	LongestWASO *time.Duration `json:"longest_waso"` // longest of them

	SleepCycleCount *int         `json:"sleep_cycle_count"`
	SleepCycles     []SleepCycle `json:"sleep_cycle"`
	// SleepCycleTimes are the instants sleep cycles began.
	SleepCycleTimes []time.Time `json:"sleep_cycle_time"`

	UnstableBreathCount *int `json:"unstable_breath_count"`
	SnoringCount        *int `json:"snoring_count"`
}

// statFields is Stat without its methods, for marshalling.
type statFields Stat

// statJSON is Stat as Asleep sends it: its first two fields shadow the
// instants of the embedded statFields (encoding/json writes the shallower
// of two fields with the same name), in their place, so that a time of day
// can be written where an instant may stand.
type statJSON struct {
	SleepTime any `json:"sleep_time"`
	WakeTime  any `json:"wake_time"`
	*statFields
}

// moment returns what sleep_time or wake_time is written as: the instant,
// else the time of day, else null.
func moment(t *time.Time, c *TimeOfDay) any {
	switch {
	case t != nil:
		return t
	case c != nil:
		return c
	}
	return nil
}

// MarshalJSON writes s as Asleep sends it: second counts as integer
// seconds (not the nanoseconds a time.Duration would give), instants in RFC
// 3339 (SleepTime, else SleepTimeOfDay as "22:40:00"; likewise wake_time),
// null for what was not measured. UnmarshalJSON and Decode read that form
// back to an equal Stat. It fails for a second count that is not a whole
// number of seconds, which the vendor's form cannot carry.
func (s Stat) MarshalJSON() ([]byte, error) {
	var secs [17]time.Duration
	for i, f := range secondCounts(&s) {
		d := *f.d
		if d == nil {
			continue
		}
		if *d%time.Second != 0 {
			return nil, fmt.Errorf("sleep: stat.%s: %v is not a whole number of seconds", f.name, *d)
		}
		secs[i] = *d / time.Second
		*f.d = &secs[i] // in the copy s only
	}
	return json.Marshal(statJSON{
		SleepTime:  moment(s.SleepTime, s.SleepTimeOfDay),
		WakeTime:   moment(s.WakeTime, s.WakeTimeOfDay),
		statFields: (*statFields)(&s),
	})
}

// secondCount is one second count of a Stat: its name as sent and its
// field.
type secondCount struct {
	name string
	d    **time.Duration
}

// secondCounts lists the second counts of s.
func secondCounts(s *Stat) [17]secondCount {
	return [...]secondCount{
		{"sleep_latency", &s.SleepLatency},
		{"wakeup_latency", &s.WakeupLatency},
		{"light_latency", &s.LightLatency},
		{"deep_latency", &s.DeepLatency},
		{"rem_latency", &s.REMLatency},
		{"time_in_bed", &s.TimeInBed},
		{"time_in_sleep_period", &s.TimeInSleepPeriod},
		{"time_in_sleep", &s.TimeInSleep},
		{"time_in_wake", &s.TimeInWake},
		{"time_in_light", &s.TimeInLight},
		{"time_in_deep", &s.TimeInDeep},
		{"time_in_rem", &s.TimeInREM},
		{"time_in_stable_breath", &s.TimeInStableBreath},
		{"time_in_unstable_breath", &s.TimeInUnstableBreath},
		{"time_in_snoring", &s.TimeInSnoring},
		{"time_in_no_snoring", &s.TimeInNoSnoring},
		{"longest_waso", &s.LongestWASO},
	}
}

// UnmarshalJSON reads a stat object as Asleep sends it and MarshalJSON
// writes it, by Decode's rules: it fails (a *DecodeError) only for b that
// is not JSON or nests too deeply, and otherwise sets s to what it could
// read and returns nil, or a *vendorhooks.Warnings naming what it could
// not. Paths and offsets are relative to b ("/time_in_bed"). A JSON null
// leaves s unchanged.
func (s *Stat) UnmarshalJSON(b []byte) error { return unmarshalStat(b, s) }

// TimeOfDay is a wall-clock time without date or zone, as one Asleep
// document writes stat.sleep_time and wake_time ("22:40:00", HH:MM:SS).
// The zero value is midnight. It marshals as that text.
type TimeOfDay struct {
	Hour, Minute, Second int
}

// parseTimeOfDay parses "HH:MM:SS" (00:00:00 to 23:59:59), exactly eight
// bytes: time.Parse alone would also take a fraction and drop it.
func parseTimeOfDay(b []byte) (TimeOfDay, bool) {
	t, err := time.Parse(time.TimeOnly, string(b))
	if err != nil || len(b) != len(time.TimeOnly) {
		return TimeOfDay{}, false
	}
	return TimeOfDay{t.Hour(), t.Minute(), t.Second()}, true
}

// String returns the time as "HH:MM:SS".
func (t TimeOfDay) String() string {
	return fmt.Sprintf("%02d:%02d:%02d", t.Hour, t.Minute, t.Second)
}

// MarshalText returns the time as "HH:MM:SS".
func (t TimeOfDay) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText reads "HH:MM:SS".
func (t *TimeOfDay) UnmarshalText(b []byte) error {
	v, ok := parseTimeOfDay(b)
	if !ok {
		return fmt.Errorf("sleep: want time of day HH:MM:SS, got %q", b)
	}
	*t = v
	return nil
}

// SleepCycle is one sleep cycle of the report.
type SleepCycle struct {
	Order int       `json:"order"`
	Start time.Time `json:"start_time"`
	End   time.Time `json:"end_time"`
}

// SessionState is the state of a session on Asleep's server.
type SessionState string

// Session states.
const (
	StateOpen     SessionState = "OPEN"     // audio still being uploaded
	StateClosed   SessionState = "CLOSED"   // ended, analysis running
	StateComplete SessionState = "COMPLETE" // analysis done
)

// String returns the state as sent.
func (s SessionState) String() string { return string(s) }

// Peculiarity labels something notable about a session's analysis. Labels
// this package does not know are kept as sent.
type Peculiarity string

// Known peculiarities.
const (
	InProgress                  Peculiarity = "IN_PROGRESS"
	NeverSlept                  Peculiarity = "NEVER_SLEPT"
	TooShortForAnalysis         Peculiarity = "TOO_SHORT_FOR_ANALYSIS"
	TooLongForAnalysis          Peculiarity = "TOO_LONG_FOR_ANALYSIS"
	TooManyDefectsInSleepStages Peculiarity = "TOO_MANY_DEFECTS_IN_SLEEP_STAGES"
	NoBreathingStability        Peculiarity = "NO_BREATHING_STABILITY"
	NoRealtimePolling           Peculiarity = "NO_REALTIME_POLLING"
)

// String returns the label as sent.
func (p Peculiarity) String() string { return string(p) }

// Known reports whether p is one of the labels this package defines.
func (p Peculiarity) Known() bool {
	switch p {
	case InProgress, NeverSlept, TooShortForAnalysis, TooLongForAnalysis,
		TooManyDefectsInSleepStages, NoBreathingStability, NoRealtimePolling:
		return true
	}
	return false
}

// Validity is V1's verdict on a report ("VALID", "IN_PROGRESS",
// "INVALID: TOO_MANY_DEFECTS_IN_SLEEP_STAGES", ...), kept as sent.
type Validity string

// The V1 validity that means the report can be trusted.
const Valid Validity = "VALID"

// String returns the validity as sent.
func (v Validity) String() string { return string(v) }

// SleepStage is the sleep stage of one 30-second epoch. Values this
// package does not know are kept.
type SleepStage int

// Sleep stages.
const (
	StageNoData SleepStage = -1
	StageWake   SleepStage = 0
	StageLight  SleepStage = 1
	StageDeep   SleepStage = 2
	StageREM    SleepStage = 3
)

// String returns "no data", "wake", "light", "deep", "REM", or
// "SleepStage(n)" for an unknown value.
func (s SleepStage) String() string {
	return enumName("SleepStage", int(s), -1, "no data", "wake", "light", "deep", "REM")
}

// SnoringStage tells whether the user snored during one epoch.
type SnoringStage int

// Snoring stages.
const (
	NoSnoring SnoringStage = 0
	Snoring   SnoringStage = 1
)

// String returns "no snoring", "snoring" or "SnoringStage(n)".
func (s SnoringStage) String() string {
	return enumName("SnoringStage", int(s), 0, "no snoring", "snoring")
}

// OSAStage is the obstructive-sleep-apnea finding of one epoch.
type OSAStage int

// OSA stages.
const (
	OSANone     OSAStage = 0
	OSAApnea    OSAStage = 1
	OSAHypopnea OSAStage = 2
)

// String returns "none", "apnea", "hypopnea" or "OSAStage(n)".
func (s OSAStage) String() string {
	return enumName("OSAStage", int(s), 0, "none", "apnea", "hypopnea")
}

// BreathStage is the breathing stability of one epoch. The meaning of the
// values is not confirmed by the vendor's documentation.
type BreathStage int

// Breath stages.
const (
	BreathStable   BreathStage = 0
	BreathUnstable BreathStage = 1
)

// String returns "stable", "unstable" or "BreathStage(n)".
func (s BreathStage) String() string {
	return enumName("BreathStage", int(s), 0, "stable", "unstable")
}

// enumName returns names[v-first], or "typ(v)" for a value out of range.
func enumName(typ string, v, first int, names ...string) string {
	if i := v - first; i >= 0 && i < len(names) {
		return names[i]
	}
	return typ + "(" + strconv.Itoa(v) + ")"
}
