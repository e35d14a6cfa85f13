package labvanced

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"mime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vendorhooks/vendorhooks"
	"github.com/vendorhooks/vendorhooks/internal/httpx"
	"github.com/vendorhooks/vendorhooks/internal/tolerant"
)

// ErrMalformed is vendorhooks.ErrMalformed, which every fatal decode error
// matches with errors.Is: a body that cannot be parsed, nesting deeper than
// 64 levels, a route longer than 64 bytes. A field of the wrong type is not
// one of them (see Decode).
var ErrMalformed = vendorhooks.ErrMalformed

// DecodeError is vendorhooks.DecodeError, the one error Decode returns for
// a payload it refuses. Its Vendor is "labvanced"; its Path is the RFC 6901
// JSON Pointer of the offending part (a multipart field such as
// "/myFile"), empty when the body as a whole is at fault; its Offset is the
// byte offset in the body where the problem was found, -1 where it is not
// known. Warnings use the same paths: "/var_data/screenWidth",
// "/recData/data/a~1b" for a variable named "a/b".
type DecodeError = vendorhooks.DecodeError

// vendor is the package's name in errors, logs and Delivery.
const vendor = "labvanced"

// decodeError returns a DecodeError of this package.
func decodeError(path string, offset int64, msg string) *DecodeError {
	return &DecodeError{Vendor: vendor, Path: path, Offset: offset, Msg: msg}
}

// Body formats Decode understands.
const (
	formatJSON = iota
	formatForm
	formatMultipart
)

// bodyFormat picks the format from the content type. A content type that
// is missing, unparsable or neither JSON nor form (text/plain from a bare
// fetch) is decided by the body: an object starts with '{'.
func bodyFormat(contentType string, body []byte) (format int, boundary string) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err == nil {
		switch {
		case mt == "application/json" || strings.HasSuffix(mt, "+json"):
			return formatJSON, ""
		case mt == "application/x-www-form-urlencoded":
			return formatForm, ""
		case mt == "multipart/form-data":
			return formatMultipart, params["boundary"]
		}
	}
	for _, c := range body {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '{':
			return formatJSON, ""
		}
		break
	}
	return formatForm, ""
}

// Decode decodes the payload body sent to route (the last element of the
// request path, with or without a leading slash) with the given
// Content-Type. JSON bodies and application/x-www-form-urlencoded bodies in
// jQuery bracket notation (the player's) are both accepted; a missing
// content type is decided by the body. A multipart/form-data body is
// accepted for RouteFileUpload only: Decode reads the file to measure and
// hash it, without storing it (the handler streams it to a FileStore
// instead).
//
// Decode follows the tolerant-reader rule of every vendorhooks package. It
// returns a nil Event, with a *DecodeError matching ErrMalformed, only when
// nothing can be delivered: a route longer than 64 bytes, a body that
// cannot be parsed (bad JSON syntax, a JSON value that is not an object, a
// multipart body on another route, an upload without its file), or nesting
// deeper than 64 levels, free-form members included. Labvanced has no
// identity field: every field may arrive empty. Anything else is delivered,
// and a non-nil Event always means deliverable: a field missing, empty or
// of an unexpected type is left at its zero value (the body keeps what
// arrived); a duplicate key keeps its last value; text that is not UTF-8 is
// read as Latin-1; a member this package does not know is kept in the
// type's Extra. Each is a vendorhooks.Warning naming its RFC 6901 path and
// offset; the error beside the event is then a *vendorhooks.Warnings
// listing them (which does not match ErrMalformed), or nil when the only
// warnings are for unknown members. DecodeWarnings returns them all.
// "All" is at most 100 (tolerant's rule, the first in body order) plus
// one or two that count the rest, and a path is cut to 256 bytes, so a
// hostile body of many members or of one huge name costs about its own
// size to decode, not a warning per member or a copy of the name per path.
//
// A route Decode does not know gives an *Unknown holding a copy of the body
// as JSON (see Unknown).
func Decode(route, contentType string, body []byte) (Event, error) {
	ev, list, err := decode(route, contentType, body)
	if err != nil {
		return nil, err
	}
	return ev, list.Err(vendor)
}

// DecodeWarnings is Decode returning every warning, unknown members
// included, in body order (the first 100, then at most two that count the
// rest: see Decode), and only a fatal *DecodeError as its error: for a
// receiver or a test that wants to see the payload drift.
func DecodeWarnings(route, contentType string, body []byte) (Event, []vendorhooks.Warning, error) {
	ev, list, err := decode(route, contentType, body)
	if err != nil {
		return nil, nil, err
	}
	return ev, list, nil
}

// decode is Decode with its warnings, sorted into body order.
func decode(route, contentType string, body []byte) (Event, tolerant.List, error) {
	route = strings.Trim(route, "/")
	if len(route) > tolerant.MaxKindBytes {
		return nil, nil, routeTooLong(route)
	}
	dec, ok := decoders[route]
	format, boundary := bodyFormat(contentType, body)
	if format == formatMultipart && ok {
		if route != RouteFileUpload {
			return nil, nil, decodeError("", -1, "multipart body is only accepted on "+RouteFileUpload)
		}
		ev, list, err := decodeMultipart(boundary, body)
		return ev, sortWarnings(list), err
	}
	d := &decoder{}
	if !ok {
		raw, err := rawJSON(format, body, &d.list)
		if err != nil {
			return nil, nil, err
		}
		return &Unknown{Route: route, Raw: raw}, sortWarnings(d.list), nil
	}
	d.offsets = make(map[string]int64, 16)
	m, err := parseBody(format, body, &d.list, d.offsets)
	if err != nil {
		return nil, nil, err
	}
	ev := dec(&object{d: d, m: m})
	return ev, sortWarnings(d.list), nil
}

// routeTooLong is the error for a route longer than tolerant.MaxKindBytes,
// so that an attacker-chosen route costs little to store and log.
func routeTooLong(route string) *DecodeError {
	return decodeError("", -1, "route of "+strconv.Itoa(len(route))+" bytes is longer than "+strconv.Itoa(tolerant.MaxKindBytes))
}

// sortWarnings puts warnings in body order (by offset, then path, keeping
// the order of equal ones), whatever order maps gave them in, and keeps
// the first tolerant.MaxWarnings, counting the rest (tolerant.Limit).
func sortWarnings(l tolerant.List) tolerant.List {
	return tolerant.Limit(l, bodyOrder)
}

// bodyOrder is the order of sortWarnings.
func bodyOrder(a, b vendorhooks.Warning) int {
	if c := cmp.Compare(a.Offset, b.Offset); c != 0 {
		return c
	}
	return strings.Compare(a.Path, b.Path)
}

// warn adds a warning to list, which it keeps to at most twice
// tolerant.MaxWarnings (tolerant.Compact), so that a body of a million
// bad members holds a few hundred warnings at a time, not a million.
// maxKeyBytes is the longest member name (a form key, a JSON object key), in
// bytes of its decoded text, a decoded event keeps. No Labvanced field or
// study variable comes near it; a longer one is a hostile body's, and is not
// kept (it would be held and marshalled at its full size): a warning says
// so, and the body as sent, Delivery.Body, still holds it. The rule is on
// the decoded text, so an event marshalled and decoded again keeps the same
// members.
const maxKeyBytes = 4 << 10

// maxKeyEscaped and maxKeyEncoded bound a JSON key as written (a \uXXXX
// escape is six bytes for one) and a form key as sent (%XX is three): a
// longer one cannot fit maxKeyBytes once decoded, and is dropped before it
// is copied.
const (
	maxKeyEscaped = 6 * maxKeyBytes
	maxKeyEncoded = 3 * maxKeyBytes
)

// longKeyMsg is the warning for a member name of n bytes, over maxKeyBytes.
func longKeyMsg(n int) string {
	return "a member name of " + strconv.Itoa(n) + " bytes: not kept in the event (the body as sent has it)"
}

// longWrittenKeyMsg is the warning for a member name written in n bytes,
// over maxKeyEscaped or maxKeyEncoded: dropped before it is decoded, so its
// decoded length is not known.
func longWrittenKeyMsg(n int) string {
	return "a member name written in " + strconv.Itoa(n) + " bytes: not kept in the event (the body as sent has it)"
}

func warn(list *tolerant.List, path string, offset int64, msg string) {
	list.Add(path, offset, msg)
	*list = tolerant.Compact(*list, bodyOrder)
}

// rawJSON returns a new copy of body as JSON for an Unknown: a JSON body as
// it arrived (its strings that are not UTF-8 read as Latin-1), a form body
// as its JSON object, anything else as a JSON string (Latin-1 where it is
// not UTF-8). Each finding is a warning; only nesting deeper than
// tolerant.MaxDepth is fatal.
func rawJSON(format int, body []byte, list *tolerant.List) (json.RawMessage, error) {
	var v any
	switch format {
	case formatJSON:
		var sub tolerant.List
		_, p, err := parseJSON(body, &sub, nil)
		if err == nil {
			*list = tolerant.Compact(append(*list, sub...), bodyOrder)
			if len(p.latin1) > 0 {
				return latin1Body(body, p.latin1), nil
			}
			return bytes.Clone(body), nil
		}
		if p.tooDeep {
			return nil, err
		}
		v = text(body, "", list)
	case formatForm:
		m, err := parseForm(body, list, nil)
		if err != nil {
			return nil, err
		}
		v = m
	default:
		v = text(body, "", list)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil { // not possible for strings and parsed forms
		return json.RawMessage("null"), nil
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// text returns b as a string, read as Latin-1 with a warning at path when
// it is not UTF-8.
func text(b []byte, path string, list *tolerant.List) string {
	s, latin1 := tolerant.Text(b)
	if latin1 {
		warn(list, path, -1, tolerant.Latin1Msg)
	}
	return s
}

// parseBody turns a JSON or form body into its top-level object.
func parseBody(format int, body []byte, list *tolerant.List, offsets map[string]int64) (map[string]any, error) {
	if format == formatForm {
		m, err := parseForm(body, list, offsets)
		if err != nil {
			return nil, err
		}
		return m, nil
	}
	x, _, err := parseJSON(body, list, offsets)
	if err != nil {
		return nil, err
	}
	m, ok := x.(map[string]any)
	if !ok {
		return nil, decodeError("", 0, "json body: want object, got "+describe(x))
	}
	return m, nil
}

// decoders maps each known route to the function building its event.
var decoders = map[string]func(*object) Event{
	RouteStartExpPlayer:              decodeStartExpPlayer,
	RouteStartFirstPlayerSession:     decodeStartFirstPlayerSession,
	RouteSetPlayerSessionStartedTime: decodeSetPlayerSessionStartedTime,
	RouteAddMetaInfo:                 decodeAddMetaInfo,
	RouteRecordStartTask:             decodeRecordStartTask,
	RouteRecordTrial:                 decodeRecordTrial,
	RouteFinishExpSession:            decodeFinishExpSession,
	RouteErrExpSession:               decodeErrExpSession,
	RouteFileUpload:                  decodeFileUploadRecord,
}

// decoder holds what the field readers of one event share: the warnings
// and the offsets of the members (nil: not known, every offset -1).
type decoder struct {
	list    tolerant.List
	offsets map[string]int64
}

// object reads the typed fields of one JSON object and remembers which
// keys it used, so the rest can be kept (rest).
type object struct {
	d    *decoder
	path string // JSON Pointer of this object, "" at the top
	m    map[string]any
	used []string
}

// fail records a warning about the member key: the field is left at its
// zero value.
func (o *object) fail(key, msg string) {
	o.failAt(o.field(key), msg)
}

// field returns the JSON Pointer of the member key of this object.
func (o *object) field(key string) string {
	return string(tolerant.AppendToken([]byte(o.path), key))
}

// failAt records a warning about the value at the pointer path.
func (o *object) failAt(path, msg string) {
	warn(&o.d.list, path, o.d.offset(path), msg)
}

// offset returns the byte offset of the value at path, or -1.
func (d *decoder) offset(path string) int64 {
	if off, ok := d.offsets[path]; ok {
		return off
	}
	return -1
}

// lookup returns the value of a field whose name has aliases (trialNr and
// the spec's trailNr): the first alias present with a non-empty value, else
// the first present. Every alias is marked used, so none lands in Rest.
func (o *object) lookup(keys ...string) (v any, key string, found bool) {
	key = keys[0]
	for _, k := range keys {
		x, ok := o.m[k]
		if !ok {
			continue
		}
		o.used = append(o.used, k)
		if !found || (isEmpty(v) && !isEmpty(x)) {
			v, key, found = x, k, true
		}
	}
	return v, key, found
}

// isEmpty reports whether a value is null or the empty string, which is
// what jQuery sends for null and undefined.
func isEmpty(x any) bool {
	s, ok := x.(string)
	return x == nil || (ok && s == "")
}

// A converter reads one decoded JSON value as T, or returns the problem
// ("want integer, got object").
type converter[T any] func(x any) (T, string)

// present returns the value of a field, or ok false when it is missing or
// empty (null or ""), which is a warning for a required field.
func (o *object) present(required bool, keys ...string) (x any, key string, ok bool) {
	x, key, found := o.lookup(keys...)
	switch {
	case found && !isEmpty(x):
		return x, key, true
	case required && !found:
		o.fail(key, "missing")
	case required:
		o.fail(key, "empty")
	}
	return nil, key, false
}

// need reads a required field: missing, empty or wrong-typed is a warning
// and the zero value.
func need[T any](o *object, conv converter[T], keys ...string) T {
	if v := read(o, true, conv, keys); v != nil {
		return *v
	}
	var zero T
	return zero
}

// want reads an optional field: nil when missing or empty; wrong-typed is
// a warning and nil.
func want[T any](o *object, conv converter[T], keys ...string) *T {
	return read(o, false, conv, keys)
}

func read[T any](o *object, required bool, conv converter[T], keys []string) *T {
	x, key, ok := o.present(required, keys...)
	if !ok {
		return nil
	}
	v, problem := conv(x)
	if problem != "" {
		o.fail(key, problem)
		return nil
	}
	return &v
}

// Int reads a required integer (a JSON number or a decimal string).
func (o *object) Int(keys ...string) int { return need(o, convInt, keys...) }

// OptInt reads an optional integer; nil when missing or empty.
func (o *object) OptInt(keys ...string) *int { return want(o, convInt, keys...) }

// OptIntOrFalse reads an "Integer / False" field: nil when missing, empty
// or false.
func (o *object) OptIntOrFalse(keys ...string) *int {
	if x, _, _ := o.present(false, keys...); x != nil {
		if b, ok := toBool(x); ok && !b {
			return nil
		}
	}
	return o.OptInt(keys...)
}

func convInt(x any) (int, string) {
	n, ok := toInt(x)
	if !ok {
		return 0, "want integer, got " + describe(x)
	}
	return n, ""
}

func toInt(x any) (int, bool) {
	var s string
	switch v := x.(type) {
	case string:
		s = v
	case json.Number:
		s = string(v)
	default:
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return int(n), err == nil
}

// Str reads a required string; a number is kept as its text, and null as
// the empty string. Missing or of another type is a warning and "".
func (o *object) Str(keys ...string) string {
	x, key, found := o.lookup(keys...)
	if !found {
		o.fail(key, "missing")
		return ""
	}
	return o.toStr(key, x)
}

// OptStr reads an optional string; "" when missing.
func (o *object) OptStr(keys ...string) string {
	x, key, _ := o.lookup(keys...)
	return o.toStr(key, x)
}

func (o *object) toStr(key string, x any) string {
	switch v := x.(type) {
	case nil:
		return ""
	case string:
		return v
	case json.Number:
		return string(v)
	}
	o.fail(key, "want string, got "+describe(x))
	return ""
}

// Bool reads a required boolean (true/false or "true"/"false").
func (o *object) Bool(keys ...string) bool { return need(o, convBool, keys...) }

// OptBool reads an optional boolean; nil when missing or empty.
func (o *object) OptBool(keys ...string) *bool { return want(o, convBool, keys...) }

func convBool(x any) (bool, string) {
	b, ok := toBool(x)
	if !ok {
		return false, `want boolean or "true"/"false", got ` + describe(x)
	}
	return b, ""
}

func toBool(x any) (bool, bool) {
	return Value{x}.AsBool()
}

// OptFloat reads an optional number; nil when missing or empty.
func (o *object) OptFloat(keys ...string) *float64 {
	return want(o, func(x any) (float64, string) {
		f, ok := Value{x}.AsFloat()
		if !ok {
			return 0, "want number, got " + describe(x)
		}
		return f, ""
	}, keys...)
}

// Time reads a required instant.
func (o *object) Time(keys ...string) time.Time { return need(o, toTime, keys...) }

// OptTime reads an optional instant; nil when missing or empty.
func (o *object) OptTime(keys ...string) *time.Time { return want(o, toTime, keys...) }

// Ints reads an optional array of integers; nil when missing, empty or [].
// An element that is not an integer is a warning and 0.
func (o *object) Ints(keys ...string) []int {
	x, key, ok := o.present(false, keys...)
	if !ok {
		return nil
	}
	a, ok := x.([]any)
	if !ok {
		o.fail(key, "want array of integers, got "+describe(x))
		return nil
	}
	if len(a) == 0 {
		return nil
	}
	out := make([]int, len(a))
	for i, e := range a {
		n, ok := toInt(e)
		if !ok {
			o.failAt(string(tolerant.AppendIndex([]byte(o.field(key)), i)), "want integer, got "+describe(e)+": 0")
		}
		out[i] = n
	}
	return out
}

// Object returns a reader for a nested object, or nil when it is missing or
// empty (with required, a warning) or not an object (a warning).
func (o *object) Object(required bool, keys ...string) *object {
	x, key, ok := o.present(required, keys...)
	if !ok {
		return nil
	}
	m, ok := x.(map[string]any)
	if !ok {
		o.fail(key, "want object, got "+describe(x))
		return nil
	}
	return &object{d: o.d, path: o.field(key), m: m}
}

// Values reads an optional object of free-form values; nil when missing,
// empty or {}.
func (o *object) Values(keys ...string) map[string]Value {
	if r := o.Object(false, keys...); r != nil {
		return values(r.m, nil)
	}
	return nil
}

// Rest returns the members this reader did not use, nil when none, each
// with an unknown-member warning.
func (o *object) Rest() map[string]Value {
	for k := range o.m {
		if !slices.Contains(o.used, k) {
			path := o.field(k)
			o.d.list.Unknown(path, o.d.offset(path))
			o.d.list = tolerant.Compact(o.d.list, bodyOrder)
		}
	}
	return values(o.m, o.used)
}

func values(m map[string]any, skip []string) map[string]Value {
	var out map[string]Value
	for k, x := range m {
		if slices.Contains(skip, k) {
			continue
		}
		if out == nil {
			out = make(map[string]Value, len(m))
		}
		out[k] = Value{x}
	}
	return out
}

// describe names the kind of a decoded value for an error message, with a
// short quote of strings and numbers (the sender's own content).
func describe(x any) string {
	switch v := x.(type) {
	case nil:
		return "null"
	case string:
		return "string " + httpx.Quote(v)
	case json.Number:
		return "number " + httpx.Quote(string(v))
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", x)
}

// Time layouts the player uses, then RFC 3339. When parsing, Go accepts a
// fractional second after the seconds field in each.
var timeLayouts = []string{
	"2006-01-02 15:04:05-07",
	"2006-01-02 15:04:05-07:00",
	time.RFC3339Nano,
}

// Unix numbers at or above this many seconds are read as milliseconds
// (1e11 seconds is the year 5138).
const unixMillisAbove = 1e11

// maxUnixSeconds is 9999-12-31T23:59:59Z, the last instant JSON can carry.
const maxUnixSeconds = 253402300799

// toTime reads "YYYY-MM-DD HH:MM:SS+HH", "+HH:MM", RFC 3339, or Unix
// seconds or milliseconds (number or string, with an optional fraction).
// It returns a problem text on failure.
func toTime(x any) (time.Time, string) {
	var s string
	switch v := x.(type) {
	case string:
		s = v
	case json.Number:
		s = string(v)
	default:
		return time.Time{}, `want time ("YYYY-MM-DD HH:MM:SS+HH" or Unix seconds), got ` + describe(x)
	}
	if t, ok := parseUnix(s); ok {
		return t, ""
	}
	for _, layout := range timeLayouts {
		t, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		if _, off := t.Zone(); off <= -24*3600 || off >= 24*3600 {
			break
		}
		return t, ""
	}
	return time.Time{}, `want time ("YYYY-MM-DD HH:MM:SS+HH" or Unix seconds), got ` + describe(x)
}

// parseUnix reads decimal Unix seconds or milliseconds, in UTC.
func parseUnix(s string) (time.Time, bool) {
	intPart, frac, hasFrac := strings.Cut(s, ".")
	if intPart == "" || (hasFrac && (frac == "" || len(frac) > 9)) {
		return time.Time{}, false
	}
	for _, c := range intPart + frac {
		if c < '0' || c > '9' {
			return time.Time{}, false
		}
	}
	n, err := strconv.ParseInt(intPart, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	var nanos int64
	if hasFrac {
		f, _ := strconv.ParseInt((frac + "000000000")[:9], 10, 64)
		nanos = f
	}
	if n >= unixMillisAbove {
		// milliseconds: the fraction is of a millisecond
		sec, ms := n/1000, n%1000
		if sec > maxUnixSeconds {
			return time.Time{}, false
		}
		return time.Unix(sec, ms*1e6+nanos/1000).UTC(), true
	}
	return time.Unix(n, nanos).UTC(), true
}
