package labvanced

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vendorhooks/vendorhooks"
	"github.com/vendorhooks/vendorhooks/internal/httpx"
	"github.com/vendorhooks/vendorhooks/internal/jsonptr"
)

// ErrMalformed is vendorhooks.ErrMalformed, which every decode failure
// matches with errors.Is: a body that is not JSON or a jQuery form, a field
// of the wrong type, or a required field missing.
var ErrMalformed = vendorhooks.ErrMalformed

// DecodeError is vendorhooks.DecodeError, the one error Decode returns for
// a payload it refuses. Its Vendor is "labvanced"; its Path is the RFC 6901
// JSON Pointer of the offending field ("/var_data/screenWidth",
// "/recData/data/a~1b" for a variable named "a/b"), empty when the body as
// a whole is at fault; its Offset is the byte offset in the body for a
// syntax error, -1 otherwise.
type DecodeError = vendorhooks.DecodeError

// vendor is the package's name in errors, logs and Delivery.
const vendor = "labvanced"

// decodeError returns a DecodeError of this package.
func decodeError(path string, offset int64, msg string) *DecodeError {
	return &DecodeError{Vendor: vendor, Path: path, Offset: offset, Msg: msg}
}

var errTrailing = errors.New("trailing data after the JSON value")

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
// A route Decode does not know gives an *Unknown holding a copy of the body
// as JSON (see Unknown), never an error. A failure is a *DecodeError
// matching ErrMalformed.
func Decode(route, contentType string, body []byte) (Event, error) {
	route = strings.Trim(route, "/")
	dec, ok := decoders[route]
	format, boundary := bodyFormat(contentType, body)
	if !ok {
		return &Unknown{Route: route, Raw: rawJSON(format, body)}, nil
	}
	if format == formatMultipart {
		if route != RouteFileUpload {
			return nil, decodeError("", -1, "multipart body is only accepted on "+RouteFileUpload)
		}
		return decodeMultipart(boundary, body)
	}
	m, err := parseBody(format, body)
	if err != nil {
		return nil, err
	}
	o := &object{d: &decoder{}, m: m}
	ev := dec(o)
	if o.d.err != nil {
		return nil, o.d.err
	}
	return ev, nil
}

// rawJSON returns a new copy of body as JSON: a valid JSON body as it is, a
// form body as its JSON object, anything else as a JSON string.
func rawJSON(format int, body []byte) json.RawMessage {
	if format == formatJSON && json.Valid(body) {
		return bytes.Clone(body)
	}
	var v any = string(body) // invalid UTF-8 becomes U+FFFD
	if format == formatForm {
		if m, err := parseForm(body); err == nil {
			v = m
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil { // not possible for strings and parsed forms
		return json.RawMessage("null")
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// parseBody turns a JSON or form body into its top-level object.
func parseBody(format int, body []byte) (map[string]any, error) {
	if format == formatForm {
		m, err := parseForm(body)
		if err != nil {
			off := int64(-1)
			var fe *formError
			if errors.As(err, &fe) {
				off = fe.off
			}
			return nil, decodeError("", off, "form body: "+err.Error())
		}
		return m, nil
	}
	x, off, err := decodeJSONAt(body)
	if err != nil {
		return nil, decodeError("", off, "json body: "+jsonProblem(err))
	}
	m, ok := x.(map[string]any)
	if !ok {
		return nil, decodeError("", -1, "json body: want object, got "+describe(x))
	}
	return m, nil
}

// jsonProblem words a JSON syntax error without the "json: " prefix.
func jsonProblem(err error) string {
	if err == io.EOF {
		return "empty"
	}
	if err == io.ErrUnexpectedEOF {
		return "unexpected end of input"
	}
	return strings.TrimPrefix(err.Error(), "json: ")
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

// decoder holds the first error met while reading an event's fields.
type decoder struct {
	err *DecodeError
}

// object reads the typed fields of one JSON object and remembers which
// keys it used, so the rest can be kept (rest).
type object struct {
	d    *decoder
	path string // JSON Pointer of this object, "" at the top
	m    map[string]any
	used []string
}

func (o *object) fail(key, msg string) {
	if o.d.err == nil {
		o.d.err = decodeError(o.field(key), -1, msg)
	}
}

// field returns the JSON Pointer of the member key of this object.
func (o *object) field(key string) string {
	return string(jsonptr.AppendToken([]byte(o.path), key))
}

// failAt records msg for the value at the pointer path.
func (o *object) failAt(path, msg string) {
	if o.d.err == nil {
		o.d.err = decodeError(path, -1, msg)
	}
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
// empty (null or ""), which fails a required field.
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

// need reads a required field: missing, empty or wrong-typed fails.
func need[T any](o *object, conv converter[T], keys ...string) T {
	if v := read(o, true, conv, keys); v != nil {
		return *v
	}
	var zero T
	return zero
}

// want reads an optional field: nil when missing or empty.
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
// the empty string.
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
			o.failAt(string(jsonptr.AppendIndex([]byte(o.field(key)), i)), "want integer, got "+describe(e))
			return nil
		}
		out[i] = n
	}
	return out
}

// Object returns a reader for a nested object, or nil when it is missing or
// empty (and, with required, fails).
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

// Rest returns the members this reader did not use; nil when none.
func (o *object) Rest() map[string]Value {
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
