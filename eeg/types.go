package eeg

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/vendorhooks/vendorhooks/internal/httpx"
)

// Event is one decoded Petal Metrics message: *Blink, *Eye, *Bandpower,
// *Artifact, *MetricsJSON, *Metrics, or *Unknown for a message type this
// package does not know. The set is sealed; a type switch with a default
// case stays correct when Petal adds a message type.
type Event interface {
	// Kind returns the vendor's message type ("blink", "eye",
	// "bandpower", "artifact-detect", "metricsJson", "metrics", or the
	// unknown type's own name).
	Kind() string
	event()
}

// The vendor's message types, as Kind returns them.
const (
	KindBlink       = "blink"
	KindEye         = "eye"
	KindBandpower   = "bandpower"
	KindArtifact    = "artifact-detect"
	KindMetricsJSON = "metricsJson"
	KindMetrics     = "metrics"
)

// Value is a measurement that is either a number or the vendor's marker
// "bad_data" (not enough clean signal). The zero Value is the number 0.
//
// Value marshals to JSON as the vendor sends it: a number or "bad_data".
// NaN and ±Inf, which JSON cannot carry as numbers, marshal as the strings
// "NaN", "Infinity" and "-Infinity", and decode back from them.
type Value struct {
	f   float64
	bad bool
}

// Number returns the Value holding f.
func Number(f float64) Value { return Value{f: f} }

// BadData returns the Value that stands for "bad_data".
func BadData() Value { return Value{bad: true} }

// Float returns the number and true, or 0 and false for "bad_data".
func (v Value) Float() (float64, bool) { return v.f, !v.bad }

// IsBad reports whether v is "bad_data".
func (v Value) IsBad() bool { return v.bad }

// Equal reports whether v and w are the same: both "bad_data", or numbers
// that are equal, NaN being equal to NaN (so that cmp.Diff compares Values
// as values).
func (v Value) Equal(w Value) bool {
	if v.bad || w.bad {
		return v.bad == w.bad
	}
	return v.f == w.f || math.IsNaN(v.f) && math.IsNaN(w.f)
}

// String returns "bad_data" or the number in Go's shortest form.
func (v Value) String() string {
	if v.bad {
		return badData
	}
	return strconv.FormatFloat(v.f, 'g', -1, 64)
}

// MarshalJSON returns the number, "bad_data", or for a non-finite number
// "NaN", "Infinity" or "-Infinity".
func (v Value) MarshalJSON() ([]byte, error) { return appendValue(nil, v), nil }

// UnmarshalJSON accepts what MarshalJSON returns.
func (v *Value) UnmarshalJSON(b []byte) error {
	d := decoder{}
	d.s.Reset(b)
	val, err := d.value(root())
	if err == nil {
		err = d.s.End()
	}
	if err != nil {
		return d.fail(err)
	}
	if len(d.warns) > 0 {
		// Unlike a message, a lone Value has nothing to deliver without
		// its value: a warning is an error here.
		w := d.warns[0]
		return &DecodeError{Vendor: vendor, Path: w.Path, Offset: w.Offset, Msg: strings.TrimSuffix(w.Msg, leftZero)}
	}
	*v = val
	return nil
}

const badData = "bad_data"

// Quality is the artifact detector's verdict on one channel. The vendor
// sends 1 for a good (clean) signal and 0 for a bad one, the reverse of
// what the name "artifact_detect" suggests; Quality names the meaning.
// "bad_data" reads as QualityUnknown.
//
// Quality marshals to JSON as its String ("good", "bad", "unknown"); the
// wire form of an Event carries the vendor's 1, 0 or "bad_data".
type Quality uint8

// Artifact verdicts.
const (
	QualityUnknown Quality = iota // the vendor sent "bad_data"
	QualityBad                    // the vendor sent 0: an artifact is present
	QualityGood                   // the vendor sent 1: the signal is clean
)

// String returns "unknown", "bad" or "good".
func (q Quality) String() string {
	switch q {
	case QualityBad:
		return "bad"
	case QualityGood:
		return "good"
	case QualityUnknown:
		return "unknown"
	}
	return "Quality(" + strconv.Itoa(int(q)) + ")"
}

// MarshalText returns q.String().
func (q Quality) MarshalText() ([]byte, error) { return []byte(q.String()), nil }

// UnmarshalText accepts what MarshalText returns.
func (q *Quality) UnmarshalText(b []byte) error {
	switch string(b) {
	case "unknown":
		*q = QualityUnknown
	case "bad":
		*q = QualityBad
	case "good":
		*q = QualityGood
	default:
		return &DecodeError{Vendor: vendor, Offset: -1, Msg: `want "good", "bad" or "unknown", got ` + httpx.Quote(string(b))}
	}
	return nil
}

// quality maps the vendor's artifact value to a Quality.
func quality(v Value) (Quality, bool) {
	switch {
	case v.bad:
		return QualityUnknown, true
	case v.f == 1:
		return QualityGood, true
	case v.f == 0:
		return QualityBad, true
	}
	return 0, false
}

// wire returns the vendor's form of q.
func (q Quality) wire() Value {
	switch q {
	case QualityGood:
		return Number(1)
	case QualityBad:
		return Number(0)
	}
	return BadData()
}

// LSLSeconds is a time on the Lab Streaming Layer clock of the sending
// machine, in seconds: a monotonic clock with an arbitrary origin (often
// the machine's boot), not Unix time. Compare LSLSeconds only with
// LSLSeconds from the same sender.
type LSLSeconds float64

// Duration returns s as the time.Duration since the LSL clock's origin.
func (s LSLSeconds) Duration() time.Duration {
	return time.Duration(math.Round(float64(s) * float64(time.Second)))
}

// String returns s in seconds with an "s" suffix, like time.Duration.
func (s LSLSeconds) String() string {
	return strconv.FormatFloat(float64(s), 'f', -1, 64) + "s"
}

// Channel names one EEG electrode of the Muse headband.
type Channel uint8

// Channels in the vendor's order: ch1 .. ch4, and the optional ch5.
const (
	TP9  Channel = iota // ch1, left ear
	AF7                 // ch2, left forehead
	AF8                 // ch3, right forehead
	TP10                // ch4, right ear
	Aux                 // ch5, the optional auxiliary channel
)

var channelNames = [...]string{"TP9", "AF7", "AF8", "TP10", "Aux"}

// String returns the electrode's name ("TP9", "AF7", "AF8", "TP10", "Aux").
func (c Channel) String() string {
	if int(c) < len(channelNames) {
		return channelNames[c]
	}
	return "Channel(" + strconv.Itoa(int(c)) + ")"
}

// Channels holds one T per electrode. Aux is nil unless the sender has a
// fifth channel.
type Channels[T any] struct {
	TP9  T
	AF7  T
	AF8  T
	TP10 T
	Aux  *T `json:",omitempty"`
}

// Get returns the value of channel c, and false when c is Aux and absent or
// c is not a channel.
func (cs Channels[T]) Get(c Channel) (T, bool) {
	switch c {
	case TP9:
		return cs.TP9, true
	case AF7:
		return cs.AF7, true
	case AF8:
		return cs.AF8, true
	case TP10:
		return cs.TP10, true
	case Aux:
		if cs.Aux != nil {
			return *cs.Aux, true
		}
	}
	var zero T
	return zero, false
}

// ptr returns the field of channel i (0-based), allocating Aux from aux
// when needed.
func (cs *Channels[T]) ptr(i int, aux *T) *T {
	switch i {
	case 0:
		return &cs.TP9
	case 1:
		return &cs.AF7
	case 2:
		return &cs.AF8
	case 3:
		return &cs.TP10
	}
	if cs.Aux == nil {
		cs.Aux = aux
	}
	return cs.Aux
}

// count returns 4 or, with Aux, 5.
func (cs *Channels[T]) count() int {
	if cs.Aux != nil {
		return 5
	}
	return 4
}

// Bands holds the absolute band power of one channel, in the vendor's
// array order. Bands: delta ~1-4 Hz, theta 4-8 Hz, alpha 8-13 Hz, beta
// 13-30 Hz.
type Bands struct {
	Alpha Value
	Beta  Value
	Theta Value
	Delta Value
}

// band returns the band at index i of the vendor's order (alpha, beta,
// theta, delta).
func (b *Bands) band(i int) *Value {
	switch i {
	case 0:
		return &b.Alpha
	case 1:
		return &b.Beta
	case 2:
		return &b.Theta
	}
	return &b.Delta
}

// Meta holds the fields every message carries in its data object, and the
// time of its action.
type Meta struct {
	ID         int64      // data.id: the message's sequence number
	LastEEGID  int64      // data.last_eeg_id: the last EEG sample used
	Time       time.Time  // data.unix_ts, in UTC; zero when absent
	LSL        LSLSeconds // data.lsl_ts
	LSLEEGFill LSLSeconds // data.lsl_eeg_fill_ts
	LSLAPICall LSLSeconds // data.lsl_api_call_ts
	LSLAPIRecv LSLSeconds // data.lsl_api_recv_ts
	ActionTime LSLSeconds // action.time
}

// Blink is a "blink" message: Blink is 1 for a blink, 0 for none.
type Blink struct {
	Meta
	Blink  Value // data.blink.blink
	Action Value // action.value
}

// Eye is an "eye" message: Eye is 1 for an eye movement, 0 for none (not
// left or right).
type Eye struct {
	Meta
	Eye    Value // data.eye.eye
	Action Value // action.value
}

// Bandpower is a "bandpower" message: the power of each band on each
// channel.
type Bandpower struct {
	Meta
	Power  Channels[Bands] // data.bandpower
	Action Channels[Bands] // action.value, the same values as an array
}

// Artifact is an "artifact-detect" message: the signal quality of each
// channel.
type Artifact struct {
	Meta
	Quality Channels[Quality] // data.artifact_detect
	Action  Channels[Quality] // action.value, the same values as an array
}

// MetricsArray is the "metrics" array (the LSL format) by name: entries
// blink, eye, the artifact verdict of each channel, then the band powers of
// each channel (alpha, beta, theta, delta).
type MetricsArray struct {
	Blink    Value
	Eye      Value
	Artifact Channels[Quality]
	Power    Channels[Bands]
}

// Metrics is a "metrics" message: all metrics in one array.
type Metrics struct {
	Meta
	Metrics MetricsArray // data.metrics
	Action  MetricsArray // action.value
}

// MetricsObject is the object form of all metrics in a "metricsJson"
// message. Artifact keeps the vendor's strings per channel ("artifact" in
// every example the vendor shows); band keys "0".."3" are read as alpha,
// beta, theta, delta.
type MetricsObject struct {
	Artifact Channels[string] // artifact_detect.channelN
	Power    Channels[Bands]  // bandpower.channelN
	Blink    Value            // blink.blink
	Eye      Value            // eye.eye
}

// MetricsJSON is a "metricsJson" message: all metrics as an object.
type MetricsJSON struct {
	Meta
	Metrics MetricsObject // data.metrics
	Action  MetricsObject // action.value
}

// Unknown is a message of a type this package does not know, kept whole.
// Decode refuses one only for its type, never for what its other fields
// hold, and reports no warning for them but for text that is not UTF-8.
//
// Raw is the whole message as compact strict JSON, a copy that does not
// alias the input: Python-literal text is converted (single quotes, True,
// None, trailing commas), and NaN, Infinity and -Infinity, which JSON
// cannot carry as numbers, become the strings "NaN", "Infinity" and
// "-Infinity", as Value writes them. Decode(u.Raw) gives an equal Unknown.
//
// Unknown marshals as {"kind": Type, "raw": Raw}, with Raw as the JSON
// itself (null when empty).
type Unknown struct {
	// Type is the message's type as sent, which Kind returns. (It is not
	// named Kind, as the other packages' kind fields are, because a Go type
	// cannot have a field and a method of the same name, and every Event
	// has the method Kind.)
	Type string
	// Raw is the whole message as strict JSON.
	Raw json.RawMessage
}

func (*Blink) event()       {}
func (*Eye) event()         {}
func (*Bandpower) event()   {}
func (*Artifact) event()    {}
func (*Metrics) event()     {}
func (*MetricsJSON) event() {}
func (*Unknown) event()     {}

// Kind returns "blink".
func (*Blink) Kind() string { return KindBlink }

// Kind returns "eye".
func (*Eye) Kind() string { return KindEye }

// Kind returns "bandpower".
func (*Bandpower) Kind() string { return KindBandpower }

// Kind returns "artifact-detect".
func (*Artifact) Kind() string { return KindArtifact }

// Kind returns "metrics".
func (*Metrics) Kind() string { return KindMetrics }

// Kind returns "metricsJson".
func (*MetricsJSON) Kind() string { return KindMetricsJSON }

// Kind returns the message's own type name.
func (u *Unknown) Kind() string { return u.Type }
