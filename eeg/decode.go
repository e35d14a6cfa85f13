package eeg

import (
	"errors"
	"math"
	"time"

	"github.com/vendorhooks/vendorhooks/internal/httpx"
	"github.com/vendorhooks/vendorhooks/internal/lit"
)

// Decode decodes one Petal Metrics message from data, in one pass with no
// reflection and no copy of data (the returned Event never aliases data).
//
// It accepts strict JSON, which real senders post, and the Python-literal
// text the vendor's docs and users' logs show: single or double quotes with
// their escapes, True/False/None, NaN/Infinity/-Infinity/nan/inf, trailing
// commas, bare identifier keys, and a missing comma between two members
// where a newline separates them (the docs' own "metrics" example lacks
// one); a missing comma anywhere else is an error.
//
// A message whose type this package does not know decodes to *Unknown, even
// when its fields have shapes this package would reject or hold NaN or
// Infinity. For a known type, every field this package reads is checked,
// members it does not know are ignored, and the message's own field
// (data.blink, data.bandpower, ...) is required.
//
// Every error is a *DecodeError, and errors.Is(err, ErrMalformed) holds for
// it: for text that is not a literal its Path is empty and its Offset is
// where reading stopped; for a field of the wrong shape, or a missing one,
// its Path is the field's JSON Pointer ("/data/bandpower/ch2/alpha").
func Decode(data []byte) (Event, error) {
	var d decoder
	d.s.Reset(data)
	return d.decode(data)
}

// chanVals collects up to five channels; seen has bit i for channel i+1.
type chanVals[T any] struct {
	v       [5]T
	seen    uint8
	present bool
}

// valArray collects an array of at most 27 values.
type valArray struct {
	v       [maxArray]Value
	n       int
	present bool
}

// maxArray is the length of the longest array a message carries: the
// metrics array with five channels (2 + 5 + 5*4).
const maxArray = 27

// objForm collects a metricsJson object.
type objForm struct {
	art              chanVals[string]
	bp               chanVals[Bands]
	blink, eye       Value
	hasBlink, hasEye bool
	present          bool
}

type decoder struct {
	s       lit.Scanner
	typeErr *DecodeError // the first type error, reported for known types only

	kind     string // one of the Kind constants, or "" when unknown
	typeName string // the type as sent, for Unknown
	hasType  bool

	meta Meta

	actKind lit.Kind // kind of action.value; Invalid when absent
	actVal  Value
	actArr  valArray
	actObj  objForm

	blink, eye       Value
	hasBlink, hasEye bool
	bp               chanVals[Bands]
	art              chanVals[Quality]
	metArr           valArray
	metObj           objForm
}

const wantValue = `number or "bad_data"`

// typePath is the pointer of the message's type member.
const typePath = "/type"

// fail converts a scanner error to a *DecodeError.
func (d *decoder) fail(err error) error {
	if se, ok := err.(*lit.SyntaxError); ok {
		return syntaxError(se)
	}
	if _, ok := err.(*DecodeError); ok || err == nil {
		return err
	}
	// The scanner returns only *lit.SyntaxError; this keeps the promise
	// that every refusal is a *DecodeError should that change.
	return &DecodeError{Vendor: vendor, Offset: int64(d.s.Offset()), Msg: err.Error()}
}

// mismatch records a type error unless one is already recorded.
func (d *decoder) mismatch(p fieldPath, want, got string, off int) {
	if d.typeErr == nil {
		d.typeErr = typeError(&p, want, got, off)
	}
}

// missing records the type error of a missing field.
func (d *decoder) missing(p fieldPath, want string) {
	d.mismatch(p, want, "", -1)
}

// wrongKind records that the next value is not what p wants, and skips it.
func (d *decoder) wrongKind(p fieldPath, want string) error {
	k, err := d.s.Peek()
	if err != nil {
		return err
	}
	off, err := d.s.Skip()
	d.mismatch(p, want, k.String(), off)
	return err
}

// quoteShort quotes an input string for an error message, cut to about
// 32 bytes.
func quoteShort(prefix string, b []byte) string {
	return prefix + httpx.Quote(string(b))
}

// enterObject opens the object at p, or records a type error and skips the
// value; ok is false then.
func (d *decoder) enterObject(p fieldPath) (ok bool, err error) {
	k, err := d.s.Peek()
	if err != nil {
		return false, err
	}
	if k != lit.Object {
		return false, d.wrongKind(p, "object")
	}
	return true, d.s.BeginObject()
}

// next reads the next key of the current object; key is nil at its end.
func (d *decoder) next() (key []byte, err error) {
	key, _, err = d.s.NextKey()
	return key, err
}

func (d *decoder) decode(data []byte) (Event, error) {
	if ok, err := d.enterObject(root()); !ok || err != nil {
		if err != nil {
			return nil, d.fail(err)
		}
		return nil, d.typeErr
	}
	for {
		key, err := d.next()
		if err != nil {
			return nil, d.fail(err)
		}
		if key == nil {
			break
		}
		switch string(key) {
		case "action":
			err = d.action()
		case "data":
			err = d.data()
		case "type":
			err = d.typ()
		default:
			_, err = d.s.Skip()
		}
		if err != nil {
			return nil, d.fail(err)
		}
	}
	if err := d.s.End(); err != nil {
		return nil, d.fail(err)
	}
	return d.finish(data)
}

func (d *decoder) typ() error {
	k, err := d.s.Peek()
	if err != nil {
		return err
	}
	if k != lit.String {
		off, err := d.s.Skip()
		if d.typeErr == nil || d.typeErr.Path != typePath {
			// A bad type field is reported even before other type errors.
			p := pathOf("type")
			d.typeErr = typeError(&p, "string", k.String(), off)
		}
		d.hasType = false
		return err
	}
	b, err := d.s.ReadString()
	if err != nil {
		return err
	}
	d.hasType = true
	switch string(b) {
	case KindBlink:
		d.kind = KindBlink
	case KindEye:
		d.kind = KindEye
	case KindBandpower:
		d.kind = KindBandpower
	case KindArtifact:
		d.kind = KindArtifact
	case KindMetricsJSON:
		d.kind = KindMetricsJSON
	case KindMetrics:
		d.kind = KindMetrics
	default:
		d.kind = ""
		d.typeName = string(b)
	}
	return nil
}

func (d *decoder) action() error {
	p := pathOf("action")
	if ok, err := d.enterObject(p); !ok || err != nil {
		return err
	}
	for {
		key, err := d.next()
		if err != nil || key == nil {
			return err
		}
		switch string(key) {
		case "time":
			d.meta.ActionTime, err = d.lsl(p.dot("time"))
		case "value":
			err = d.actionValue(p.dot("value"))
		default:
			_, err = d.s.Skip()
		}
		if err != nil {
			return err
		}
	}
}

func (d *decoder) actionValue(p fieldPath) error {
	k, err := d.s.Peek()
	if err != nil {
		return err
	}
	d.actKind = k
	switch k {
	case lit.Array:
		return d.array(p, &d.actArr)
	case lit.Object:
		return d.metricsObject(p, &d.actObj)
	}
	d.actVal, err = d.value(p)
	return err
}

func (d *decoder) data() error {
	p := pathOf("data")
	if ok, err := d.enterObject(p); !ok || err != nil {
		return err
	}
	for {
		key, err := d.next()
		if err != nil || key == nil {
			return err
		}
		switch string(key) {
		case "id":
			d.meta.ID, err = d.int(p.dot("id"))
		case "last_eeg_id":
			d.meta.LastEEGID, err = d.int(p.dot("last_eeg_id"))
		case "unix_ts":
			d.meta.Time, err = d.unixTime(p.dot("unix_ts"))
		case "lsl_ts":
			d.meta.LSL, err = d.lsl(p.dot("lsl_ts"))
		case "lsl_eeg_fill_ts":
			d.meta.LSLEEGFill, err = d.lsl(p.dot("lsl_eeg_fill_ts"))
		case "lsl_api_call_ts":
			d.meta.LSLAPICall, err = d.lsl(p.dot("lsl_api_call_ts"))
		case "lsl_api_recv_ts":
			d.meta.LSLAPIRecv, err = d.lsl(p.dot("lsl_api_recv_ts"))
		case "blink":
			d.hasBlink = true
			d.blink, err = d.single(p.dot("blink"), "blink")
		case "eye":
			d.hasEye = true
			d.eye, err = d.single(p.dot("eye"), "eye")
		case "bandpower":
			err = d.bandChannels(p.dot("bandpower"), false, &d.bp)
		case "artifact_detect":
			err = d.qualityChannels(p.dot("artifact_detect"), &d.art)
		case "metrics":
			var k lit.Kind
			if k, err = d.s.Peek(); err != nil {
				return err
			}
			switch k {
			case lit.Array:
				err = d.array(p.dot("metrics"), &d.metArr)
			case lit.Object:
				err = d.metricsObject(p.dot("metrics"), &d.metObj)
			default:
				err = d.wrongKind(p.dot("metrics"), "array or object")
			}
		default:
			_, err = d.s.Skip()
		}
		if err != nil {
			return err
		}
	}
}

// value reads a number or "bad_data" (or the strings "NaN", "Infinity",
// "-Infinity" that Value marshals non-finite numbers as).
func (d *decoder) value(p fieldPath) (Value, error) {
	c := d.s.PeekByte()
	off := d.s.Offset()
	k := lit.Number
	if c < '0' || c > '9' {
		// Not the common case: Peek's general look ahead.
		var err error
		if k, err = d.s.Peek(); err != nil {
			return Value{}, err
		}
	}
	switch k {
	case lit.Number:
		f, text, err := d.s.ReadFloat()
		if err != nil {
			if !errors.Is(err, lit.ErrRange) {
				return Value{}, err
			}
			d.mismatch(p, wantValue, quoteShort("out-of-range number ", text), off)
		}
		return Number(f), nil
	case lit.String:
		b, err := d.s.ReadString()
		if err != nil {
			return Value{}, err
		}
		switch string(b) {
		case badData:
			return BadData(), nil
		case "NaN":
			return Number(math.NaN()), nil
		case "Infinity":
			return Number(math.Inf(1)), nil
		case "-Infinity":
			return Number(math.Inf(-1)), nil
		}
		d.mismatch(p, wantValue, quoteShort("string ", b), off)
		return Value{}, nil
	}
	return Value{}, d.wrongKind(p, wantValue)
}

// int reads an integer.
func (d *decoder) int(p fieldPath) (int64, error) {
	k, err := d.s.Peek()
	if err != nil || k != lit.Number {
		if err != nil {
			return 0, err
		}
		return 0, d.wrongKind(p, "integer")
	}
	off := d.s.Offset()
	text, err := d.s.ReadNumber()
	if err != nil {
		return 0, err
	}
	n, perr := lit.ParseInt(text)
	if perr != nil {
		d.mismatch(p, "integer", quoteShort("number ", text), off)
	}
	return n, nil
}

// finite reads a finite number.
func (d *decoder) finite(p fieldPath, want string) (float64, []byte, error) {
	k, err := d.s.Peek()
	if err != nil || k != lit.Number {
		if err != nil {
			return 0, nil, err
		}
		return 0, nil, d.wrongKind(p, want)
	}
	off := d.s.Offset()
	f, text, err := d.s.ReadFloat()
	if err != nil && !errors.Is(err, lit.ErrRange) {
		return 0, nil, err
	}
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		d.mismatch(p, want, quoteShort("number ", text), off)
		return 0, nil, nil
	}
	return f, text, nil
}

// lsl reads LSL clock seconds.
func (d *decoder) lsl(p fieldPath) (LSLSeconds, error) {
	f, _, err := d.finite(p, "finite number of seconds")
	return LSLSeconds(f), err
}

// maxUnix bounds unix_ts (about 31 million years either side of 1970).
const maxUnix = 1e15

// unixTime reads Unix seconds as a time in UTC, exact to the nanosecond
// for decimal text.
func (d *decoder) unixTime(p fieldPath) (time.Time, error) {
	const want = "Unix seconds"
	off := d.s.Offset()
	f, text, err := d.finite(p, want)
	if err != nil || text == nil {
		return time.Time{}, err
	}
	if math.Abs(f) >= maxUnix {
		d.mismatch(p, want, quoteShort("number ", text), off)
		return time.Time{}, nil
	}
	sec, nsec, ok := parseDecimalSeconds(text)
	if !ok {
		// An exponent: the float is all there is, and near today's
		// times it is good to about 0.25µs, so keep microseconds.
		s := math.Floor(f)
		sec, nsec = int64(s), int64(math.Round((f-s)*1e6))*1e3
	}
	return time.Unix(sec, nsec).UTC(), nil
}

// parseDecimalSeconds parses [-]digits[.digits] exactly to the nanosecond,
// rounding half up beyond. ok is false for text with an exponent. The
// caller has bounded the value.
func parseDecimalSeconds(text []byte) (sec, nsec int64, ok bool) {
	i, neg := 0, false
	if text[0] == '-' {
		neg, i = true, 1
	}
	for ; i < len(text) && text[i] >= '0' && text[i] <= '9'; i++ {
		sec = sec*10 + int64(text[i]-'0')
	}
	if i < len(text) && text[i] == '.' {
		i++
		scale := int64(1e8)
		for ; i < len(text) && text[i] >= '0' && text[i] <= '9'; i++ {
			switch {
			case scale > 0:
				nsec += int64(text[i]-'0') * scale
				scale /= 10
			case scale == 0:
				if text[i] >= '5' {
					nsec++
				}
				scale = -1
			}
		}
	}
	if i != len(text) {
		return 0, 0, false
	}
	if neg {
		sec, nsec = -sec, -nsec
	}
	return sec, nsec, true
}

// single reads an object {name: value}, as data.blink is {'blink': 0}.
func (d *decoder) single(p fieldPath, name string) (Value, error) {
	var v Value
	if ok, err := d.enterObject(p); !ok || err != nil {
		return v, err
	}
	seen := false
	for {
		key, err := d.next()
		if err != nil {
			return v, err
		}
		if key == nil {
			break
		}
		if string(key) == name {
			seen = true
			if v, err = d.value(p.dot(name)); err != nil {
				return v, err
			}
		} else if _, err := d.s.Skip(); err != nil {
			return v, err
		}
	}
	if !seen {
		d.missing(p.dot(name), wantValue)
	}
	return v, nil
}

var (
	shortChannel = [5]string{"ch1", "ch2", "ch3", "ch4", "ch5"}
	longChannel  = [5]string{"channel1", "channel2", "channel3", "channel4", "channel5"}
	bandNames    = [4]string{"alpha", "beta", "theta", "delta"}
	bandDigits   = [4]string{"0", "1", "2", "3"}
)

// channelIndex returns the 0-based channel of key ("ch2" or "channel2"),
// or -1.
func channelIndex(key []byte, long bool) int {
	n := len(key)
	if long {
		if n != 8 || string(key[:7]) != "channel" {
			return -1
		}
	} else if n != 3 || key[0] != 'c' || key[1] != 'h' {
		return -1
	}
	if c := key[n-1]; c >= '1' && c <= '5' {
		return int(c - '1')
	}
	return -1
}

func channelName(i int, long bool) string {
	if long {
		return longChannel[i]
	}
	return shortChannel[i]
}

// bandChannels reads {ch1: {delta: v, ...}, ...} (long: {channel1: {'0':
// v, ...}}). Unknown keys are skipped.
func (d *decoder) bandChannels(p fieldPath, long bool, dst *chanVals[Bands]) error {
	if ok, err := d.enterObject(p); !ok || err != nil {
		return err
	}
	dst.present = true
	for {
		key, err := d.next()
		if err != nil || key == nil {
			return err
		}
		i := channelIndex(key, long)
		if i < 0 {
			_, err = d.s.Skip()
		} else {
			dst.seen |= 1 << i
			err = d.bands(p.dot(channelName(i, long)), &dst.v[i], long)
		}
		if err != nil {
			return err
		}
	}
}

// bandIndex returns the band of key in the vendor's order (alpha, beta,
// theta, delta; digits: "0".."3"), or 4 for another key.
func bandIndex(key []byte, digits bool) int {
	if digits {
		if len(key) == 1 && key[0] >= '0' && key[0] <= '3' {
			return int(key[0] - '0')
		}
		return 4
	}
	switch string(key) {
	case "alpha":
		return 0
	case "beta":
		return 1
	case "theta":
		return 2
	case "delta":
		return 3
	}
	return 4
}

// bands reads {alpha: v, beta: v, theta: v, delta: v} in any order
// (digits: {'0': v, ... '3': v}), all four required.
func (d *decoder) bands(p fieldPath, dst *Bands, digits bool) error {
	names := &bandNames
	if digits {
		names = &bandDigits
	}
	if ok, err := d.enterObject(p); !ok || err != nil {
		return err
	}
	seen := 0
	for {
		key, err := d.next()
		if err != nil {
			return err
		}
		if key == nil {
			break
		}
		i := bandIndex(key, digits)
		if i == len(names) {
			_, err = d.s.Skip()
		} else {
			seen |= 1 << i
			*dst.band(i), err = d.value(p.dot(names[i]))
		}
		if err != nil {
			return err
		}
	}
	for i, n := range names {
		if seen&(1<<i) == 0 {
			d.missing(p.dot(n), wantValue)
		}
	}
	return nil
}

const wantQuality = `0, 1 or "bad_data"`

// qualityChannels reads {ch1: 1, ch2: 0, ...}.
func (d *decoder) qualityChannels(p fieldPath, dst *chanVals[Quality]) error {
	if ok, err := d.enterObject(p); !ok || err != nil {
		return err
	}
	dst.present = true
	for {
		key, err := d.next()
		if err != nil || key == nil {
			return err
		}
		i := channelIndex(key, false)
		if i < 0 {
			if _, err = d.s.Skip(); err != nil {
				return err
			}
			continue
		}
		dst.seen |= 1 << i
		off := d.s.Offset()
		v, err := d.value(p.dot(shortChannel[i]))
		if err != nil {
			return err
		}
		q, ok := quality(v)
		if !ok {
			d.mismatch(p.dot(shortChannel[i]), wantQuality, "number "+v.String(), off)
		}
		dst.v[i] = q
	}
}

// stringChannels reads {channel1: 'artifact', ...}.
func (d *decoder) stringChannels(p fieldPath, dst *chanVals[string]) error {
	if ok, err := d.enterObject(p); !ok || err != nil {
		return err
	}
	dst.present = true
	for {
		key, err := d.next()
		if err != nil || key == nil {
			return err
		}
		i := channelIndex(key, true)
		if i < 0 {
			if _, err = d.s.Skip(); err != nil {
				return err
			}
			continue
		}
		dst.seen |= 1 << i
		k, err := d.s.Peek()
		if err != nil {
			return err
		}
		if k != lit.String {
			if err := d.wrongKind(p.dot(longChannel[i]), "string"); err != nil {
				return err
			}
			continue
		}
		b, err := d.s.ReadString()
		if err != nil {
			return err
		}
		dst.v[i] = intern(b)
	}
}

// intern returns b as a string without allocating for the values the
// vendor sends.
func intern(b []byte) string {
	switch string(b) {
	case "artifact":
		return "artifact"
	case badData:
		return badData
	case "":
		return ""
	}
	return string(b)
}

// array reads an array of at most maxArray values.
func (d *decoder) array(p fieldPath, dst *valArray) error {
	if err := d.s.BeginArray(); err != nil {
		return err
	}
	dst.present = true
	dst.n = 0
	for {
		more, err := d.s.More()
		if err != nil || !more {
			return err
		}
		if dst.n == maxArray {
			d.mismatch(p, "at most 27 values", "more", d.s.Offset())
			if _, err := d.s.Skip(); err != nil {
				return err
			}
			continue
		}
		if dst.v[dst.n], err = d.value(p.at(dst.n)); err != nil {
			return err
		}
		dst.n++
	}
}

// metricsObject reads the metricsJson object.
func (d *decoder) metricsObject(p fieldPath, dst *objForm) error {
	if ok, err := d.enterObject(p); !ok || err != nil {
		return err
	}
	dst.present = true
	for {
		key, err := d.next()
		if err != nil || key == nil {
			return err
		}
		switch string(key) {
		case "artifact_detect":
			err = d.stringChannels(p.dot("artifact_detect"), &dst.art)
		case "bandpower":
			err = d.bandChannels(p.dot("bandpower"), true, &dst.bp)
		case "blink":
			dst.hasBlink = true
			dst.blink, err = d.single(p.dot("blink"), "blink")
		case "eye":
			dst.hasEye = true
			dst.eye, err = d.single(p.dot("eye"), "eye")
		default:
			_, err = d.s.Skip()
		}
		if err != nil {
			return err
		}
	}
}
