// Package jsonptr builds RFC 6901 JSON Pointers, the path form of every
// vendorhooks DecodeError and Warning: "/data/bandpower/ch2/alpha",
// "/recData/data/a~1b" for a member named "a/b".
package jsonptr

import "strconv"

// AppendToken appends "/" and tok to b, escaping "~" as "~0" and "/" as
// "~1" (RFC 6901, section 3).
func AppendToken(b []byte, tok string) []byte {
	b = append(b, '/')
	for i := 0; i < len(tok); i++ {
		switch c := tok[i]; c {
		case '~':
			b = append(b, '~', '0')
		case '/':
			b = append(b, '~', '1')
		default:
			b = append(b, c)
		}
	}
	return b
}

// AppendIndex appends "/" and the array index i to b.
func AppendIndex(b []byte, i int) []byte {
	return strconv.AppendInt(append(b, '/'), int64(i), 10)
}

// Join returns the pointer of the member names or array indexes in tokens,
// in order: Join("data", "a/b") is "/data/a~1b". An int token is an index.
func Join(tokens ...any) string {
	var b []byte
	for _, t := range tokens {
		switch t := t.(type) {
		case int:
			b = AppendIndex(b, t)
		case string:
			b = AppendToken(b, t)
		default:
			panic("jsonptr: a token is a string or an int")
		}
	}
	return string(b)
}
