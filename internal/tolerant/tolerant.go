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
//
// A warning costs little whatever the body. Its Path is cut to
// MaxPathBytes (CutPath), and a decode lists at most MaxWarnings of them,
// the first in body order; Limit counts the rest in at most two more
// warnings, without path and with offset -1: "N more warnings for unknown
// members, not listed" (Unknown set) and "N more warnings, not listed"
// ("1 more warning" for one). Whether Decode returns an error thus still
// depends on every warning, listed or not. A hostile body of a million
// unknown members yields 101 warnings, not a million, and a 30 MiB member
// name a path of 259 bytes.
package tolerant

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/vendorhooks/vendorhooks"
	"github.com/vendorhooks/vendorhooks/internal/jsonptr"
)

// MaxPathBytes is the longest Path a warning carries; a longer one is cut
// (CutPath), so that a member name the sender chose costs little to keep,
// store and log.
const MaxPathBytes = 256

// PathCutMarker ends a Path that CutPath shortened.
const PathCutMarker = "..."

// CutPath returns p when it is at most MaxPathBytes long. Otherwise it
// returns p's first MaxPathBytes bytes or fewer, cut on a UTF-8 boundary
// and never inside a "~0" or "~1" escape of RFC 6901, followed by
// PathCutMarker.
func CutPath(p string) string {
	if len(p) <= MaxPathBytes {
		return p
	}
	i := MaxPathBytes
	for i > 0 && !utf8.RuneStart(p[i]) {
		i--
	}
	if i > 0 && p[i-1] == '~' {
		i-- // an escape's second byte would be cut off
	}
	return p[:i] + PathCutMarker
}

// AppendToken is jsonptr.AppendToken for a path that may end in a warning,
// where CutPath cuts it to MaxPathBytes: it appends no more of tok than
// makes b longer than that (at most twice MaxPathBytes with escapes), so
// that a 30 MiB member name costs a path of a few hundred bytes, not 30 MiB (grown by append, five times that) per
// path built. A path longer than MaxPathBytes is thus not the member's
// whole path, only its start: not a key to remember it by.
func AppendToken(b []byte, tok string) []byte {
	if len(b) > MaxPathBytes {
		return b
	}
	if room := MaxPathBytes + 1 - len(b); len(tok) > room {
		tok = tok[:room] // "/" and room bytes: longer than MaxPathBytes
	}
	return jsonptr.AppendToken(b, tok)
}

// AppendIndex is jsonptr.AppendIndex with AppendToken's bound.
func AppendIndex(b []byte, i int) []byte {
	if len(b) > MaxPathBytes {
		return b
	}
	return jsonptr.AppendIndex(b, i)
}

// MaxWarnings is how many warnings a decode lists; Limit counts the rest.
const MaxWarnings = 100

// The messages of Limit's counts, after the number: "1 more warning, not
// listed", "2 more warnings, not listed".
const (
	moreUnknownMsg = " for unknown members, not listed"
	moreMsg        = ", not listed"
)

// moreText returns the message of a count of n warnings.
func moreText(n int, unknown bool) string {
	s := strconv.Itoa(n) + " more warning"
	if n != 1 {
		s += "s"
	}
	if unknown {
		return s + moreUnknownMsg
	}
	return s + moreMsg
}

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

// Add records a warning about the value at path, cut by CutPath.
func (l *List) Add(path string, offset int64, msg string) {
	*l = append(*l, vendorhooks.Warning{Path: CutPath(path), Offset: offset, Msg: msg})
}

// Unknown records an unknown member at path, cut by CutPath.
func (l *List) Unknown(path string, offset int64) {
	*l = append(*l, vendorhooks.Warning{Path: CutPath(path), Offset: offset, Msg: "unknown field, kept", Unknown: true})
}

// Limit returns l in the order cmp gives (a stable sort: equal warnings
// keep the order they were added in), cut to its first MaxWarnings, with
// the rest counted in at most two warnings at the end: "N more warnings
// for unknown members, not listed" (Unknown set) and "N more warnings, not
// listed" (the others), both without path and with offset -1. The counts
// of an earlier Limit's warnings in l are carried over, so a decoder may
// call Limit while it collects (Compact) and once at the end, and keep at
// most 2*MaxWarnings warnings at any time. It reuses l's memory; a nil cmp
// keeps the order of l.
func Limit(l List, cmp func(a, b vendorhooks.Warning) int) List {
	var more, moreUnknown int
	kept := l[:0]
	for _, w := range l {
		if n, unknown, ok := count(w); ok {
			if unknown {
				moreUnknown += n
			} else {
				more += n
			}
			continue
		}
		kept = append(kept, w)
	}
	if cmp != nil {
		slices.SortStableFunc(kept, cmp)
	}
	if len(kept) > MaxWarnings {
		for _, w := range kept[MaxWarnings:] {
			if w.Unknown {
				moreUnknown++
			} else {
				more++
			}
		}
		clear(kept[MaxWarnings:])
		kept = kept[:MaxWarnings]
	}
	if moreUnknown > 0 {
		kept = append(kept, vendorhooks.Warning{Offset: -1, Msg: moreText(moreUnknown, true), Unknown: true})
	}
	if more > 0 {
		kept = append(kept, vendorhooks.Warning{Offset: -1, Msg: moreText(more, false)})
	}
	return kept
}

// Compact is Limit when l holds 2*MaxWarnings warnings or more, and l
// itself otherwise: called after each warning added, it bounds the memory
// of a decode's warnings at no cost in the common case.
func Compact(l List, cmp func(a, b vendorhooks.Warning) int) List {
	if len(l) < 2*MaxWarnings {
		return l
	}
	return Limit(l, cmp)
}

// Counted reports whether Limit would only count a warning w added to l
// now, so that a decoder may skip building its path and message: l was
// cut by an earlier Limit (Compact) and its MaxWarnings listed warnings
// all come before w in cmp's order (nil: the order of l). w needs only
// what cmp looks at; a warning whose path is unknown may be tested with
// an empty one when an empty path sorts first. The decoder then adds w
// without path and message (Limit counts it by its Unknown field).
func Counted(l List, w vendorhooks.Warning, cmp func(a, b vendorhooks.Warning) int) bool {
	if len(l) <= MaxWarnings {
		return false
	}
	if _, _, ok := count(l[MaxWarnings]); !ok {
		return false // not (yet) cut: l[:MaxWarnings] is not the first
	}
	return cmp == nil || cmp(w, l[MaxWarnings-1]) >= 0
}

// count reports whether w is one of Limit's counts, and its number. It
// allocates nothing (Counted calls it for every warning of a hostile body).
func count(w vendorhooks.Warning) (n int, unknown, ok bool) {
	if w.Path != "" || w.Offset != -1 {
		return 0, false, false
	}
	digits, rest, found := strings.Cut(w.Msg, " ")
	if !found || digits == "" || digits[0] < '1' || digits[0] > '9' || strings.Trim(digits, "0123456789") != "" {
		return 0, false, false // moreText writes no sign and no leading zero
	}
	n, err := strconv.Atoi(digits)
	word := "more warnings"
	if n == 1 {
		word = "more warning"
	}
	rest, found = strings.CutPrefix(rest, word)
	tail := moreMsg
	if w.Unknown {
		tail = moreUnknownMsg
	}
	if err != nil || !found || rest != tail {
		return 0, false, false
	}
	return n, w.Unknown, true
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
	var out strings.Builder // gives the string without copying it
	out.Grow(latin1Len(b))
	for _, c := range b {
		out.WriteRune(rune(c))
	}
	return out.String(), true
}

// latin1Len returns the length of b read as Latin-1, in UTF-8.
func latin1Len(b []byte) int {
	n := len(b)
	for _, c := range b {
		if c >= utf8.RuneSelf {
			n++
		}
	}
	return n
}

// AppendLatin1 appends b, read as Latin-1, to dst as UTF-8. It grows dst
// once, by exactly what b needs (one byte per ASCII byte, two per other).
func AppendLatin1(dst, b []byte) []byte {
	dst = slices.Grow(dst, latin1Len(b))
	for _, c := range b {
		dst = utf8.AppendRune(dst, rune(c))
	}
	return dst
}

// Latin1Msg is the warning message of a string read as Latin-1.
const Latin1Msg = "not UTF-8: read as Latin-1"
