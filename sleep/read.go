package sleep

import (
	"bytes"
	"cmp"
	"errors"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/vendorhooks/vendorhooks"
	"github.com/vendorhooks/vendorhooks/internal/httpx"
	"github.com/vendorhooks/vendorhooks/internal/lit"
	"github.com/vendorhooks/vendorhooks/internal/tolerant"
)

// The reader below decodes a body that encoding/json has already found
// valid (json.Valid), without reflection, straight into the package's
// types: one pass over the envelope, which skims the data (the event name
// may come after it), then one over the data. It exists for the tolerant-reader rule, which
// encoding/json cannot follow: it sees duplicate keys and unknown members,
// reads invalid UTF-8 as Latin-1 instead of U+FFFD, leaves a value of the
// wrong type at its zero value (encoding/json allocates the pointer first,
// so a wrong-typed count became a pointer to 0), reports every such value
// instead of the first, and bounds nesting. json.Valid plus this reader
// measured 0.72x the time of json.Unmarshal into plain structs on the
// spec's SESSION_COMPLETE example and 0.42x on an 8-hour night
// (BenchmarkDecodeVsBaseline, x-baseline-min; the README's goal is at most
// 1.3x), against 1.11x and 1.05x for the encoding/json decoder it replaced,
// with 49 allocations instead of 69.

// seg is one token of the path of the value being read.
type seg struct {
	key  []byte // member name, decoded
	idx  int    // array index, when elem
	elem bool
}

// decoder reads one valid JSON body.
type decoder struct {
	data  []byte
	pos   int
	depth int
	path  []seg
	list  tolerant.List
	ids   sessionIDs
}

// fatal carries a refusal from deep in the reader to DecodeWarnings, which
// recovers it (as encoding/json's decoder once did), so that every reader
// need not return an error it almost never has.
type fatal struct{ err *DecodeError }

// fail refuses the body with msg about the value at the current path.
func (d *decoder) fail(off int, msg string) {
	panic(fatal{decodeError(d.ptr(), int64(off), msg)})
}

// ptr returns the JSON Pointer of the current path, built no further than
// tolerant.CutPath shows it (tolerant.AppendToken), so that a 30 MiB
// member name costs a path of a few hundred bytes, in a warning or a
// refusal alike.
func (d *decoder) ptr() string {
	var b []byte
	for _, s := range d.path {
		if s.elem {
			b = tolerant.AppendIndex(b, s.idx)
		} else {
			b = tolerant.AppendToken(b, string(s.key[:min(len(s.key), tolerant.MaxPathBytes+1)]))
		}
	}
	return string(b)
}

func (d *decoder) push(key []byte) { d.path = append(d.path, seg{key: key}) }
func (d *decoder) pushIndex(i int) { d.path = append(d.path, seg{idx: i, elem: true}) }
func (d *decoder) pop()            { d.path = d.path[:len(d.path)-1] }

// warn records msg about the value at the current path.
func (d *decoder) warn(off int, msg string) {
	if !d.counted(off, false) {
		d.add(d.ptr(), off, msg)
	}
}

// counted reports whether a warning at off would only be counted
// (tolerant.Counted), and if so records it without path or message, so
// that the millionth bad stage costs no path and no text. A caller that
// builds a message checks it first.
func (d *decoder) counted(off int, unknown bool) bool {
	w := vendorhooks.Warning{Offset: int64(off), Unknown: unknown}
	if !tolerant.Counted(d.list, w, bodyOrder) {
		return false
	}
	d.list = tolerant.Compact(append(d.list, w), bodyOrder)
	return true
}

// add records msg about the value at path, keeping the list to at most
// twice tolerant.MaxWarnings (tolerant.Compact, in the order of sorted), so
// that a body of a million bad members holds a few hundred warnings at a
// time, not a million.
func (d *decoder) add(path string, off int, msg string) {
	d.list.Add(path, int64(off), msg)
	d.list = tolerant.Compact(d.list, bodyOrder)
}

// sorted returns the warnings in body order (the envelope is read before
// the data, wherever the data stands), the first tolerant.MaxWarnings of
// them, then at most two that count the rest (tolerant.Limit).
func (d *decoder) sorted() []vendorhooks.Warning {
	return tolerant.Limit(d.list, bodyOrder)
}

// bodyOrder is the order of sorted: by offset (-1, no offset, first),
// equal offsets in the order found.
func bodyOrder(a, b vendorhooks.Warning) int { return cmp.Compare(a.Offset, b.Offset) }

// unknownMsg is the message of an unknown member: the event has no room
// for it, Delivery.Body and Unknown.Raw keep it.
const unknownMsg = "unknown field, not decoded (the body keeps it)"

// unknown records an unknown member at the current path, cut by
// tolerant.CutPath like every other warning's.
func (d *decoder) unknown(koff int) {
	if d.counted(koff, true) {
		return
	}
	d.list = append(d.list, vendorhooks.Warning{Path: tolerant.CutPath(d.ptr()), Offset: int64(koff), Msg: unknownMsg, Unknown: true})
	d.list = tolerant.Compact(d.list, bodyOrder)
}

// enter counts one more level of nesting at the bracket at d.pos, and
// refuses the body past tolerant.MaxDepth.
func (d *decoder) enter() {
	d.depth++
	if d.depth > tolerant.MaxDepth {
		d.fail(d.pos, "nesting deeper than "+strconv.Itoa(tolerant.MaxDepth))
	}
}

// next skips white space and returns the next byte (0 at the end).
func (d *decoder) next() byte {
	for d.pos < len(d.data) {
		switch c := d.data[d.pos]; c {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return c
		}
	}
	return 0
}

// more reports whether the object or array whose opening bracket has been
// read has another element (i elements were read so far), reading the comma
// before it or the closing bracket after the last.
func (d *decoder) more(i int) bool {
	switch d.next() {
	case ']', '}':
		d.pos++
		d.depth--
		return false
	}
	if i > 0 {
		d.pos++ // ','
		d.next()
	}
	return true
}

// scanString reads the string at d.pos and returns its raw content and
// whether it holds escapes.
func (d *decoder) scanString() (raw []byte, esc bool) {
	start := d.pos + 1
	i := start
	for {
		i += bytes.IndexByte(d.data[i:], '"') // found: the body is valid
		n := 0
		for k := i - 1; k >= start && d.data[k] == '\\'; k-- {
			n++
		}
		if n%2 == 0 {
			break
		}
		i++
	}
	raw = d.data[start:i]
	d.pos = i + 1
	return raw, bytes.IndexByte(raw, '\\') >= 0
}

// text returns the content of a string: Latin-1 where it is not UTF-8
// (with a warning at off when warn), escapes decoded.
func (d *decoder) text(raw []byte, esc bool, off int, warn bool) []byte {
	if !utf8.Valid(raw) {
		// Escapes are ASCII: converting before unescaping keeps a \u
		// escape's character as it is.
		raw = tolerant.AppendLatin1(make([]byte, 0, len(raw)+len(raw)/2), raw)
		if warn {
			d.warn(off, tolerant.Latin1Msg)
		}
	}
	if esc {
		raw = unescape(raw)
	}
	return raw
}

// key reads a member name and the colon after it. Invalid UTF-8 in it is
// read as Latin-1 without a warning: a known name is ASCII, so such a
// member is reported as unknown anyway.
func (d *decoder) key() []byte {
	raw, esc := d.scanString()
	k := raw
	if esc || !utf8.Valid(raw) {
		k = d.text(raw, esc, 0, false)
	}
	d.next()
	d.pos++ // ':'
	return k
}

// unescape decodes the JSON escapes of a string's content, which is valid
// UTF-8 by then, with internal/lit's scanner (a lone surrogate becomes
// U+FFFD, as encoding/json makes it). Escapes are rare: the copy with
// quotes costs an allocation only for them.
func unescape(s []byte) []byte {
	q := make([]byte, 0, len(s)+2)
	q = append(append(append(q, '"'), s...), '"')
	var sc lit.Scanner
	sc.Reset(q)
	out, err := sc.ReadString()
	if err != nil { // not reached for valid JSON
		return s
	}
	return out
}

// isEnd reports whether c ends a number or literal.
func isEnd(c byte) bool {
	switch c {
	case ',', '}', ']', ' ', '\t', '\n', '\r', ':':
		return true
	}
	return false
}

// scalar reads the number or literal at d.pos and returns its text.
func (d *decoder) scalar() []byte {
	start := d.pos
	for d.pos < len(d.data) && !isEnd(d.data[d.pos]) {
		d.pos++
	}
	return d.data[start:d.pos]
}

// skip reads the value at d.pos and throws it away, bounding its nesting.
func (d *decoder) skip() {
	switch d.next() {
	case '"':
		d.scanString()
		return
	case '{', '[':
	default:
		d.scalar()
		return
	}
	outer := d.depth
	for {
		switch d.data[d.pos] {
		case '"':
			d.scanString()
			continue
		case '{', '[':
			d.enter()
		case '}', ']':
			d.depth--
			if d.depth == outer {
				d.pos++
				return
			}
		}
		d.pos++
	}
}

// free reads a value of any shape (an unknown event, a free-form member),
// bounding its nesting and warning, with its path, about every string that
// is not UTF-8. It reports whether there was such a string.
func (d *decoder) free() (latin1 bool) {
	switch d.next() {
	case '"':
		return d.freeString()
	case '{':
		d.enter()
		d.pos++
		for i := 0; d.more(i); i++ {
			koff := d.pos
			raw, _ := d.scanString()
			d.pos = koff
			d.push(d.key())
			if !utf8.Valid(raw) {
				d.warn(koff, tolerant.Latin1Msg)
				latin1 = true
			}
			latin1 = d.free() || latin1
			d.pop()
		}
	case '[':
		d.enter()
		d.pos++
		for i := 0; d.more(i); i++ {
			d.pushIndex(i)
			latin1 = d.free() || latin1
			d.pop()
		}
	default:
		d.scalar()
	}
	return latin1
}

func (d *decoder) freeString() bool {
	off := d.pos
	raw, _ := d.scanString()
	if utf8.Valid(raw) {
		return false
	}
	d.warn(off, tolerant.Latin1Msg)
	return true
}

// freeValue reads a free-form value and returns a copy of it that is valid
// UTF-8 JSON.
func (d *decoder) freeValue() []byte {
	d.next()
	start := d.pos
	if d.free() {
		return latin1Strings(d.data[start:d.pos])
	}
	return bytes.Clone(d.data[start:d.pos])
}

// latin1Strings returns a copy of b, JSON text that is valid but for
// invalid UTF-8 in its strings (encoding/json accepts that), with each
// string that is not UTF-8 read as Latin-1, as Decode reads such strings,
// so that the copy is valid UTF-8 JSON. (Outside strings, JSON is ASCII.)
func latin1Strings(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/8)
	for i := 0; i < len(b); {
		if b[i] != '"' {
			out = append(out, b[i])
			i++
			continue
		}
		j := i + 1
		for j < len(b) && b[j] != '"' {
			if b[j] == '\\' {
				j++
			}
			j++
		}
		j = min(j, len(b))
		out = append(out, '"')
		if s := b[i+1 : j]; utf8.Valid(s) {
			out = append(out, s...)
		} else {
			out = tolerant.AppendLatin1(out, s)
		}
		if j < len(b) {
			out = append(out, '"')
		}
		i = j + 1
	}
	return out
}

// describe names the JSON value data[off:end] for a message: a string
// quoted (cut to about 32 bytes), a number as written (cut likewise), else
// its kind.
func (d *decoder) describe(off, end int) string {
	b := d.data[off:end]
	switch b[0] {
	case '"':
		raw, esc := b[1:len(b)-1], bytes.IndexByte(b, '\\') >= 0
		return httpx.Quote(string(d.text(raw, esc, 0, false)))
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number " + cut(b)
}

// cut returns a number's text, cut to 32 bytes (numbers are ASCII).
func cut(b []byte) string {
	if len(b) > 32 {
		return string(b[:32]) + "..."
	}
	return string(b)
}

// leftUnset ends the message of a value that was not used.
const leftUnset = " (left unset)"

// mismatch reads the value at d.pos, which is not what want names, and
// warns about it.
func (d *decoder) mismatch(want string) { d.mismatchAs(want, leftUnset) }

// mismatchAs is mismatch with made saying what was made of the value.
func (d *decoder) mismatchAs(want, made string) {
	off := d.pos
	d.skip()
	if !d.counted(off, false) {
		d.add(d.ptr(), off, "want "+want+", got "+d.describe(off, d.pos)+made)
	}
}

// null reads a null at d.pos, if there is one.
func (d *decoder) null() bool {
	if d.next() == 'n' {
		d.pos += 4
		return true
	}
	return false
}

// str reads a string; null and, with a warning, any other value give "".
func (d *decoder) str() string {
	switch d.next() {
	case '"':
		off := d.pos
		raw, esc := d.scanString()
		if !esc && utf8.Valid(raw) {
			return string(raw)
		}
		return string(d.text(raw, esc, off, true))
	case 'n':
		d.pos += 4
	default:
		d.mismatch("string")
	}
	return ""
}

// number reads a number's text; null gives nil, any other value nil with a
// warning that want was expected (made saying what was made of it).
func (d *decoder) number(want, made string) []byte {
	switch c := d.next(); {
	case c == '-' || c >= '0' && c <= '9':
		return d.scalar()
	case c == 'n':
		d.pos += 4
	default:
		d.mismatchAs(want, made)
	}
	return nil
}

// integer reads an integer; ok false for null and, with a warning, for any
// other value.
func (d *decoder) integer() (int, bool) { return d.integerAs(leftUnset) }

// integerAs is integer with made saying in a warning what is made of a
// value that is not an integer.
func (d *decoder) integerAs(made string) (int, bool) {
	d.next()
	at := d.pos
	b := d.number("integer", made)
	if b == nil {
		return 0, false
	}
	n, err := lit.ParseInt(b)
	if err != nil {
		if !d.counted(at, false) {
			d.add(d.ptr(), at, "want integer, got number "+cut(b)+made)
		}
		return 0, false
	}
	return int(n), true
}

// intPtr reads an integer that may be null.
func (d *decoder) intPtr() *int {
	if n, ok := d.integer(); ok {
		return &n
	}
	return nil
}

// floatPtr reads a number that may be null.
func (d *decoder) floatPtr() *float64 {
	d.next()
	at := d.pos
	b := d.number("number", leftUnset)
	if b == nil {
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		d.warn(at, "number "+cut(b)+" is out of range"+leftUnset)
		return nil
	}
	return &f
}

// maxSeconds is the largest second count a time.Duration holds.
const maxSeconds = (1<<63 - 1) / int64(time.Second)

// seconds reads a count of seconds that may be null.
func (d *decoder) seconds() *time.Duration {
	d.next()
	at := d.pos
	b := d.number("integer seconds", leftUnset)
	if b == nil {
		return nil
	}
	n, err := lit.ParseInt(b)
	switch {
	case errors.Is(err, lit.ErrRange) || n > maxSeconds || n < -maxSeconds:
		d.warn(at, cut(b)+" seconds is out of range"+leftUnset)
		return nil
	case err != nil:
		d.warn(at, "want integer seconds, got number "+cut(b)+leftUnset)
		return nil
	}
	v := time.Duration(n) * time.Second
	return &v
}

// wantTime is what an instant must look like.
const wantTime = "want RFC 3339 time with offset"

// instant reads an RFC 3339 time with offset. null gives ok false, with a
// warning unless nullOK; any other value gives ok false with a warning.
// clock, when not nil, also accepts a time of day ("22:40:00") into it.
func (d *decoder) instant(nullOK bool, clock **TimeOfDay) (time.Time, bool) {
	var t time.Time
	at := d.pos
	switch d.next() {
	case '"':
		at = d.pos
		raw, esc := d.scanString()
		if !esc && t.UnmarshalText(raw) == nil {
			return t, true
		}
		s := d.text(raw, esc, at, false)
		if esc && t.UnmarshalText(s) == nil {
			return t, true
		}
		if clock != nil {
			if c, ok := parseTimeOfDay(s); ok {
				*clock = &c
				return time.Time{}, false
			}
		}
		d.warn(at, wantTime+", got "+httpx.Quote(string(s))+leftUnset)
	case 'n':
		at = d.pos
		d.pos += 4
		if !nullOK {
			d.warn(at, wantTime+", got null (left zero)")
		}
	default:
		d.mismatch("RFC 3339 time with offset")
	}
	return time.Time{}, false
}

// instantPtr reads an instant that may be null.
func (d *decoder) instantPtr() *time.Time {
	if t, ok := d.instant(true, nil); ok {
		return &t
	}
	return nil
}

// array reads the opening bracket of an array; null and, with a warning,
// any other value give false.
func (d *decoder) array() bool {
	switch d.next() {
	case '[':
		d.enter()
		d.pos++
		return true
	case 'n':
		d.pos += 4
	default:
		d.mismatch("array")
	}
	return false
}

// object reads the opening brace of an object; null and, with a warning,
// any other value give false.
func (d *decoder) object() bool {
	switch d.next() {
	case '{':
		return true
	case 'n':
		d.pos += 4
	default:
		d.mismatch("object")
	}
	return false
}

// list reads an array, each element with elem; null gives nil, [] an empty
// slice.
func list[T any](d *decoder, elem func(d *decoder) T) []T {
	if !d.array() {
		return nil
	}
	out := []T{}
	for i := 0; d.more(i); i++ {
		d.pushIndex(i)
		out = append(out, elem(d))
		d.pop()
	}
	return out
}

// stages reads a stage list. An element that is not an integer becomes
// bad, with a warning (none for null), so that the epochs after it keep
// their positions.
func stages[T ~int](d *decoder, bad T) []T {
	made := " (read as " + strconv.Itoa(int(bad)) + ")"
	return list(d, func(d *decoder) T {
		if n, ok := d.integerAs(made); ok {
			return T(n)
		}
		return bad
	})
}

// member is one known member of an object of type T.
type member[T any] struct {
	name string
	// alias names the member this one is another spelling of; both set
	// the same field, so one after the other is a duplicate.
	alias string
	// identity: a duplicate refuses the body.
	identity bool
	read     func(d *decoder, v *T)
	bit      uint
}

// fields is the known members of an object type.
type fields[T any] struct {
	list  []member[T]
	index map[string]int
}

// newFields indexes ms; it panics (at init) for more than 64 members.
func newFields[T any](ms []member[T]) *fields[T] {
	if len(ms) > 64 {
		panic("sleep: more than 64 members")
	}
	f := &fields[T]{list: ms, index: make(map[string]int, len(ms))}
	for i := range ms {
		ms[i].bit = uint(i)
		f.index[ms[i].name] = i
	}
	for i := range ms {
		if ms[i].alias != "" {
			ms[i].bit = ms[f.index[ms[i].alias]].bit
		}
	}
	return f
}

// lift makes the members of T members of U, read into the T that at
// returns.
func lift[T, U any](f *fields[T], at func(*U) *T) []member[U] {
	out := make([]member[U], len(f.list))
	for i, m := range f.list {
		read := m.read
		out[i] = member[U]{name: m.name, alias: m.alias, identity: m.identity,
			read: func(d *decoder, v *U) { read(d, at(v)) }}
	}
	return out
}

// readObject reads the object at d.pos (its brace not yet read) into v:
// known members with their read functions, the last of two equal names
// winning with a warning (a refusal for an identity member), unknown ones
// skipped with an unknown-member warning.
func readObject[T any](d *decoder, f *fields[T], v *T) {
	d.enter()
	d.pos++
	var seen uint64
	for i := 0; d.more(i); i++ {
		koff := d.pos
		d.push(d.key())
		j, ok := f.index[string(d.path[len(d.path)-1].key)]
		if !ok {
			d.unknown(koff)
			d.skip()
			d.pop()
			continue
		}
		m := &f.list[j]
		if bit := uint64(1) << m.bit; seen&bit != 0 {
			if m.identity {
				d.fail(koff, "duplicate key: an identity field given twice")
			}
			d.warn(koff, "duplicate key: the last value wins")
		} else {
			seen |= bit
		}
		d.next()
		m.read(d, v)
		d.pop()
	}
}
