package labvanced

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/vendorhooks/vendorhooks/internal/tolerant"
)

// ValueKind is the JSON kind of a Value as it arrived.
type ValueKind int

// The kinds a Value can hold. Values from form bodies are always String,
// Array or Object, because a form carries text only.
const (
	Null ValueKind = iota
	String
	Number
	Bool
	Array
	Object
)

var valueKindNames = [...]string{"null", "string", "number", "bool", "array", "object"}

// String returns the kind's lower-case name ("string", "number", ...).
func (k ValueKind) String() string {
	if k < 0 || int(k) >= len(valueKindNames) {
		return "ValueKind(" + strconv.Itoa(int(k)) + ")"
	}
	return valueKindNames[k]
}

// Value is the value of a user-defined variable (recData.data) or of a field
// this package does not know. It keeps what arrived: its kind, a number's
// exact text, a string's text, and the elements of arrays and objects. The
// As methods read it as a Go type; they convert the text of a form body
// ("512", "true") as well, so a receiver reads JSON and form bodies alike.
//
// The zero Value is null.
type Value struct {
	v any // nil, string, json.Number, bool, []any, map[string]any
}

// Kind returns the JSON kind of v.
func (v Value) Kind() ValueKind {
	switch v.v.(type) {
	case string:
		return String
	case json.Number:
		return Number
	case bool:
		return Bool
	case []any:
		return Array
	case map[string]any:
		return Object
	default:
		return Null
	}
}

// IsNull reports whether v is null (or the zero Value).
func (v Value) IsNull() bool { return v.v == nil }

// AsString returns a string's text; ok is false for every other kind.
func (v Value) AsString() (s string, ok bool) {
	s, ok = v.v.(string)
	return s, ok
}

// AsInt returns an integer number, or a string holding one in base 10;
// ok is false for anything else, including numbers with a fraction.
func (v Value) AsInt() (n int64, ok bool) {
	s, isText := v.text()
	if !isText {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, false
	}
	return n, true
}

// AsFloat returns a number, or a string holding a finite decimal number;
// ok is false for anything else.
func (v Value) AsFloat() (f float64, ok bool) {
	s, isText := v.text()
	if !isText {
		return 0, false
	}
	return parseFloat(s)
}

// AsBool returns a boolean, or a string "true" or "false"; ok is false for
// anything else.
func (v Value) AsBool() (b bool, ok bool) {
	switch x := v.v.(type) {
	case bool:
		return x, true
	case string:
		switch x {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}

// AsArray returns the elements of an array; ok is false for other kinds.
func (v Value) AsArray() (elems []Value, ok bool) {
	a, ok := v.v.([]any)
	if !ok {
		return nil, false
	}
	elems = make([]Value, len(a))
	for i, e := range a {
		elems[i] = Value{e}
	}
	return elems, true
}

// AsObject returns the members of an object; ok is false for other kinds.
func (v Value) AsObject() (members map[string]Value, ok bool) {
	m, ok := v.v.(map[string]any)
	if !ok {
		return nil, false
	}
	members = make(map[string]Value, len(m))
	for k, e := range m {
		members[k] = Value{e}
	}
	return members, true
}

// String returns v as text to store or print: a string's text, a number's
// text as it arrived, "true"/"false", "null", or the JSON of an array or
// object.
func (v Value) String() string {
	if s, ok := v.text(); ok {
		return s
	}
	b, err := v.MarshalJSON()
	if err != nil {
		return ""
	}
	return string(b)
}

// Equal reports whether v and w hold the same kind and content (a number
// compares by its text).
func (v Value) Equal(w Value) bool { return reflect.DeepEqual(v.v, w.v) }

// MarshalJSON returns v as JSON. A number keeps the text it arrived with.
func (v Value) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v.v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// UnmarshalJSON sets v to the JSON value in b, which must hold exactly one
// value.
func (v *Value) UnmarshalJSON(b []byte) error {
	x, err := decodeJSON(b)
	if err != nil {
		return fmt.Errorf("labvanced: value: %w", err)
	}
	v.v = x
	return nil
}

// text returns the text of a string or number.
func (v Value) text() (string, bool) {
	switch x := v.v.(type) {
	case string:
		return x, true
	case json.Number:
		return string(x), true
	case bool:
		return strconv.FormatBool(x), true
	case nil:
		return "null", true
	}
	return "", false
}

// parseFloat parses a finite decimal number.
func parseFloat(s string) (float64, bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// decodeJSON decodes exactly one JSON value, numbers as json.Number, with
// the rules of a body (nesting bounded, duplicates and Latin-1 tolerated).
func decodeJSON(b []byte) (any, error) {
	var list tolerant.List
	x, _, err := parseJSON(b, &list, nil)
	if err != nil {
		return nil, errors.New(strings.TrimPrefix(err.Msg, "json body: "))
	}
	return x, nil
}
