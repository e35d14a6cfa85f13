package sim

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

// obj is a JSON object whose keys keep the order they were added in, so a
// generated payload reads like the vendor's own.
type obj []field

type field struct {
	k string
	v any
}

// MarshalJSON renders the object with its keys in order.
func (o obj) MarshalJSON() ([]byte, error) { return encodeJSON(o), nil }

// set appends key k with value v and returns the object.
func (o obj) set(k string, v any) obj { return append(o, field{k, v}) }

// Values held in an obj: string, bool, nil, int, int64, float64, obj, []any.

// encodeJSON renders v as compact JSON.
func encodeJSON(v any) []byte { return appendValue(nil, v, false) }

// encodePython renders v the way Python prints a dict: single quotes, True,
// False, None. Petal's documentation shows its payloads in this form.
func encodePython(v any) []byte { return appendValue(nil, v, true) }

func appendValue(b []byte, v any, py bool) []byte {
	switch v := v.(type) {
	case nil:
		if py {
			return append(b, "None"...)
		}
		return append(b, "null"...)
	case bool:
		switch {
		case py && v:
			return append(b, "True"...)
		case py:
			return append(b, "False"...)
		}
		return strconv.AppendBool(b, v)
	case int:
		return strconv.AppendInt(b, int64(v), 10)
	case int64:
		return strconv.AppendInt(b, v, 10)
	case float64:
		return appendFloat(b, v, py)
	case string:
		if py {
			return appendPyString(b, v)
		}
		s, _ := json.Marshal(v)
		return append(b, s...)
	case obj:
		b = append(b, '{')
		for i, f := range v {
			if i > 0 {
				b = append(b, ", "[:sep(py)]...)
			}
			b = appendValue(b, f.k, py)
			b = append(b, ": "[:sep(py)]...)
			b = appendValue(b, f.v, py)
		}
		return append(b, '}')
	case []any:
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ", "[:sep(py)]...)
			}
			b = appendValue(b, e, py)
		}
		return append(b, ']')
	}
	panic("sim: cannot encode value of this type")
}

// sep is the separator length: Python prints ", " and ": ", JSON here is compact.
func sep(py bool) int {
	if py {
		return 2
	}
	return 1
}

func appendFloat(b []byte, f float64, py bool) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "Infinity"...)
	case math.IsInf(f, -1):
		return append(b, "-Infinity"...)
	}
	n := len(b)
	b = strconv.AppendFloat(b, f, 'f', -1, 64)
	if py && !strings.ContainsAny(string(b[n:]), ".e") {
		b = append(b, ".0"...)
	}
	return b
}

func appendPyString(b []byte, s string) []byte {
	b = append(b, '\'')
	for _, r := range s {
		switch r {
		case '\'', '\\':
			b = append(b, '\\', byte(r))
		case '\n':
			b = append(b, `\n`...)
		default:
			b = append(b, string(r)...)
		}
	}
	return append(b, '\'')
}
