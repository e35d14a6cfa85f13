package eeg

import (
	"errors"
	"math"
	"time"

	"github.com/vendorhooks/vendorhooks"
	"github.com/vendorhooks/vendorhooks/internal/httpx"
	"github.com/vendorhooks/vendorhooks/internal/lit"
	"github.com/vendorhooks/vendorhooks/internal/tolerant"
)

// Decode decodes one Petal Metrics message from data, in one pass with no
// reflection and no copy of data (the returned Event never aliases data);
// a body with a string that is not UTF-8 takes a second pass.
//
// It accepts strict JSON, which real senders post, and the Python-literal
// text the vendor's docs and users' logs show: single or double quotes with
// their escapes, True/False/None, NaN/Infinity/-Infinity/nan/inf, trailing
// commas, bare identifier keys, and a missing comma between two members
// where a newline separates them (the docs' own "metrics" example lacks
// one); a missing comma anywhere else is a syntax error.
//
// Decode follows the tolerant-reader rule (see the package doc). It refuses
// a message, returning a nil Event and a *DecodeError that matches
// ErrMalformed, only when the text is not a literal object at all, nests
// deeper than 64 levels, or its "type" is missing, not a string, longer
// than 64 bytes, or given twice. Any other message is delivered: a non-nil
// Event, and beside it a *vendorhooks.Warnings (which does not match
// ErrMalformed) when a field of a known type had a value of the wrong type
// or shape, was missing, was given twice, or a string was not UTF-8. The
// field in question is left at its zero value (the last value wins for a
// duplicate key; a string that is not UTF-8 is read as Latin-1). Members
// this package does not know are not errors: DecodeWarnings reports them.
//
// A message whose type this package does not know decodes to *Unknown,
// whatever its fields hold, NaN and Infinity included, with no warning
// but for text that is not UTF-8.
func Decode(data []byte) (Event, error) {
	ev, ws, err := DecodeWarnings(data)
	if err != nil {
		return nil, err
	}
	return ev, tolerant.List(ws).Err(vendor)
}

// DecodeWarnings is Decode returning every warning, those for unknown
// members (Warning.Unknown) included, in body order (then the findings
// that have no offset: missing members, arrays of the wrong length): the
// first 100, then at most two that count the rest (see the package doc). Its
// error is only a fatal *DecodeError, with a nil Event; otherwise the Event
// is deliverable and ws is nil when there is nothing to report. Use it
// where you want to see a vendor's payload drift: a queue consumer, a test.
//
// This package's types have no member for unknown fields, so an unknown
// member is reported but not kept: Delivery.Body holds it byte for byte.
func DecodeWarnings(data []byte) (ev Event, ws []vendorhooks.Warning, err error) {
	var d decoder
	d.s.Reset(data)
	ev, err = d.decode(data)
	if d.notUTF8 {
		return decodeLatin1(data)
	}
	if err != nil {
		return nil, nil, err
	}
	return ev, d.sorted(), nil
}

// chanVals collects up to five channels; seen has bit i for channel i+1.
// given is set when the member was there, present when it was an object.
type chanVals[T any] struct {
	v       [5]T
	seen    uint8
	given   bool
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

// actionState is what the action member holds; a duplicate action member
// replaces all of it.
type actionState struct {
	seen uint8      // actTime, actValue
	time LSLSeconds // action.time
	kind lit.Kind   // kind of action.value; Invalid when absent
	val  Value
	arr  valArray
	obj  objForm
}

// dataState is what the data member holds; a duplicate data member
// replaces all of it.
type dataState struct {
	seen             uint16 // one bit per known member (dataID ...)
	meta             Meta   // all but ActionTime
	blink, eye       Value
	hasBlink, hasEye bool
	bp               chanVals[Bands]
	art              chanVals[Quality]
	metArr           valArray
	metObj           objForm
}

// Bits of actionState.seen and dataState.seen, for duplicate keys.
const (
	actTime = 1 << iota
	actValue
)

const (
	dataID = 1 << iota
	dataLastEEGID
	dataUnixTS
	dataLSL
	dataLSLEEGFill
	dataLSLAPICall
	dataLSLAPIRecv
	dataBlink
	dataEye
	dataBandpower
	dataArtifact
	dataMetrics
)

type decoder struct {
	s     lit.Scanner
	warns tolerant.List // for a known type; dropped for an Unknown
	ptr   []byte        // the pointer of an unknown member, reused

	// fix, when not nil, maps offsets in the Latin-1 reading of the body
	// back to the body as sent (see decodeLatin1).
	fix *latin1Fix
	// notUTF8 is set when the scanner met a string that is not UTF-8.
	notUTF8 bool

	kind     string // one of the Kind constants, or "" when unknown
	typeName string // the type as sent, for Unknown
	hasType  bool
	top      uint8 // topAction, topData: for duplicate keys

	act  actionState
	data dataState
}

// Bits of decoder.top.
const (
	topAction = 1 << iota
	topData
)

const wantValue = `number or "bad_data"`

// off returns offset o of the text read as a body offset (-1 stays -1).
func (d *decoder) off(o int) int64 {
	if o < 0 {
		return -1
	}
	if d.fix != nil {
		return d.fix.orig(o)
	}
	return int64(o)
}

// warn records a warning, its path cut by tolerant.CutPath (every warning's
// goes through here), keeping the list to at most twice
// tolerant.MaxWarnings (tolerant.Compact, in the order of sorted), so that
// a body of a million unknown or bad members holds a few hundred warnings
// at a time, not a million.
func (d *decoder) warn(w vendorhooks.Warning) {
	w.Path = tolerant.CutPath(w.Path)
	d.warns = append(d.warns, w)
	d.warns = tolerant.Compact(d.warns, bodyOrder)
}

// counted reports whether a warning at body offset off would only be
// counted (tolerant.Counted), and if so records it without path or
// message, so that the millionth unknown member costs no path and no text.
// A caller that builds a warning checks it first.
func (d *decoder) counted(off int64, unknown bool) bool {
	w := vendorhooks.Warning{Offset: off, Unknown: unknown}
	if !tolerant.Counted(d.warns, w, bodyOrder) {
		return false
	}
	d.warn(w)
	return true
}

// sorted returns the warnings with an offset in body order, then those
// without one in the order found, cut to the first tolerant.MaxWarnings
// with the rest counted (tolerant.Limit); nil when there are none.
func (d *decoder) sorted() []vendorhooks.Warning {
	if len(d.warns) == 0 {
		return nil
	}
	return tolerant.Limit(d.warns, bodyOrder)
}

// bodyOrder is the order of sorted: by offset, -1 (unknown) last.
func bodyOrder(a, b vendorhooks.Warning) int { return cmpOffset(a.Offset, b.Offset) }

// cmpOffset orders offsets, -1 (unknown) last.
func cmpOffset(a, b int64) int {
	if a < 0 {
		a = math.MaxInt64
	}
	if b < 0 {
		b = math.MaxInt64
	}
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// fail converts a scanner error to a *DecodeError.
func (d *decoder) fail(err error) error {
	if se, ok := err.(*lit.SyntaxError); ok {
		if se.Reason == litInvalidUTF8 && d.fix == nil {
			d.notUTF8 = true
		}
		if d.fix != nil {
			se = lit.NewSyntaxError(d.fix.body, int(d.fix.orig(se.Offset)), se.Reason)
		}
		return syntaxError(se)
	}
	if _, ok := err.(*DecodeError); ok || err == nil {
		return err
	}
	// The scanner returns only *lit.SyntaxError; this keeps the promise
	// that every refusal is a *DecodeError should that change.
	return &DecodeError{Vendor: vendor, Offset: d.off(d.s.Offset()), Msg: err.Error()}
}

// mismatch records the warning of a value at p that holds got where want
// was expected; the field stays at its zero value.
func (d *decoder) mismatch(p fieldPath, want, got string, off int) {
	if d.counted(d.off(off), false) {
		return
	}
	d.warn(vendorhooks.Warning{Path: p.String(), Offset: d.off(off), Msg: "want " + want + ", got " + got + leftZero})
}

// leftZero ends the message of a value of the wrong type or shape.
const leftZero = "; left at zero"

// missing records the warning of a missing field.
func (d *decoder) missing(p fieldPath, want string) {
	d.warn(vendorhooks.Warning{Path: p.String(), Offset: -1, Msg: "missing, want " + want})
}

// duplicate records that the member name of the object at p is given
// again; the value that follows (the last) wins.
func (d *decoder) duplicate(p *fieldPath, name string) {
	d.s.PeekByte()
	if d.counted(d.off(d.s.Offset()), false) {
		return
	}
	q := p.dot(name)
	d.warn(vendorhooks.Warning{Path: q.String(), Offset: d.off(d.s.Offset()), Msg: "duplicate key: the last value wins"})
}

// skipUnknown skips the value of member key of the object at p, which no
// field of the type holds, and records it (and, when it was given before,
// that the key is duplicated).
func (d *decoder) skipUnknown(p *fieldPath, key []byte) error {
	// The key may live in the scanner's buffer: make its path first, in
	// d.ptr, from no more of the key than the path shows
	// (tolerant.AppendToken), so that a 30 MiB name costs a path of a few
	// hundred bytes, and a name whose warnings are only counted none.
	d.ptr = tolerant.AppendToken(p.append(d.ptr[:0]), string(key[:min(len(key), tolerant.MaxPathBytes+1)]))
	skipped, err := d.s.Skip()
	if err != nil {
		return err
	}
	off := d.off(skipped)
	// A repeat is found among the warnings kept (the first ones in body
	// order, where a first occurrence comes before its repeat). A path
	// that was cut is only the start of its name, not the name: two long
	// names that share it are not a duplicate.
	if len(d.ptr) <= tolerant.MaxPathBytes {
		for _, w := range d.warns {
			if w.Unknown && w.Path == string(d.ptr) {
				if !d.counted(off, false) {
					d.warn(vendorhooks.Warning{Path: string(d.ptr), Offset: off, Msg: "duplicate key: the last value wins"})
				}
				break
			}
		}
	}
	if !d.counted(off, true) {
		d.warn(vendorhooks.Warning{Path: string(d.ptr), Offset: off, Msg: unknownMsg, Unknown: true})
	}
	return nil
}

// unknownMsg is the message of an unknown member. (tolerant.List.Unknown
// says "kept", which these types cannot do.)
const unknownMsg = "unknown field, not kept: Delivery.Body has it"

// wrongKind records that the next value is not what p wants, and skips it.
func (d *decoder) wrongKind(p fieldPath, want string) error {
	k, err := d.s.Peek()
	if err != nil {
		return err
	}
	off, err := d.s.Skip()
	if err == nil {
		d.mismatch(p, want, k.String(), off)
	}
	return err
}

// quoteShort quotes an input string for a message, cut to about 32 bytes.
func quoteShort(prefix string, b []byte) string {
	return prefix + httpx.Quote(string(b))
}

// enterObject opens the object at p, or records a warning and skips the
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

// fatal returns the *DecodeError of the message's type at offset off.
func (d *decoder) fatal(off int, msg string) error {
	return &DecodeError{Vendor: vendor, Path: typePath, Offset: d.off(off), Msg: msg}
}

// typePath is the pointer of the message's type member.
const typePath = "/type"

func (d *decoder) decode(data []byte) (Event, error) {
	k, err := d.s.Peek()
	if err != nil {
		return nil, d.fail(err)
	}
	if k != lit.Object {
		return nil, &DecodeError{Vendor: vendor, Offset: d.off(d.s.Offset()), Msg: "want object, got " + k.String()}
	}
	if err := d.s.BeginObject(); err != nil {
		return nil, d.fail(err)
	}
	top := root()
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
			if d.top&topAction != 0 {
				d.duplicate(&top, "action")
				d.act = actionState{}
			}
			d.top |= topAction
			err = d.action()
		case "data":
			if d.top&topData != 0 {
				d.duplicate(&top, "data")
				d.data = dataState{}
			}
			d.top |= topData
			err = d.dataMember()
		case "type":
			err = d.typ()
		default:
			err = d.skipUnknown(&top, key)
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

// typ reads the message's type, its identity: a type that is not a
// string, is longer than tolerant.MaxKindBytes, or is given twice is fatal,
// since readers of the raw body would disagree on what the message is.
func (d *decoder) typ() error {
	k, err := d.s.Peek()
	if err != nil {
		return err
	}
	off := d.s.Offset()
	if d.hasType {
		return d.fatal(off, "type given twice")
	}
	if k != lit.String {
		return d.fatal(off, "want string, got "+k.String())
	}
	b, err := d.s.ReadString()
	if err != nil {
		return err
	}
	if len(b) > tolerant.MaxKindBytes {
		return d.fatal(off, "type longer than 64 bytes: "+httpx.Quote(string(b)))
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
	a := &d.act
	for {
		key, err := d.next()
		if err != nil || key == nil {
			return err
		}
		switch string(key) {
		case "time":
			if a.seen&actTime != 0 {
				d.duplicate(&p, "time")
			}
			a.seen |= actTime
			a.time, err = d.lsl(p.dot("time"))
		case "value":
			if a.seen&actValue != 0 {
				d.duplicate(&p, "value")
				t := a.time
				*a = actionState{seen: a.seen, time: t}
			}
			a.seen |= actValue
			err = d.actionValue(p.dot("value"))
		default:
			err = d.skipUnknown(&p, key)
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
	d.act.kind = k
	switch k {
	case lit.Array:
		return d.array(p, &d.act.arr)
	case lit.Object:
		return d.metricsObject(p, &d.act.obj)
	}
	d.act.val, err = d.value(p)
	return err
}

// once records member name of the object at p in seen (bit), warning
// when it was there before: the caller reads the value again, and the last
// wins.
func (d *decoder) once(seen *uint16, bit uint16, p *fieldPath, name string) {
	if *seen&bit != 0 {
		d.duplicate(p, name)
	}
	*seen |= bit
}

func (d *decoder) dataMember() error {
	p := pathOf("data")
	if ok, err := d.enterObject(p); !ok || err != nil {
		return err
	}
	s := &d.data
	for {
		key, err := d.next()
		if err != nil || key == nil {
			return err
		}
		// One switch on the key, the duplicate check a bit test in each
		// case: a second switch on a member bit, and clearing the metrics
		// state on every message, together cost a metrics message about
		// 9% (BenchmarkDecodeRatio: 5.6x encoding/json, 6.1x without).
		switch string(key) {
		case "id":
			d.once(&s.seen, dataID, &p, "id")
			s.meta.ID, err = d.int(p.dot("id"))
		case "last_eeg_id":
			d.once(&s.seen, dataLastEEGID, &p, "last_eeg_id")
			s.meta.LastEEGID, err = d.int(p.dot("last_eeg_id"))
		case "unix_ts":
			d.once(&s.seen, dataUnixTS, &p, "unix_ts")
			s.meta.Time, err = d.unixTime(p.dot("unix_ts"))
		case "lsl_ts":
			d.once(&s.seen, dataLSL, &p, "lsl_ts")
			s.meta.LSL, err = d.lsl(p.dot("lsl_ts"))
		case "lsl_eeg_fill_ts":
			d.once(&s.seen, dataLSLEEGFill, &p, "lsl_eeg_fill_ts")
			s.meta.LSLEEGFill, err = d.lsl(p.dot("lsl_eeg_fill_ts"))
		case "lsl_api_call_ts":
			d.once(&s.seen, dataLSLAPICall, &p, "lsl_api_call_ts")
			s.meta.LSLAPICall, err = d.lsl(p.dot("lsl_api_call_ts"))
		case "lsl_api_recv_ts":
			d.once(&s.seen, dataLSLAPIRecv, &p, "lsl_api_recv_ts")
			s.meta.LSLAPIRecv, err = d.lsl(p.dot("lsl_api_recv_ts"))
		case "blink":
			d.once(&s.seen, dataBlink, &p, "blink")
			s.hasBlink = true
			s.blink, err = d.single(p.dot("blink"), "blink")
		case "eye":
			d.once(&s.seen, dataEye, &p, "eye")
			s.hasEye = true
			s.eye, err = d.single(p.dot("eye"), "eye")
		case "bandpower":
			d.once(&s.seen, dataBandpower, &p, "bandpower")
			err = d.bandChannels(p.dot("bandpower"), false, &s.bp)
		case "artifact_detect":
			d.once(&s.seen, dataArtifact, &p, "artifact_detect")
			err = d.qualityChannels(p.dot("artifact_detect"), &s.art)
		case "metrics":
			if s.seen&dataMetrics != 0 {
				// The last metrics member wins, whichever its form.
				// (Not cleared otherwise: that is 1 KB to zero.)
				s.metArr, s.metObj = valArray{}, objForm{}
			}
			d.once(&s.seen, dataMetrics, &p, "metrics")
			var k lit.Kind
			if k, err = d.s.Peek(); err != nil {
				return err
			}
			switch k {
			case lit.Array:
				err = d.array(p.dot("metrics"), &s.metArr)
			case lit.Object:
				err = d.metricsObject(p.dot("metrics"), &s.metObj)
			default:
				err = d.wrongKind(p.dot("metrics"), "array or object")
			}
		default:
			err = d.skipUnknown(&p, key)
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
			return Value{}, nil
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
		return 0, nil
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
		if string(key) != name {
			if err := d.skipUnknown(&p, key); err != nil {
				return v, err
			}
			continue
		}
		if seen {
			d.duplicate(&p, name)
		}
		seen = true
		if v, err = d.value(p.dot(name)); err != nil {
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
// v, ...}}). Other keys are unknown members.
func (d *decoder) bandChannels(p fieldPath, long bool, dst *chanVals[Bands]) error {
	if dst.given { // a duplicate member: the last wins whole
		*dst = chanVals[Bands]{}
	}
	dst.given = true
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
			err = d.skipUnknown(&p, key)
		} else {
			if dst.seen&(1<<i) != 0 {
				d.duplicate(&p, channelName(i, long))
				dst.v[i] = Bands{}
			}
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
// (digits: {'0': v, ... '3': v}); a missing band is a warning.
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
			err = d.skipUnknown(&p, key)
		} else {
			if seen&(1<<i) != 0 {
				d.duplicate(&p, names[i])
			}
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
	if dst.given { // a duplicate member: the last wins whole
		*dst = chanVals[Quality]{}
	}
	dst.given = true
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
			if err = d.skipUnknown(&p, key); err != nil {
				return err
			}
			continue
		}
		if dst.seen&(1<<i) != 0 {
			d.duplicate(&p, shortChannel[i])
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
	if dst.given { // a duplicate member: the last wins whole
		*dst = chanVals[string]{}
	}
	dst.given = true
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
			if err = d.skipUnknown(&p, key); err != nil {
				return err
			}
			continue
		}
		if dst.seen&(1<<i) != 0 {
			d.duplicate(&p, longChannel[i])
		}
		dst.seen |= 1 << i
		dst.v[i] = ""
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

// array reads an array of at most maxArray values; the rest are skipped
// with one warning.
func (d *decoder) array(p fieldPath, dst *valArray) error {
	if err := d.s.BeginArray(); err != nil {
		return err
	}
	dst.present = true
	dst.n = 0
	over := false
	for {
		more, err := d.s.More()
		if err != nil || !more {
			return err
		}
		if dst.n == maxArray {
			off, err := d.s.Skip()
			if err != nil {
				return err
			}
			if !over {
				over = true
				d.mismatch(p.at(maxArray), "at most 27 values", "more: skipped", off)
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
			if dst.art.given {
				d.duplicate(&p, "artifact_detect")
			}
			err = d.stringChannels(p.dot("artifact_detect"), &dst.art)
		case "bandpower":
			if dst.bp.given {
				d.duplicate(&p, "bandpower")
			}
			err = d.bandChannels(p.dot("bandpower"), true, &dst.bp)
		case "blink":
			if dst.hasBlink {
				d.duplicate(&p, "blink")
			}
			dst.hasBlink = true
			dst.blink, err = d.single(p.dot("blink"), "blink")
		case "eye":
			if dst.hasEye {
				d.duplicate(&p, "eye")
			}
			dst.hasEye = true
			dst.eye, err = d.single(p.dot("eye"), "eye")
		default:
			err = d.skipUnknown(&p, key)
		}
		if err != nil {
			return err
		}
	}
}
