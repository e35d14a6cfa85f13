package sleep

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"time"

	"github.com/vendorhooks/vendorhooks"
	"github.com/vendorhooks/vendorhooks/internal/httpx"
	"github.com/vendorhooks/vendorhooks/internal/jsonptr"
	"github.com/vendorhooks/vendorhooks/internal/lit"
)

// ErrMalformed is matched (with errors.Is) by every error Decode returns:
// it is vendorhooks.ErrMalformed, the same value in every vendor package.
var ErrMalformed = vendorhooks.ErrMalformed

// DecodeError is the error Decode returns: vendorhooks.DecodeError, the
// same type in every vendor package, with Vendor "sleep". Its Path is the
// RFC 6901 JSON Pointer of the offending value as sent
// ("/data/stat/sleep_latency", "/data/stat/sleep_cycle/0/start_time"),
// empty when the body as a whole is at fault; its Offset is the byte offset
// of that value in the body, or -1 where it is not known. Its message is
// built only from the body's own content, quoting at most about 32 bytes.
type DecodeError = vendorhooks.DecodeError

// decodeError returns a DecodeError of this package.
func decodeError(path string, offset int64, msg string) *DecodeError {
	return &DecodeError{Vendor: vendor, Path: path, Offset: offset, Msg: msg}
}

// Decode decodes one callback body.
//
// It accepts the three envelope spellings: V1 {callback_event,
// callback_data}, V2 {callback_event, callback_version, callback_data} and
// V3 {event, version, data}; the version is V1 when absent. Both forms of
// INFERENCE_COMPLETE stages (stage_list, sleep_stages) and of
// SESSION_COMPLETE (nested in sleep_data, or flattened) decode to the same
// types.
//
// The body must be strict JSON (RFC 8259: no comments, no trailing commas).
// Fields the package does not know are ignored, so that the vendor can add
// some; a field of the wrong type, a time without a UTC offset, or a second
// count too large for a time.Duration is an error naming the field's path.
// An event name other than INFERENCE_COMPLETE and SESSION_COMPLETE, or a
// version other than V1, V2 and V3, gives an *Unknown holding a copy of the
// body, not an error, whatever its data holds. Every error is a
// *DecodeError with the JSON Pointer of the offending value, and matches
// ErrMalformed.
func Decode(data []byte) (Event, error) {
	var w wireBody
	var typeErr *json.UnmarshalTypeError // encoding/json reports the first
	if err := json.Unmarshal(data, &w); err != nil {
		if !errors.As(err, &typeErr) {
			return nil, jsonError(data, err)
		}
		if !isDataPath(typeErr.Field) {
			// The envelope itself is wrong: nothing can be trusted.
			return nil, typeError(data, typeErr)
		}
	}
	env, err := w.envelope()
	if err != nil {
		return nil, err
	}
	if !env.known() {
		// Its data may have any shape, so a type error there is no error.
		return &Unknown{Envelope: env, Raw: rawCopy(data)}, nil
	}
	if typeErr != nil {
		return nil, typeError(data, typeErr)
	}
	d, path, err := w.data()
	if err != nil {
		return nil, err
	}
	if env.Event == KindInferenceComplete {
		return d.inference(env), nil
	}
	return d.session(env, path)
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

// wireBody is the envelope in all its spellings.
type wireBody struct {
	Event           string    `json:"event"`
	CallbackEvent   string    `json:"callback_event"`
	Version         string    `json:"version"`
	CallbackVersion string    `json:"callback_version"`
	Data            *wireData `json:"data"`
	CallbackData    *wireData `json:"callback_data"`
}

func isDataPath(field string) bool {
	return hasField(field, "data") || hasField(field, "callback_data")
}

func hasField(path, name string) bool {
	return len(path) >= len(name) && path[:len(name)] == name &&
		(len(path) == len(name) || path[len(name)] == '.')
}

// envelope picks the event name and version from whichever spelling came.
func (w *wireBody) envelope() (Envelope, error) {
	event, err := either("event", w.Event, "callback_event", w.CallbackEvent)
	if err != nil {
		return Envelope{}, err
	}
	if event == "" {
		return Envelope{}, decodeError("", -1, "missing event name (event or callback_event)")
	}
	version, err := either("version", w.Version, "callback_version", w.CallbackVersion)
	if err != nil {
		return Envelope{}, err
	}
	if version == "" {
		version = string(V1)
	}
	return Envelope{Event: event, Version: Version(version)}, nil
}

// either returns whichever of two spellings of a field is set, and fails
// when both are set and disagree.
func either(name1, v1, name2, v2 string) (string, error) {
	if v1 != "" && v2 != "" && v1 != v2 {
		return "", decodeError("", -1, name1+" "+httpx.Quote(v1)+" and "+name2+" "+httpx.Quote(v2)+" disagree")
	}
	if v1 != "" {
		return v1, nil
	}
	return v2, nil
}

// data returns the data object and the name it came under.
func (w *wireBody) data() (*wireData, string, error) {
	switch {
	case w.Data != nil && w.CallbackData != nil:
		return nil, "", decodeError("", -1, "both data and callback_data present")
	case w.Data != nil:
		return w.Data, "/data", nil
	case w.CallbackData != nil:
		return w.CallbackData, "/callback_data", nil
	}
	return nil, "", decodeError("/data", -1, "missing (data or callback_data)")
}

// The wire types below are what encoding/json fills in one pass. They use
// types without methods (int, wireSeconds) where the public types have
// some: for a value whose type has methods, encoding/json looks for
// UnmarshalJSON and UnmarshalText at every element, which made Decode
// markedly slower than a plain decode.

// wireData is the union of every data object: INFERENCE_COMPLETE's fields,
// V1/V2 SESSION_COMPLETE's sleep_data, and V3's flattened report. One pass
// fills it whatever the event, since the event name may come after the
// data.
type wireData struct {
	UserID          string      `json:"user_id"`
	SessionID       string      `json:"session_id"`
	SeqNum          int         `json:"seq_num"`
	InferenceSeqNum int         `json:"inference_seq_num"`
	StageList       []int       `json:"stage_list"`
	SleepStages     []int       `json:"sleep_stages"`
	BreathStages    []int       `json:"breath_stages"`
	SnoringStages   []int       `json:"snoring_stages"`
	OSAStageList    []int       `json:"osa_stage_list"`
	SleepData       *wireReport `json:"sleep_data"`
	wireReport
}

// wireReport is Report as sent.
type wireReport struct {
	Timezone         string        `json:"timezone"`
	Peculiarities    []Peculiarity `json:"peculiarities"`
	MissingDataRatio *float64      `json:"missing_data_ratio"`
	Session          *wireSession  `json:"session"`
	Stat             *wireStat     `json:"stat"`
	Validity         Validity      `json:"validity"`
	OSAStages        []int         `json:"osa_stages"`
	EstimatedAHI     *float64      `json:"estimated_ahi"`
	SessionEndTime   wireTime      `json:"session_end_time"`
}

// wireSession is Session as sent.
type wireSession struct {
	ID              string       `json:"id"`
	State           SessionState `json:"state"`
	Start           wireTime     `json:"start_time"`
	End             wireTime     `json:"end_time"`
	UnexpectedEnd   wireTime     `json:"unexpected_end_time"`
	CreatedTimezone string       `json:"created_timezone"`
	SleepStages     []int        `json:"sleep_stages"`
	BreathStages    []int        `json:"breath_stages"`
	SnoringStages   []int        `json:"snoring_stages"`
}

// wireStat is Stat as sent. Stat's ratios, counts and the like decode in
// place; its instants and second counts are shadowed by the fields below
// (encoding/json fills the shallower of two fields with the same name).
type wireStat struct {
	wireStatFields
	SleepTime       wireTime    `json:"sleep_time"`
	WakeTime        wireTime    `json:"wake_time"`
	SleepCycles     []wireCycle `json:"sleep_cycle"`
	SleepCycleTimes []wireTime  `json:"sleep_cycle_time"`

	// Second counts.
	SleepLatency         *wireSeconds `json:"sleep_latency"`
	WakeupLatency        *wireSeconds `json:"wakeup_latency"`
	LightLatency         *wireSeconds `json:"light_latency"`
	DeepLatency          *wireSeconds `json:"deep_latency"`
	REMLatency           *wireSeconds `json:"rem_latency"`
	TimeInBed            *wireSeconds `json:"time_in_bed"`
	TimeInSleepPeriod    *wireSeconds `json:"time_in_sleep_period"`
	TimeInSleep          *wireSeconds `json:"time_in_sleep"`
	TimeInWake           *wireSeconds `json:"time_in_wake"`
	TimeInLight          *wireSeconds `json:"time_in_light"`
	TimeInDeep           *wireSeconds `json:"time_in_deep"`
	TimeInREM            *wireSeconds `json:"time_in_rem"`
	TimeInStableBreath   *wireSeconds `json:"time_in_stable_breath"`
	TimeInUnstableBreath *wireSeconds `json:"time_in_unstable_breath"`
	TimeInSnoring        *wireSeconds `json:"time_in_snoring"`
	TimeInNoSnoring      *wireSeconds `json:"time_in_no_snoring"`
	LongestWASO          *wireSeconds `json:"longest_waso"`
}

// wireStatFields is Stat without its methods, so that encoding/json fills
// it in place instead of calling Stat.UnmarshalJSON.
type wireStatFields Stat

// secondCount is one second count of a report: its name as sent, its wire
// field in a wireStat and its field in a Stat.
type secondCount struct {
	name string
	n    *wireSeconds
	d    **time.Duration
}

// secondCounts lists the second counts of w and s, in one place for
// decoding and for Stat.MarshalJSON.
func secondCounts(w *wireStat, s *Stat) [17]secondCount {
	return [...]secondCount{
		{"sleep_latency", w.SleepLatency, &s.SleepLatency},
		{"wakeup_latency", w.WakeupLatency, &s.WakeupLatency},
		{"light_latency", w.LightLatency, &s.LightLatency},
		{"deep_latency", w.DeepLatency, &s.DeepLatency},
		{"rem_latency", w.REMLatency, &s.REMLatency},
		{"time_in_bed", w.TimeInBed, &s.TimeInBed},
		{"time_in_sleep_period", w.TimeInSleepPeriod, &s.TimeInSleepPeriod},
		{"time_in_sleep", w.TimeInSleep, &s.TimeInSleep},
		{"time_in_wake", w.TimeInWake, &s.TimeInWake},
		{"time_in_light", w.TimeInLight, &s.TimeInLight},
		{"time_in_deep", w.TimeInDeep, &s.TimeInDeep},
		{"time_in_rem", w.TimeInREM, &s.TimeInREM},
		{"time_in_stable_breath", w.TimeInStableBreath, &s.TimeInStableBreath},
		{"time_in_unstable_breath", w.TimeInUnstableBreath, &s.TimeInUnstableBreath},
		{"time_in_snoring", w.TimeInSnoring, &s.TimeInSnoring},
		{"time_in_no_snoring", w.TimeInNoSnoring, &s.TimeInNoSnoring},
		{"longest_waso", w.LongestWASO, &s.LongestWASO},
	}
}

// wireSeconds is a count of seconds. It has no methods, which keeps
// encoding/json on its fast path.
type wireSeconds int64

type wireCycle struct {
	Order int      `json:"order"`
	Start wireTime `json:"start_time"`
	End   wireTime `json:"end_time"`
}

// stages converts a stage list; nil stays nil, empty stays empty.
func stages[T ~int](in []int) []T {
	if in == nil {
		return nil
	}
	out := make([]T, len(in))
	for i, v := range in {
		out[i] = T(v)
	}
	return out
}

func (d *wireData) inference(env Envelope) *InferenceComplete {
	sleep, osa := d.SleepStages, d.OSAStageList
	if sleep == nil {
		sleep = d.StageList
	}
	if osa == nil {
		osa = d.OSAStages
	}
	return &InferenceComplete{
		Envelope:        env,
		UserID:          d.UserID,
		SessionID:       d.SessionID,
		SeqNum:          d.SeqNum,
		InferenceSeqNum: d.InferenceSeqNum,
		SleepStages:     stages[SleepStage](sleep),
		BreathStages:    stages[BreathStage](d.BreathStages),
		SnoringStages:   stages[SnoringStage](d.SnoringStages),
		OSAStages:       stages[OSAStage](osa),
	}
}

func (d *wireData) session(env Envelope, path string) (*SessionComplete, error) {
	w := &d.wireReport
	if d.SleepData != nil {
		w, path = d.SleepData, sub(path, "sleep_data")
	}
	ev := &SessionComplete{Envelope: env, UserID: d.UserID, SessionID: d.SessionID}
	if err := w.report(&ev.Report, path); err != nil {
		return nil, err
	}
	if ev.SessionID == "" {
		ev.SessionID = ev.Session.ID
	}
	return ev, nil
}

func (w *wireReport) report(r *Report, path string) error {
	r.Timezone = w.Timezone
	r.Peculiarities = w.Peculiarities
	r.MissingDataRatio = w.MissingDataRatio
	r.Validity = w.Validity
	r.OSAStages = stages[OSAStage](w.OSAStages)
	r.EstimatedAHI = w.EstimatedAHI
	var err error
	if r.SessionEndTime, err = w.SessionEndTime.opt(path, "session_end_time"); err != nil {
		return err
	}
	if w.Session != nil {
		if err := w.Session.session(&r.Session, sub(path, "session")); err != nil {
			return err
		}
	}
	if w.Stat != nil {
		if r.Stat, err = w.Stat.stat(sub(path, "stat")); err != nil {
			return err
		}
	}
	return nil
}

func (w *wireSession) session(s *Session, path string) error {
	s.ID = w.ID
	s.State = w.State
	s.CreatedTimezone = w.CreatedTimezone
	s.SleepStages = stages[SleepStage](w.SleepStages)
	s.BreathStages = stages[BreathStage](w.BreathStages)
	s.SnoringStages = stages[SnoringStage](w.SnoringStages)
	var err error
	if w.Start.set {
		if s.Start, err = w.Start.req(path, "start_time"); err != nil {
			return err
		}
	}
	if s.End, err = w.End.opt(path, "end_time"); err != nil {
		return err
	}
	s.UnexpectedEnd, err = w.UnexpectedEnd.opt(path, "unexpected_end_time")
	return err
}

// maxSeconds is the largest second count a time.Duration holds.
const maxSeconds = math.MaxInt64 / int64(time.Second)

// stat returns w's Stat completed in place, so no copy is made.
func (w *wireStat) stat(path string) (*Stat, error) {
	s := (*Stat)(&w.wireStatFields)
	var err error
	if s.SleepTime, err = w.SleepTime.opt(path, "sleep_time"); err != nil {
		return nil, err
	}
	if s.WakeTime, err = w.WakeTime.opt(path, "wake_time"); err != nil {
		return nil, err
	}
	for _, f := range secondCounts(w, s) {
		if f.n == nil {
			continue
		}
		n := int64(*f.n)
		if n > maxSeconds || n < -maxSeconds {
			return nil, decodeError(sub(path, f.name), -1, strconv.FormatInt(n, 10)+" seconds is out of range")
		}
		// A plain allocation per count: sharing memory with the wireSeconds
		// (13 allocations fewer) measured no difference against the 1.3x
		// goal (1.10-1.15x encoding/json either way, BenchmarkDecodeVsBaseline).
		d := time.Duration(n) * time.Second
		*f.d = &d
	}
	if bytes.Equal(s.BreathingPattern, []byte("null")) {
		s.BreathingPattern = nil
	}
	if w.SleepCycles != nil {
		s.SleepCycles = make([]SleepCycle, len(w.SleepCycles))
		for i, c := range w.SleepCycles {
			s.SleepCycles[i].Order = c.Order
			if s.SleepCycles[i].Start, err = c.Start.req(path, "sleep_cycle", i, "start_time"); err != nil {
				return nil, err
			}
			if s.SleepCycles[i].End, err = c.End.req(path, "sleep_cycle", i, "end_time"); err != nil {
				return nil, err
			}
		}
	}
	if w.SleepCycleTimes != nil {
		s.SleepCycleTimes = make([]time.Time, len(w.SleepCycleTimes))
		for i, t := range w.SleepCycleTimes {
			if s.SleepCycleTimes[i], err = t.req(path, "sleep_cycle_time", i); err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}

// wireTime is an instant as sent. It is parsed while encoding/json
// decodes (as fast as a time.Time field would be); a failure is kept for
// the pass that knows the field's path.
type wireTime struct {
	t   time.Time
	set bool   // present and not null
	bad string // what arrived instead of an RFC 3339 time, for the message
}

// UnmarshalJSON never fails, so that decoding goes on; see wireTime.opt.
func (w *wireTime) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*w = wireTime{}
		return nil
	}
	w.set = true
	if n := len(b); n >= 2 && b[0] == '"' && b[n-1] == '"' && bytes.IndexByte(b, '\\') < 0 {
		if w.t.UnmarshalText(b[1:n-1]) == nil {
			return nil
		}
	}
	var s string
	if json.Unmarshal(b, &s) != nil {
		w.bad = describe(b)
		return nil
	}
	if w.t.UnmarshalText([]byte(s)) != nil {
		w.bad = httpx.Quote(s)
	}
	return nil
}

// opt returns the time, or nil when it was null or absent. The pointer is
// into w, which saves an allocation. An error's Path is path followed by
// the member names and indexes in tokens (built only on error).
func (w *wireTime) opt(path string, tokens ...any) (*time.Time, error) {
	if w.bad != "" {
		return nil, decodeError(path+jsonptr.Join(tokens...), -1, "want RFC 3339 time with offset, got "+w.bad)
	}
	if !w.set {
		return nil, nil
	}
	return &w.t, nil
}

// req returns the time, which must not be null; see opt.
func (w *wireTime) req(path string, tokens ...any) (time.Time, error) {
	t, err := w.opt(path, tokens...)
	if err != nil {
		return time.Time{}, err
	}
	if t == nil {
		return time.Time{}, decodeError(path+jsonptr.Join(tokens...), -1, "want RFC 3339 time with offset, got null")
	}
	return *t, nil
}

// sub returns the JSON Pointer of member name of the value at ptr.
func sub(ptr, name string) string {
	return string(jsonptr.AppendToken([]byte(ptr), name))
}

// describe names a JSON value for a message: a string quoted (cut to about
// 32 bytes), a number as written (cut likewise), else its kind.
func describe(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "nothing"
	}
	switch b[0] {
	case '"':
		var s string
		if json.Unmarshal(b, &s) == nil {
			return httpx.Quote(s)
		}
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	if len(b) > 32 { // numbers are ASCII
		return "number " + string(b[:32]) + "..."
	}
	return "number " + string(b)
}

// rawCopy returns a copy of data, which is valid JSON but for invalid
// UTF-8 in its strings (encoding/json accepts that), with each run of
// invalid UTF-8 replaced by U+FFFD, so that the copy is valid JSON too.
func rawCopy(data []byte) json.RawMessage {
	return bytes.ToValidUTF8(data, []byte("\uFFFD"))
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
	return decodeError("", -1, "invalid JSON: "+err.Error())
}

var secondsType = reflect.TypeFor[wireSeconds]()

// typeError rewrites an encoding/json type error in data as "want X, got
// Y" at the JSON Pointer and offset of the offending value.
func typeError(data []byte, te *json.UnmarshalTypeError) error {
	// te.Offset is just past a scalar, or just past the [ or { of a
	// composite value: either way, the byte before it is in the value.
	ptr, off := locate(data, te.Offset-1)
	got := te.Value
	if len(got) > 40 {
		got = got[:37] + "..." // "number " and a long literal
	}
	return decodeError(ptr, off, "want "+want(te.Type)+", got "+got)
}

// locate returns the JSON Pointer and the offset of the innermost value of
// data (valid JSON) that holds the byte at pos.
func locate(data []byte, pos int64) (string, int64) {
	type container struct {
		ptr     []byte
		start   int64
		array   bool
		index   int
		key     string
		wantKey bool // an object's next token is a member name
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var stack []container
	for {
		next := dec.InputOffset()
		tok, err := dec.Token()
		start := skipSeparators(data, next)
		if err != nil || start > pos {
			break
		}
		d, isDelim := tok.(json.Delim)
		if isDelim && (d == ']' || d == '}') {
			stack = stack[:len(stack)-1]
			continue
		}
		var ptr []byte
		if n := len(stack); n > 0 {
			c := &stack[n-1]
			if c.wantKey {
				c.key, c.wantKey = tok.(string), false
				continue
			}
			ptr = append(ptr, c.ptr...)
			if c.array {
				ptr = jsonptr.AppendIndex(ptr, c.index)
				c.index++
			} else {
				ptr = jsonptr.AppendToken(ptr, c.key)
				c.wantKey = true
			}
		}
		if isDelim {
			stack = append(stack, container{ptr: ptr, start: start, array: d == '[', wantKey: d == '{'})
			continue
		}
		if pos < dec.InputOffset() {
			return string(ptr), start
		}
	}
	if n := len(stack); n > 0 {
		return string(stack[n-1].ptr), stack[n-1].start
	}
	return "", -1
}

// skipSeparators returns the offset of the first byte at or after off that
// is neither white space nor a , or : between tokens.
func skipSeparators(data []byte, off int64) int64 {
	for off < int64(len(data)) {
		switch data[off] {
		case ' ', '\t', '\n', '\r', ',', ':':
			off++
		default:
			return off
		}
	}
	return off
}

// want names what a Go type accepts in JSON.
func want(t reflect.Type) string {
	if t == secondsType {
		return "integer seconds"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Struct, reflect.Map:
		return "object"
	case reflect.Pointer:
		return want(t.Elem())
	}
	return t.String()
}
