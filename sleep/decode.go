package sleep

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/vendorhooks/vendorhooks"
	"github.com/vendorhooks/vendorhooks/internal/httpx"
	"github.com/vendorhooks/vendorhooks/internal/lit"
	"github.com/vendorhooks/vendorhooks/internal/tolerant"
)

// ErrMalformed is matched (with errors.Is) by every error with which Decode
// refuses a body: it is vendorhooks.ErrMalformed, the same value in every
// vendor package. The *vendorhooks.Warnings that Decode returns beside a
// deliverable event does not match it.
var ErrMalformed = vendorhooks.ErrMalformed

// DecodeError is the error Decode returns for a body it refuses:
// vendorhooks.DecodeError, the same type in every vendor package, with
// Vendor "sleep". Its Path is the RFC 6901 JSON Pointer of the offending
// value as sent ("/data/session_id", "/event"), empty when the body as a
// whole is at fault; its Offset is the byte offset of that value in the
// body, or -1 where it is not known. Its message is built only from the
// body's own content, quoting at most about 32 bytes.
type DecodeError = vendorhooks.DecodeError

// decodeError returns a DecodeError of this package.
func decodeError(path string, offset int64, msg string) *DecodeError {
	return &DecodeError{Vendor: vendor, Path: path, Offset: offset, Msg: msg}
}

// Decode decodes one callback body by the tolerant-reader rule: it refuses
// a body only when nothing can be delivered, and otherwise returns the event
// with what it could read.
//
// It accepts the three envelope spellings: V1 {callback_event,
// callback_data}, V2 {callback_event, callback_version, callback_data} and
// V3 {event, version, data}; the version is V1 when absent. Both forms of
// INFERENCE_COMPLETE stages (stage_list, sleep_stages) and of
// SESSION_COMPLETE (nested in sleep_data, or flattened) decode to the same
// types. An event name other than INFERENCE_COMPLETE and SESSION_COMPLETE,
// or a version other than V1, V2 and V3, gives an *Unknown holding a copy of
// the body, whatever its data holds.
//
// It refuses (a nil Event and a *DecodeError matching ErrMalformed) only a
// body that is not strict JSON (RFC 8259: no comments, no trailing commas)
// or not an object, nesting deeper than 64 levels, and a missing or
// unusable identity: the event name (event or callback_event: missing, not
// a string, longer than 64 bytes, given twice, or the two spellings
// disagreeing) and, for a known event, its session id (data's session_id
// or, where data has none, its session's id: missing, empty, not a string,
// given twice, or the two disagreeing), with the data object that holds it
// (and the session object, where it is the identity's).
//
// Anything else is delivered. A value of an unexpected type, a time
// without a UTC offset, a second count too large for a time.Duration, or a
// number out of range leaves its field at its zero value (nil for the
// pointers); a stage list keeps the positions of its epochs (a sleep stage
// that is not an integer becomes StageNoData, other stages 0). A duplicate
// key's last value wins, with a warning. A string that is not UTF-8 is read
// as Latin-1. Each of these is a vendorhooks.Warning with the value's JSON
// Pointer and offset, and Decode returns the event together with a
// *vendorhooks.Warnings listing them, which does not match ErrMalformed:
// errors.Is(err, ErrMalformed) means "refuse", a non-nil Event means
// "deliverable". An unknown member is reported by DecodeWarnings only: it is
// never part of Decode's error, so that Asleep adding a field does not make
// your code fail. Asleep's documents disagree on some fields, and Decode
// reads each documented form without a warning: stat.sleep_cycle as null or
// as a list whose items number the cycle with order or with index (both
// read into SleepCycle.Order), and stat.sleep_time and wake_time as an
// instant or as a time of day (Stat.SleepTimeOfDay, WakeTimeOfDay).
func Decode(data []byte) (Event, error) {
	ev, ws, err := DecodeWarnings(data)
	if err != nil {
		return nil, err
	}
	return ev, tolerant.List(ws).Err(vendor)
}

// DecodeWarnings is Decode returning every warning, unknown members
// included, in body order: the first 100, then at most two that count the
// rest ("N more warnings for unknown members, not listed", "N more
// warnings, not listed"), each path cut to 256 bytes (internal/tolerant's
// rule, the same in every vendor package), so that a body of a million
// bad members costs no warning each. Its error is only a refusal (a
// *DecodeError), with a nil Event. It is for seeing the vendor's payloads
// drift, in a queue consumer or a test, where Decode's error leaves unknown
// members out.
func DecodeWarnings(data []byte) (ev Event, ws []vendorhooks.Warning, err error) {
	if !json.Valid(data) {
		var v struct{}
		return nil, nil, jsonError(data, json.Unmarshal(data, &v))
	}
	d := &decoder{data: data, path: make([]seg, 0, 8)}
	defer func() {
		if r := recover(); r != nil {
			f, ok := r.(fatal)
			if !ok {
				panic(r)
			}
			ev, ws, err = nil, nil, f.err
		}
	}()
	ev = d.body()
	return ev, d.sorted(), nil
}

// Names of the data member, pushed on the path.
var (
	dataName         = []byte("data")
	callbackDataName = []byte("callback_data")
)

// body reads the envelope, then the data of a known event, or the whole
// body again for an Unknown. The data is read last because the event name
// may come after it.
func (d *decoder) body() Event {
	if c := d.next(); c != '{' {
		start := d.pos
		d.skip()
		d.fail(start, "want object, got "+d.describe(start, d.pos))
	}
	d.enter()
	d.pos++
	var env Envelope
	var eventName, versionName string // the spelling that set each
	dataAt, dataDup, bothData := -1, false, false
	var data []byte
	for i := 0; d.more(i); i++ {
		koff := d.pos
		key := d.key()
		d.push(key)
		switch string(key) {
		case "event", "callback_event":
			if eventName == string(key) {
				d.fail(koff, "duplicate key: an identity field given twice")
			}
			d.next()
			s := d.eventName()
			if env.Event != "" && s != "" && s != env.Event {
				d.path = d.path[:0]
				d.fail(-1, eventName+" "+httpx.Quote(env.Event)+" and "+string(key)+" "+httpx.Quote(s)+" disagree")
			}
			if s != "" {
				env.Event, eventName = s, string(key)
			}
		case "version", "callback_version":
			if versionName == string(key) {
				d.warn(koff, "duplicate key: the last value wins")
			}
			d.next()
			at := d.pos
			s := d.str()
			if env.Version != "" && s != "" && Version(s) != env.Version {
				d.warn(at, "disagrees with "+versionName+" "+httpx.Quote(string(env.Version))+": the last value wins")
			}
			if s != "" {
				env.Version, versionName = Version(s), string(key)
			}
		case "data", "callback_data":
			switch {
			case data == nil:
			case string(data) == string(key):
				dataDup = true
			default:
				bothData = true
			}
			if data == nil || string(data) == string(key) {
				data = dataName
				if key[0] == 'c' {
					data = callbackDataName
				}
				d.next()
				dataAt = d.pos
			}
			d.skip()
		default:
			d.unknown(koff)
			d.skip()
		}
		d.pop()
	}
	if env.Event == "" {
		d.fail(-1, "missing event name (event or callback_event)")
	}
	if env.Version == "" {
		env.Version = V1
	}
	if !env.known() {
		// Its data may have any shape: only its text is read, so that Raw
		// is valid UTF-8.
		d.list, d.pos, d.path = nil, 0, d.path[:0]
		raw := json.RawMessage(bytes.Clone(d.data))
		if d.free() {
			raw = latin1Strings(d.data)
		}
		return &Unknown{Envelope: env, Raw: raw}
	}
	if bothData {
		d.fail(-1, "both data and callback_data present")
	}
	if data == nil {
		data = dataName
	}
	d.push(data)
	if dataAt < 0 || d.data[dataAt] == 'n' {
		d.fail(-1, "missing (data or callback_data)")
	}
	if dataDup {
		d.fail(-1, "duplicate key: the data, which holds the session id, given twice")
	}
	d.pos = dataAt
	if d.data[dataAt] != '{' {
		d.skip()
		d.fail(dataAt, "want object, got "+d.describe(dataAt, d.pos))
	}
	if env.Event == KindInferenceComplete {
		ev := &InferenceComplete{Envelope: env}
		readObject(d, inferenceMembers, ev)
		ev.SessionID = d.ids.resolve(d, false)
		return ev
	}
	ev := &SessionComplete{Envelope: env}
	readObject(d, sessionDataMembers, ev)
	ev.SessionID = d.ids.resolve(d, true)
	return ev
}

// eventName reads the event name, which must be a string of at most
// tolerant.MaxKindBytes bytes.
func (d *decoder) eventName() string {
	off := d.pos
	if d.data[off] != '"' {
		d.skip()
		d.fail(off, "want string, got "+d.describe(off, d.pos))
	}
	raw, esc := d.scanString()
	s := d.text(raw, esc, off, true)
	if len(s) > tolerant.MaxKindBytes {
		d.fail(off, fmt.Sprintf("event name of %d bytes is longer than %d", len(s), tolerant.MaxKindBytes))
	}
	return string(s)
}

// known reports whether e names an event and version this package models.
func (e *Envelope) known() bool {
	switch e.Version {
	case V1, V2, V3:
	default:
		return false
	}
	return e.Event == KindInferenceComplete || e.Event == KindSessionComplete
}

// sessionIDs collects the session ids of a known event's data while it is
// read: data's session_id is the identity where it is given (V1, V2 and
// INFERENCE_COMPLETE), and otherwise its session's id (V3 SESSION_COMPLETE).
// Which one is the identity is known only at the end of the data, so what is
// wrong with session.id and its session is kept until then.
type sessionIDs struct {
	direct     string // data's session_id
	nested     string // session.id
	nestedBad  *vendorhooks.Warning
	sessionBad *vendorhooks.Warning
}

// readDirect reads data's session_id: a string, or null for none.
func (ids *sessionIDs) readDirect(d *decoder) {
	ids.direct = ids.identity(d)
}

// readNested reads session.id and returns it ("" when it is not a string).
func (ids *sessionIDs) readNested(d *decoder) string {
	ids.nestedBad = nil
	if c := d.next(); c != '"' && c != 'n' {
		off := d.pos
		d.skip()
		ids.nestedBad = &vendorhooks.Warning{Path: d.ptr(), Offset: int64(off), Msg: "want string, got " + d.describe(off, d.pos)}
		ids.nested = ""
		return ""
	}
	ids.nested = ids.identity(d)
	return ids.nested
}

// identity reads a session id, refusing a value that is not a string.
func (ids *sessionIDs) identity(d *decoder) string {
	switch off := d.pos; d.data[off] {
	case '"':
		raw, esc := d.scanString()
		return string(d.text(raw, esc, off, true))
	case 'n':
		d.pos += 4
		return ""
	default:
		d.skip()
		d.fail(off, "want string, got "+d.describe(off, d.pos))
	}
	return ""
}

// readSession reads a report's session, which holds session.id.
func (ids *sessionIDs) readSession(d *decoder, s *Session) {
	*s = Session{}
	ids.sessionBad = nil
	switch off := d.pos; d.data[off] {
	case '{':
		readObject(d, sessionMembers, s)
	case 'n':
		d.pos += 4
	default:
		d.skip()
		ids.sessionBad = &vendorhooks.Warning{Path: d.ptr(), Offset: int64(off), Msg: "want object, got " + d.describe(off, d.pos)}
	}
}

// resolve returns the event's session id, refusing the body without one.
// The data object is the current path.
func (ids *sessionIDs) resolve(d *decoder, report bool) string {
	if ids.direct != "" {
		for _, w := range []*vendorhooks.Warning{ids.sessionBad, ids.nestedBad} {
			if w != nil {
				d.add(w.Path, int(w.Offset), w.Msg+leftUnset)
			}
		}
		if ids.nested != "" && ids.nested != ids.direct {
			d.fail(-1, "session_id "+httpx.Quote(ids.direct)+" and session.id "+httpx.Quote(ids.nested)+" disagree")
		}
		return ids.direct
	}
	if !report {
		d.fail(-1, "missing session id (session_id)")
	}
	for _, w := range []*vendorhooks.Warning{ids.sessionBad, ids.nestedBad} {
		if w != nil {
			panic(fatal{decodeError(w.Path, w.Offset, w.Msg)})
		}
	}
	if ids.nested == "" {
		d.fail(-1, "missing session id (session_id or session.id)")
	}
	return ids.nested
}

// The known members of each object, with how each is read. A read
// function sets its field whatever arrives, so that the last of two equal
// keys wins.

var inferenceMembers = newFields([]member[InferenceComplete]{
	{name: "user_id", read: func(d *decoder, v *InferenceComplete) { v.UserID = d.str() }},
	{name: "session_id", identity: true, read: func(d *decoder, v *InferenceComplete) { d.ids.readDirect(d) }},
	{name: "seq_num", read: func(d *decoder, v *InferenceComplete) { v.SeqNum, _ = d.integer() }},
	{name: "inference_seq_num", read: func(d *decoder, v *InferenceComplete) { v.InferenceSeqNum, _ = d.integer() }},
	{name: "sleep_stages", read: func(d *decoder, v *InferenceComplete) { v.SleepStages = stages(d, StageNoData) }},
	{name: "stage_list", alias: "sleep_stages", read: func(d *decoder, v *InferenceComplete) { v.SleepStages = stages(d, StageNoData) }},
	{name: "breath_stages", read: func(d *decoder, v *InferenceComplete) { v.BreathStages = stages(d, BreathStage(0)) }},
	{name: "snoring_stages", read: func(d *decoder, v *InferenceComplete) { v.SnoringStages = stages(d, NoSnoring) }},
	{name: "osa_stage_list", read: func(d *decoder, v *InferenceComplete) { v.OSAStages = stages(d, OSANone) }},
	{name: "osa_stages", alias: "osa_stage_list", read: func(d *decoder, v *InferenceComplete) { v.OSAStages = stages(d, OSANone) }},
})

var reportMembers = newFields([]member[Report]{
	{name: "timezone", read: func(d *decoder, v *Report) { v.Timezone = d.str() }},
	{name: "peculiarities", read: func(d *decoder, v *Report) {
		v.Peculiarities = list(d, func(d *decoder) Peculiarity { return Peculiarity(d.str()) })
	}},
	{name: "missing_data_ratio", read: func(d *decoder, v *Report) { v.MissingDataRatio = d.floatPtr() }},
	{name: "session", identity: true, read: func(d *decoder, v *Report) { d.ids.readSession(d, &v.Session) }},
	{name: "stat", read: func(d *decoder, v *Report) {
		v.Stat = nil
		if d.object() {
			v.Stat = new(Stat)
			readObject(d, statMembers, v.Stat)
		}
	}},
	{name: "validity", read: func(d *decoder, v *Report) { v.Validity = Validity(d.str()) }},
	{name: "osa_stages", read: func(d *decoder, v *Report) { v.OSAStages = stages(d, OSANone) }},
	{name: "estimated_ahi", read: func(d *decoder, v *Report) { v.EstimatedAHI = d.floatPtr() }},
	{name: "session_end_time", read: func(d *decoder, v *Report) { v.SessionEndTime = d.instantPtr() }},
})

// sessionDataMembers is SESSION_COMPLETE's data: V1/V2 {user_id,
// session_id, sleep_data}, V3 the report flattened beside user_id.
var sessionDataMembers = newFields(append(lift(reportMembers, func(v *SessionComplete) *Report { return &v.Report }), []member[SessionComplete]{
	{name: "user_id", read: func(d *decoder, v *SessionComplete) { v.UserID = d.str() }},
	{name: "session_id", identity: true, read: func(d *decoder, v *SessionComplete) { d.ids.readDirect(d) }},
	{name: "sleep_data", identity: true, read: func(d *decoder, v *SessionComplete) {
		if d.object() {
			readObject(d, reportMembers, &v.Report)
		}
	}},
}...))

var sessionMembers = newFields([]member[Session]{
	{name: "id", identity: true, read: func(d *decoder, v *Session) { v.ID = d.ids.readNested(d) }},
	{name: "state", read: func(d *decoder, v *Session) { v.State = SessionState(d.str()) }},
	{name: "start_time", read: func(d *decoder, v *Session) { v.Start, _ = d.instant(true, nil) }},
	{name: "end_time", read: func(d *decoder, v *Session) { v.End = d.instantPtr() }},
	{name: "unexpected_end_time", read: func(d *decoder, v *Session) { v.UnexpectedEnd = d.instantPtr() }},
	{name: "created_timezone", read: func(d *decoder, v *Session) { v.CreatedTimezone = d.str() }},
	{name: "sleep_stages", read: func(d *decoder, v *Session) { v.SleepStages = stages(d, StageNoData) }},
	{name: "breath_stages", read: func(d *decoder, v *Session) { v.BreathStages = stages(d, BreathStage(0)) }},
	{name: "snoring_stages", read: func(d *decoder, v *Session) { v.SnoringStages = stages(d, NoSnoring) }},
})

// seconds returns the member that reads a second count into field.
func secondsMember(name string, field func(*Stat) **time.Duration) member[Stat] {
	return member[Stat]{name: name, read: func(d *decoder, v *Stat) { *field(v) = d.seconds() }}
}

func floatMember(name string, field func(*Stat) **float64) member[Stat] {
	return member[Stat]{name: name, read: func(d *decoder, v *Stat) { *field(v) = d.floatPtr() }}
}

func intMember(name string, field func(*Stat) **int) member[Stat] {
	return member[Stat]{name: name, read: func(d *decoder, v *Stat) { *field(v) = d.intPtr() }}
}

var statMembers = newFields([]member[Stat]{
	{name: "sleep_time", read: func(d *decoder, v *Stat) { v.SleepTime, v.SleepTimeOfDay = d.moment() }},
	{name: "wake_time", read: func(d *decoder, v *Stat) { v.WakeTime, v.WakeTimeOfDay = d.moment() }},
	floatMember("sleep_index", func(s *Stat) **float64 { return &s.SleepIndex }),
	secondsMember("sleep_latency", func(s *Stat) **time.Duration { return &s.SleepLatency }),
	secondsMember("wakeup_latency", func(s *Stat) **time.Duration { return &s.WakeupLatency }),
	secondsMember("light_latency", func(s *Stat) **time.Duration { return &s.LightLatency }),
	secondsMember("deep_latency", func(s *Stat) **time.Duration { return &s.DeepLatency }),
	secondsMember("rem_latency", func(s *Stat) **time.Duration { return &s.REMLatency }),
	secondsMember("time_in_bed", func(s *Stat) **time.Duration { return &s.TimeInBed }),
	secondsMember("time_in_sleep_period", func(s *Stat) **time.Duration { return &s.TimeInSleepPeriod }),
	secondsMember("time_in_sleep", func(s *Stat) **time.Duration { return &s.TimeInSleep }),
	secondsMember("time_in_wake", func(s *Stat) **time.Duration { return &s.TimeInWake }),
	secondsMember("time_in_light", func(s *Stat) **time.Duration { return &s.TimeInLight }),
	secondsMember("time_in_deep", func(s *Stat) **time.Duration { return &s.TimeInDeep }),
	secondsMember("time_in_rem", func(s *Stat) **time.Duration { return &s.TimeInREM }),
	secondsMember("time_in_stable_breath", func(s *Stat) **time.Duration { return &s.TimeInStableBreath }),
	secondsMember("time_in_unstable_breath", func(s *Stat) **time.Duration { return &s.TimeInUnstableBreath }),
	secondsMember("time_in_snoring", func(s *Stat) **time.Duration { return &s.TimeInSnoring }),
	secondsMember("time_in_no_snoring", func(s *Stat) **time.Duration { return &s.TimeInNoSnoring }),
	floatMember("sleep_efficiency", func(s *Stat) **float64 { return &s.SleepEfficiency }),
	floatMember("sleep_ratio", func(s *Stat) **float64 { return &s.SleepRatio }),
	floatMember("wake_ratio", func(s *Stat) **float64 { return &s.WakeRatio }),
	floatMember("light_ratio", func(s *Stat) **float64 { return &s.LightRatio }),
	floatMember("deep_ratio", func(s *Stat) **float64 { return &s.DeepRatio }),
	floatMember("rem_ratio", func(s *Stat) **float64 { return &s.REMRatio }),
	floatMember("stable_breath_ratio", func(s *Stat) **float64 { return &s.StableBreathRatio }),
	floatMember("unstable_breath_ratio", func(s *Stat) **float64 { return &s.UnstableBreathRatio }),
	floatMember("snoring_ratio", func(s *Stat) **float64 { return &s.SnoringRatio }),
	floatMember("no_snoring_ratio", func(s *Stat) **float64 { return &s.NoSnoringRatio }),
	floatMember("breathing_index", func(s *Stat) **float64 { return &s.BreathingIndex }),
	{name: "breathing_pattern", read: func(d *decoder, v *Stat) {
		v.BreathingPattern = nil
		if !d.null() {
			v.BreathingPattern = d.freeValue()
		}
	}},
	intMember("waso_count", func(s *Stat) **int { return &s.WASOCount }),
	secondsMember("longest_waso", func(s *Stat) **time.Duration { return &s.LongestWASO }),
	intMember("sleep_cycle_count", func(s *Stat) **int { return &s.SleepCycleCount }),
	{name: "sleep_cycle", read: func(d *decoder, v *Stat) {
		v.SleepCycles = list(d, func(d *decoder) SleepCycle {
			var c SleepCycle
			if d.object() {
				readObject(d, cycleMembers, &c)
			}
			return c
		})
	}},
	{name: "sleep_cycle_time", read: func(d *decoder, v *Stat) {
		v.SleepCycleTimes = list(d, func(d *decoder) time.Time {
			t, _ := d.instant(false, nil)
			return t
		})
	}},
	intMember("unstable_breath_count", func(s *Stat) **int { return &s.UnstableBreathCount }),
	intMember("snoring_count", func(s *Stat) **int { return &s.SnoringCount }),
})

// cycleMembers reads a sleep cycle, numbered by order in one Asleep
// document and by index in another.
var cycleMembers = newFields([]member[SleepCycle]{
	{name: "order", read: func(d *decoder, v *SleepCycle) { v.Order, _ = d.integer() }},
	{name: "index", alias: "order", read: func(d *decoder, v *SleepCycle) { v.Order, _ = d.integer() }},
	{name: "start_time", read: func(d *decoder, v *SleepCycle) { v.Start, _ = d.instant(false, nil) }},
	{name: "end_time", read: func(d *decoder, v *SleepCycle) { v.End, _ = d.instant(false, nil) }},
})

// moment reads sleep_time or wake_time: an instant, or a time of day.
func (d *decoder) moment() (*time.Time, *TimeOfDay) {
	var clock *TimeOfDay
	if t, ok := d.instant(true, &clock); ok {
		return &t, nil
	}
	return nil, clock
}

// unmarshalStat reads a stat object by Decode's rules, for
// Stat.UnmarshalJSON: paths are relative to b.
func unmarshalStat(b []byte, s *Stat) (err error) {
	if !json.Valid(b) {
		var v struct{}
		return jsonError(b, json.Unmarshal(b, &v))
	}
	d := &decoder{data: b}
	defer func() {
		if r := recover(); r != nil {
			f, ok := r.(fatal)
			if !ok {
				panic(r)
			}
			err = f.err
		}
	}()
	if d.null() {
		return nil
	}
	var st Stat
	if d.object() {
		readObject(d, statMembers, &st)
	}
	*s = st
	return tolerant.List(d.sorted()).Err(vendor)
}

// jsonError turns a syntax error into a DecodeError at the offending byte,
// with its line and column (computed by internal/lit, as eeg's are).
func jsonError(data []byte, err error) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return decodeError("", -1, "empty body")
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		// se.Offset counts the offending byte as read: report the byte
		// before it.
		off := max(int(se.Offset)-1, 0)
		at := lit.NewSyntaxError(data, off, "")
		hint := ""
		if se.Offset > 0 && se.Offset <= int64(len(data)) && data[se.Offset-1] == '/' {
			hint = " (JSON has no comments)"
		}
		return decodeError("", int64(at.Offset), fmt.Sprintf("invalid JSON at line %d, column %d: %v%s", at.Line, at.Column, se, hint))
	}
	return decodeError("", -1, "invalid JSON: "+fmt.Sprint(err))
}
