package labvanced

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

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

// MarshalJSON returns v as JSON. A number keeps the text it arrived with;
// object members are in key order; '<', '>' and '&' are not escaped. The
// result is what encoding/json's Encoder gives with SetEscapeHTML(false),
// byte for byte, written in one allocation of its exact size: a 30 MiB
// string costs 30 MiB, not the 90 MiB of the Encoder's buffer and its copy.
func (v Value) MarshalJSON() ([]byte, error) {
	return appendValue(make([]byte, 0, valueLen(v.v)), v.v), nil
}

// valueLen returns the length of appendValue's JSON of x.
func valueLen(x any) int {
	switch v := x.(type) {
	case string:
		return quotedLen(v)
	case json.Number:
		return max(len(v), 1)
	case bool:
		if v {
			return len("true")
		}
		return len("false")
	case []any:
		if v == nil {
			return len("null")
		}
		n := 2 + max(len(v)-1, 0) // brackets and commas
		for _, e := range v {
			n += valueLen(e)
		}
		return n
	case map[string]any:
		if v == nil {
			return len("null")
		}
		n := 2 + max(len(v)-1, 0) + len(v) // braces, commas and colons
		for k, e := range v {
			n += quotedLen(k) + valueLen(e)
		}
		return n
	}
	return len("null")
}

// appendValue appends x, one of the values a Value holds, as JSON.
func appendValue(dst []byte, x any) []byte {
	switch v := x.(type) {
	case string:
		return appendQuoted(dst, v)
	case json.Number:
		if v == "" {
			return append(dst, '0') // as encoding/json writes it
		}
		return append(dst, v...)
	case bool:
		return strconv.AppendBool(dst, v)
	case []any:
		if v == nil {
			return append(dst, "null"...)
		}
		dst = append(dst, '[')
		for i, e := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendValue(dst, e)
		}
		return append(dst, ']')
	case map[string]any:
		if v == nil {
			return append(dst, "null"...)
		}
		dst = append(dst, '{')
		for i, k := range slices.Sorted(maps.Keys(v)) {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(appendQuoted(dst, k), ':')
			dst = appendValue(dst, v[k])
		}
		return append(dst, '}')
	}
	return append(dst, "null"...)
}

// quotedLen returns the length of appendQuoted's JSON of s.
func quotedLen(s string) int {
	n := 2
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t':
				n += 2
			case c < 0x20:
				n += len(`\u0000`)
			default:
				n++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r == '\u2028' || r == '\u2029' {
			n += len(`\ufffd`)
		} else {
			n += size
		}
		i += size
	}
	return n
}

// appendQuoted appends s as a JSON string the way encoding/json does
// without HTML escaping: '"', '\\' and control characters escaped (\b,
// \f, \n, \r, \t, else \u00XX), invalid UTF-8 as \ufffd, U+2028 and
// U+2029 as escapes, everything else as it is.
// It is not lit.AppendQuote, which writes \u0008 and \u000c for \b and \f
// and copies U+2028 and U+2029: Value matches encoding/json byte for byte.
func appendQuoted(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(append(dst, s[start:i]...), `\ufffd`...)
		} else if r == '\u2028' || r == '\u2029' {
			dst = append(append(dst, s[start:i]...), '\\', 'u', '2', '0', '2', hex[r&0xF])
		} else {
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(append(dst, s[start:]...), '"')
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
