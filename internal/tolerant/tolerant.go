// Package tolerant holds the tolerant-reader rule every vendorhooks decoder
// follows, so that the five packages refuse and warn alike:
//
//   - refuse (a *vendorhooks.DecodeError) only a body that cannot be parsed,
//     a kind that cannot be determined, or an identity field that is
//     missing, unusable or given twice;
//   - deliver anything else, with a vendorhooks.Warning naming the path:
//     a value of an unexpected type (the field stays at its zero value), an
//     unknown member (kept where the type has room), a duplicate key (the
//     last value wins), a timestamp out of range, text that is not UTF-8
//     (read as Latin-1).
package tolerant

import (
	"unicode/utf8"

	"github.com/vendorhooks/vendorhooks"
)

// MaxDepth is the deepest nesting of objects and arrays a decoder reads,
// free-form members included; deeper input is refused. No vendor sends
// more than a few levels.
const MaxDepth = 64

// MaxKindBytes is the longest kind (a message type, an event name, a route)
// a decoder accepts; a longer one is refused, so that an attacker-chosen
// kind costs little to store and log.
const MaxKindBytes = 64

// List collects a decode's warnings in body order. The zero value is empty
// and ready to use; it allocates only when a warning is added.
type List []vendorhooks.Warning

// Add records a warning about the value at path.
func (l *List) Add(path string, offset int64, msg string) {
	*l = append(*l, vendorhooks.Warning{Path: path, Offset: offset, Msg: msg})
}

// Unknown records an unknown member at path.
func (l *List) Unknown(path string, offset int64) {
	*l = append(*l, vendorhooks.Warning{Path: path, Offset: offset, Msg: "unknown field, kept", Unknown: true})
}

// Err returns what Decode returns beside a deliverable event: nil when
// every warning is for an unknown member (or there is none), otherwise a
// *vendorhooks.Warnings listing the others.
func (l List) Err(vendor string) error {
	var errs []vendorhooks.Warning
	for _, w := range l {
		if !w.Unknown {
			errs = append(errs, w)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return &vendorhooks.Warnings{Vendor: vendor, List: errs}
}

// Text returns b as a string: b itself when it is valid UTF-8, otherwise
// read as Latin-1, each byte its own code point (U+0000 to U+00FF), and
// latin1 true. This is exactly what a browser's btoa produced, and loses
// nothing elsewhere, since the raw body is kept byte for byte. The result is
// always valid UTF-8; never a silent U+FFFD.
func Text(b []byte) (s string, latin1 bool) {
	if utf8.Valid(b) {
		return string(b), false
	}
	return string(AppendLatin1(make([]byte, 0, len(b)+len(b)/2), b)), true
}

// AppendLatin1 appends b, read as Latin-1, to dst as UTF-8.
func AppendLatin1(dst, b []byte) []byte {
	for _, c := range b {
		dst = utf8.AppendRune(dst, rune(c))
	}
	return dst
}

// Latin1Msg is the warning message of a string read as Latin-1.
const Latin1Msg = "not UTF-8: read as Latin-1"
