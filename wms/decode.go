package wms

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vendorhooks/vendorhooks"
	"github.com/vendorhooks/vendorhooks/internal/httpx"
	"github.com/vendorhooks/vendorhooks/internal/tolerant"
)

// ErrMalformed is vendorhooks.ErrMalformed, the same value in every vendor
// package: every fatal error Decode returns matches it (errors.Is), and the
// handler answers such an error with 400. A *vendorhooks.Warnings does not.
var ErrMalformed = vendorhooks.ErrMalformed

// DecodeError is vendorhooks.DecodeError: every fatal error Decode returns
// is a *DecodeError with Vendor "wms", the RFC 6901 JSON Pointer of the
// field ("/sequence"; "" for the body as a whole; a "/" or "~" in a field
// name is escaped as "~1" or "~0"), the byte offset of the offending value
// where it is known (-1 otherwise), and a short message that quotes at most
// about 32 bytes of the body.
type DecodeError = vendorhooks.DecodeError

// maxSequence bounds the sequence number: 2^53, the largest integer every
// JSON reader (a JavaScript sender's included) holds exactly.
const maxSequence = 1 << 53

// The range of a timestamp: the years 1 to 9999, which time.Time and RFC
// 3339 can write. Outside it the time is left zero, with a warning.
const (
	minUnix = -62135596800 // 0001-01-01T00:00:00Z
	maxUnix = 253402300799 // 9999-12-31T23:59:59Z
)

// decodeError returns a *DecodeError at path and byte offset off (-1: not
// known).
func decodeError(path string, off int, msg string) error {
	return &DecodeError{Vendor: "wms", Path: path, Offset: int64(off), Msg: msg}
}

// quote returns raw quoted and cut to about 32 bytes, for a message.
func quote(raw []byte) string { return httpx.Quote(string(raw)) }

// pointer returns the JSON Pointer of member key of the object at path,
// built no further than tolerant.CutPath shows it (tolerant.AppendToken),
// so that a 30 MiB member name costs a path of a few hundred bytes.
func pointer(path string, key []byte) string {
	return string(tolerant.AppendToken([]byte(path), string(key[:min(len(key), tolerant.MaxPathBytes+1)])))
}

// Decode reads one event body by the tolerant-reader rule every package of
// this module follows. It refuses a body (the zero Event and a fatal
// *DecodeError, which matches ErrMalformed) only when it is not one JSON
// object (syntax, trailing data, the vendor example's trailing comma),
// nests deeper than 64 levels (free-form members included), or when an
// identity field is missing, unusable or given twice: event (a non-empty
// string of at most 64 bytes), sessionId (a non-empty string) and sequence
// (an integer 0 ≤ n < 2^53).
//
// Anything else is delivered. A value of an unexpected type, a timestamp
// outside the years 1 to 9999, an out-of-range number, or a payload that is
// not an object leaves its field at the zero value (a payload that is not
// an object is kept as *RawPayload) with a warning naming its path; a
// duplicate key takes the last value, with a warning; a string that is not
// UTF-8 is read as Latin-1, with a warning; an unknown field is kept in the
// Extra member of its object, an unknown code's payload as *RawPayload.
// Every string of the event is valid UTF-8, and so is its JSON.
//
// Beside the event, Decode returns nil when there are no warnings or only
// ones for unknown fields, and otherwise a *vendorhooks.Warnings listing
// them, which does not match ErrMalformed, as encoding/json returns an
// *UnmarshalTypeError beside what it could fill. DecodeWarnings returns
// every warning. "Every" is at most 100 (tolerant's rule, the first in
// body order) plus one or two that count the rest, and a path is cut to
// 256 bytes, so a body of many bad members or of one huge name costs no
// warning per member and no copy of the name per path.
func Decode(data []byte) (Event, error) {
	ev, list, err := decode(data)
	if err != nil {
		return Event{}, err
	}
	return ev, list.Err("wms")
}

// DecodeWarnings is Decode returning every warning, unknown fields
// included, in body order (the first 100, then at most two that count the
// rest: see Decode), and only a fatal error (a *DecodeError), for a caller
// who wants to see the vendor's drift. The warnings are nil when there are
// none.
func DecodeWarnings(data []byte) (Event, []vendorhooks.Warning, error) {
	ev, list, err := decode(data)
	if err != nil {
		return Event{}, nil, err
	}
	return ev, list, nil
}

// identity reports whether top-level key is an identity field, which may
// not be given twice.
func identity(key []byte) bool {
	switch string(key) {
	case "event", "sessionId", "sequence":
		return true
	}
	return false
}

// decode is Decode, returning on a fatal error what it had decoded so far
// (the handler logs the event's code), and the warnings.
func decode(data []byte) (Event, tolerant.List, error) {
	var ev Event
	var l tolerant.List
	if err := checkSyntax(data); err != nil {
		return ev, nil, err
	}
	if err := checkDepth(data); err != nil {
		return ev, nil, err
	}
	members, err := object(data, 0, "", &l)
	if err != nil {
		return ev, nil, err
	}
	if members, err = dedupe(members, "", identity, &l); err != nil {
		return ev, nil, err
	}
	var have [4]bool // timestamp, sessionId, sequence, event
	var payload *member
	for i := range members {
		m := &members[i]
		switch string(m.key) {
		case "timestamp":
			have[0] = true
			if sec, ok := integer(m, "", "integer Unix seconds", &l); ok {
				if sec < minUnix || sec > maxUnix {
					add(&l, "/timestamp", m.off, "Unix seconds "+quote(m.val)+" out of range (years 1 to 9999): left zero")
				} else {
					ev.Timestamp = time.Unix(sec, 0).UTC()
				}
			}
		case "sessionId":
			have[1] = true
			var ok bool
			if ev.SessionID, ok = str(m, "", false, &l); !ok || ev.SessionID == "" {
				return ev, nil, decodeError("/sessionId", m.off, "want non-empty string, got "+describe(m.val))
			}
		case "sequence":
			have[2] = true
			if ev.Sequence, err = sequence(m); err != nil {
				return ev, nil, err
			}
		case "event":
			have[3] = true
			s, ok := str(m, "", false, &l)
			if !ok || s == "" {
				return ev, nil, decodeError("/event", m.off, "want non-empty string, got "+describe(m.val))
			}
			if len(s) > tolerant.MaxKindBytes {
				return ev, nil, decodeError("/event", m.off, "event code of "+strconv.Itoa(len(s))+" bytes is longer than "+strconv.Itoa(tolerant.MaxKindBytes))
			}
			ev.Code = Code(s)
		case "severity":
			s, _ := str(m, "", true, &l)
			ev.Severity = Severity(s)
		case "payload":
			payload = m
		default:
			ev.Extra = addExtra(ev.Extra, m, "", &l, len(members)-i)
		}
	}
	for i, name := range eventFields[:4] {
		if !have[i] {
			if i == 0 {
				add(&l, "/timestamp", -1, "missing: left zero")
				continue
			}
			return ev, nil, decodeError("/"+name, -1, "missing")
		}
	}
	if payload != nil && kind(payload.val) != "null" {
		ev.Payload = decodePayload(ev.Code, payload, &l)
	}
	return ev, limitWarnings(l), nil
}

// limitWarnings puts l in body order (bodyOrder) and keeps the first
// tolerant.MaxWarnings, counting the rest (tolerant.Limit).
func limitWarnings(l tolerant.List) tolerant.List {
	return tolerant.Limit(l, bodyOrder)
}

// bodyOrder is the order of limitWarnings: by offset, a warning without
// one last, equal ones in the order found.
func bodyOrder(a, b vendorhooks.Warning) int {
	at := func(w vendorhooks.Warning) int64 {
		if w.Offset < 0 {
			return 1<<63 - 1
		}
		return w.Offset
	}
	return cmp.Compare(at(a), at(b))
}

// add records msg about the value at path and byte offset off in l, which
// it keeps to at most twice tolerant.MaxWarnings (tolerant.Compact), so
// that a body of a million bad members holds a few hundred warnings at a
// time, not a million.
func add(l *tolerant.List, path string, off int, msg string) {
	l.Add(path, int64(off), msg)
	*l = tolerant.Compact(*l, bodyOrder)
}

// counted reports whether a warning at byte offset off would only be
// counted (tolerant.Counted), and if so records it without path or
// message, so that the millionth unknown member costs no path and no text.
// A caller that builds a warning checks it first.
func counted(l *tolerant.List, off int, unknown bool) bool {
	w := vendorhooks.Warning{Offset: int64(off), Unknown: unknown}
	if !tolerant.Counted(*l, w, bodyOrder) {
		return false
	}
	*l = tolerant.Compact(append(*l, w), bodyOrder)
	return true
}

// describe names the JSON value raw for a message: its type, or for a
// string or number its text, cut to about 32 bytes.
func describe(raw []byte) string {
	switch k := kind(raw); k {
	case "number":
		return k + " " + quote(raw)
	case "string":
		return k + " " + quote(raw[1:len(raw)-1])
	default:
		return k
	}
}

// sequence decodes the identity field sequence: an integer 0 ≤ n < 2^53,
// written without fraction or exponent.
func sequence(m *member) (int64, error) {
	const want = "want integer 0 ≤ n < 2^53, got "
	if kind(m.val) != "number" {
		return 0, decodeError("/sequence", m.off, want+kind(m.val))
	}
	digits := len(m.val) <= 16
	for _, c := range m.val {
		digits = digits && c >= '0' && c <= '9'
	}
	n, err := strconv.ParseInt(string(m.val), 10, 64)
	if !digits || err != nil || n >= maxSequence {
		return 0, decodeError("/sequence", m.off, want+quote(m.val))
	}
	return n, nil
}

// decodePayload decodes the payload p of an event with code c, recording
// its warnings in l.
func decodePayload(c Code, p *member, l *tolerant.List) Payload {
	info, known := codeTable[c]
	const path = "/payload"
	if !known {
		return &RawPayload{Raw: canonical(p.val, p.off, path, l)}
	}
	if info.payload == payloadNone {
		if !counted(l, p.off, true) {
			l.Unknown(path, int64(p.off))
			*l = tolerant.Compact(*l, bodyOrder)
		}
		return &RawPayload{Raw: canonical(p.val, p.off, path, l)}
	}
	if k := kind(p.val); k != "object" {
		if !counted(l, p.off, false) {
			add(l, path, p.off, "want object, got "+k+": kept as RawPayload")
		}
		return &RawPayload{Raw: canonical(p.val, p.off, path, l)}
	}
	members, _ := object(p.val, p.off, path, l) // an object: no error
	members, _ = dedupe(members, path, nil, l)
	var (
		id, state, details string
		snr                float64
		seq                int64
		extra              map[string]json.RawMessage
	)
	for i := range members {
		m := &members[i]
		switch {
		case string(m.key) == "measurementId" && info.payload != payloadDetails:
			id, _ = str(m, path, true, l)
		case string(m.key) == "snr" && info.payload == payloadIntermediate:
			snr = number(m, path, l)
		case string(m.key) == "sequence" && info.payload == payloadIntermediate:
			if kind(m.val) != "null" {
				seq, _ = integer(m, path, "integer", l)
			}
		case string(m.key) == "state" && info.payload == payloadVisibility:
			state, _ = str(m, path, true, l)
		case string(m.key) == "details" && info.payload == payloadDetails:
			details, _ = str(m, path, true, l)
		default:
			extra = addExtra(extra, m, path, l, len(members)-i)
		}
	}
	switch info.payload {
	case payloadIntermediate:
		return &IntermediateResults{MeasurementID: id, SNR: snr, Sequence: seq, Extra: extra}
	case payloadConstraint:
		return &ConstraintViolation{MeasurementID: id, Extra: extra}
	case payloadAPIError:
		return &APIError{MeasurementID: id, Extra: extra}
	case payloadVisibility:
		return &PageVisibility{MeasurementID: id, State: Visibility(state), Extra: extra}
	case payloadDetails:
		return &Details{Details: Detail(details), Extra: extra}
	default:
		return &Measurement{MeasurementID: id, Extra: extra}
	}
}

// addExtra keeps the unknown field m of the object at path in canonical
// form, with an unknown-field warning; a new map has room for members.
func addExtra(extra map[string]json.RawMessage, m *member, path string, l *tolerant.List, members int) map[string]json.RawMessage {
	if extra == nil {
		// Sized once for the object's members: growing it cost 12x a body
		// of tiny unknown members.
		extra = make(map[string]json.RawMessage, members)
	}
	// The path is built only for a warning listed: when this one is only
	// counted, so is every warning inside the value, which comes after it.
	var p string
	if !counted(l, m.off, true) {
		p = pointer(path, m.key)
		l.Unknown(p, int64(m.off))
		*l = tolerant.Compact(*l, bodyOrder)
	}
	extra[string(m.key)] = canonical(m.val, m.off, p, l)
	return extra
}

// canonical returns the valid JSON value raw, found at byte offset off and
// at path, compacted and HTML-escaped, the form json.Marshal writes a
// json.RawMessage in, so that kept fields survive a round trip byte for
// byte. A value with a string that is not UTF-8 or an object with a
// duplicate key is rewritten: the string read as Latin-1, the last value of
// the key kept, each with a warning; the result is always valid UTF-8.
func canonical(raw []byte, off int, path string, l *tolerant.List) json.RawMessage {
	if plain(raw) {
		// Already canonical: one copy of its size, not two buffers of at
		// least 64 bytes (a body of 1 MiB of tiny unknown fields cost 63x
		// its size to decode, 21x of it here).
		return bytes.Clone(raw)
	}
	if utf8.Valid(raw) && !hasDuplicate(raw) {
		var c, h bytes.Buffer
		_ = json.Compact(&c, raw) // raw is valid JSON: checkSyntax passed
		json.HTMLEscape(&h, c.Bytes())
		return h.Bytes()
	}
	return rewrite(nil, raw, off, path, l)
}

// plain reports whether the valid JSON value raw is a number, a literal or
// a string that compacting and HTML-escaping leave as it is: no white space
// around it, valid UTF-8, and none of the characters json.HTMLEscape
// escapes (<, >, &, U+2028, U+2029).
func plain(raw []byte) bool {
	if len(raw) == 0 {
		return false
	}
	switch raw[0] {
	case '{', '[', ' ', '\t', '\r', '\n':
		return false
	}
	switch raw[len(raw)-1] {
	case ' ', '\t', '\r', '\n':
		return false
	}
	for _, c := range raw {
		if c == '<' || c == '>' || c == '&' || c >= utf8.RuneSelf {
			return false // the rare non-ASCII string takes the long way
		}
	}
	return true
}

// rewrite appends the valid JSON value raw, at byte offset off and path, to
// dst in canonical form, reading strings that are not UTF-8 as Latin-1 and
// keeping the last value of a duplicate key, with warnings in l.
func rewrite(dst, raw []byte, off int, path string, l *tolerant.List) []byte {
	lead := len(raw) - len(bytes.TrimLeft(raw, " \t\r\n"))
	raw, off = bytes.TrimSpace(raw), off+lead
	switch raw[0] {
	case '"':
		s, latin1 := text(raw)
		if latin1 {
			if !counted(l, off, false) {
				add(l, path, off, tolerant.Latin1Msg)
			}
		}
		b, _ := json.Marshal(s) // HTML-escaped, as canonical writes
		return append(dst, b...)
	case '{':
		ms, _ := object(raw, off, path, l)
		ms, _ = dedupe(ms, path, nil, l)
		dst = append(dst, '{')
		for i := range ms {
			if i > 0 {
				dst = append(dst, ',')
			}
			k, _ := json.Marshal(string(ms[i].key))
			dst = append(append(dst, k...), ':')
			dst = rewrite(dst, ms[i].val, ms[i].off, pointer(path, ms[i].key), l)
		}
		return append(dst, '}')
	case '[':
		dst = append(dst, '[')
		i := skipSpace(raw, 1)
		for n := 0; raw[i] != ']'; n++ {
			if n > 0 {
				dst = append(dst, ',')
			}
			end := scanValue(raw, i)
			dst = rewrite(dst, raw[i:end], off+i, string(tolerant.AppendIndex([]byte(path), n)), l)
			i = skipSpace(raw, end)
			if raw[i] == ',' {
				i = skipSpace(raw, i+1)
			}
		}
		return append(dst, ']')
	default: // a number, true, false or null
		return append(dst, raw...)
	}
}

// hasDuplicate reports whether an object in the valid JSON value raw
// repeats a key.
func hasDuplicate(raw []byte) bool {
	raw = bytes.TrimSpace(raw)
	switch raw[0] {
	case '{':
		var l tolerant.List // the caller's walk reports what matters
		ms, _ := object(raw, 0, "", &l)
		seen := make(map[string]bool, len(ms))
		for _, m := range ms {
			if seen[string(m.key)] || hasDuplicate(m.val) {
				return true
			}
			seen[string(m.key)] = true
		}
	case '[':
		for i := skipSpace(raw, 1); raw[i] != ']'; {
			end := scanValue(raw, i)
			if hasDuplicate(raw[i:end]) {
				return true
			}
			if i = skipSpace(raw, end); raw[i] == ',' {
				i = skipSpace(raw, i+1)
			}
		}
	}
	return false
}

// checkSyntax reports the first JSON syntax error in data, with its offset,
// line and column, and names the vendor example's trailing comma plainly.
func checkSyntax(data []byte) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return decodeError("", -1, "empty body")
	}
	if json.Valid(data) {
		return nil
	}
	var v json.RawMessage
	err := json.Unmarshal(data, &v)
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return decodeError("", -1, "invalid JSON")
	}
	// The message of encoding/json quotes one character at most.
	msg := se.Error()
	off := se.Offset - 1 // json counts the offending byte as read
	if off < 0 {
		off = 0
	}
	if off >= int64(len(data)) || strings.HasPrefix(msg, "unexpected end") {
		off = int64(len(data)) // end of input
	}
	if off < int64(len(data)) && (data[off] == '}' || data[off] == ']') {
		prev := bytes.TrimRight(data[:off], " \t\r\n")
		if len(prev) > 0 && prev[len(prev)-1] == ',' {
			msg = fmt.Sprintf("trailing comma before %q", data[off])
		}
	}
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := 1 + utf8.RuneCount(data[bytes.LastIndexByte(data[:off], '\n')+1:off])
	return decodeError("", int(off), fmt.Sprintf("invalid JSON at line %d, column %d: %s", line, col, msg))
}

// checkDepth refuses valid JSON data that nests objects and arrays deeper
// than tolerant.MaxDepth, at the offset of the first bracket too deep.
func checkDepth(data []byte) error {
	depth := 0
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '"':
			i = scanValue(data, i) - 1
		case '{', '[':
			if depth++; depth > tolerant.MaxDepth {
				return decodeError("", i, "nesting deeper than "+strconv.Itoa(tolerant.MaxDepth))
			}
		case '}', ']':
			depth--
		}
	}
	return nil
}

// member is one name and value of a JSON object.
type member struct {
	key []byte // unquoted, valid UTF-8
	val json.RawMessage
	off int // byte offset of val in the body
}

// object splits the valid JSON value data, found at byte offset base of the
// body and at path, into its members, in order, repeats included. A name
// that is not UTF-8 is read as Latin-1, with a warning in l. It fails when
// data is not an object.
func object(data []byte, base int, path string, l *tolerant.List) ([]member, error) {
	lead := len(data) - len(bytes.TrimLeft(data, " \t\r\n"))
	data = bytes.TrimSpace(data)
	base += lead
	if k := kind(data); k != "object" {
		return nil, decodeError(path, base, "want object, got "+k)
	}
	ms := make([]member, 0, firstMembers)
	i := skipSpace(data, 1)
	for data[i] != '}' {
		end := scanValue(data, i)
		key := data[i+1 : end-1]
		if bytes.IndexByte(key, '\\') >= 0 || !utf8.Valid(key) {
			var latin1 bool
			if bytes.IndexByte(key, '\\') < 0 {
				// Only not UTF-8: converted once, not also copied to a
				// string and back (a 1 MiB Latin-1 name cost 8x its size).
				key, latin1 = tolerant.AppendLatin1(nil, key), true
			} else {
				var s string
				s, latin1 = text(data[i:end])
				key = []byte(s)
			}
			if latin1 {
				if !counted(l, base+i, false) {
					add(l, pointer(path, key), base+i, "field name "+tolerant.Latin1Msg)
				}
			}
		}
		i = skipSpace(data, end)
		i = skipSpace(data, i+1) // the colon
		end = scanValue(data, i)
		if len(ms) == cap(ms) && cap(ms) == firstMembers {
			// Past the few members an event has, count the rest once and
			// grow to fit: append's growth of a slice of a hundred
			// thousand tiny unknown members cost 26x the body.
			ms = slices.Grow(ms, 1+countMembers(data, end))
		}
		ms = append(ms, member{key: key, val: data[i:end], off: base + i})
		i = skipSpace(data, end)
		if data[i] == ',' {
			i = skipSpace(data, i+1)
		}
	}
	return ms, nil
}

// firstMembers is the room object gives an object's members at first:
// more than an event has at its top or in its payload.
const firstMembers = 8

// countMembers returns how many members of the object data follow the
// value that ends at i.
func countMembers(data []byte, i int) int {
	n := 0
	for i = skipSpace(data, i); data[i] == ','; n++ {
		i = skipSpace(data, scanValue(data, skipSpace(data, i+1))) // the name
		i = skipSpace(data, scanValue(data, skipSpace(data, i+1))) // the colon, the value
	}
	return n
}

// duplicateMsg is the warning of a duplicate key.
const duplicateMsg = "duplicate key: the last value wins"

// dedupe returns ms, the members of the object at path, with each name
// once: a repeated name takes the place of its first occurrence with its
// last value, with a warning in l, unless fixed says the name may not be
// repeated, which is a fatal error. It reuses ms's array.
func dedupe(ms []member, path string, fixed func(key []byte) bool, l *tolerant.List) ([]member, error) {
	const linear = 16 // past this many names, a map finds a repeat in O(1)
	var index map[string]int
	out := ms[:0]
	for _, m := range ms {
		j := -1
		if index != nil {
			if k, ok := index[string(m.key)]; ok {
				j = k
			}
		} else {
			for k := range out {
				if bytes.Equal(out[k].key, m.key) {
					j = k
					break
				}
			}
		}
		if j < 0 {
			out = append(out, m)
			if index == nil && len(out) > linear {
				index = make(map[string]int, len(ms)) // sized once: growing it cost 7x a body of tiny members
				for k := range out {
					index[string(out[k].key)] = k
				}
			} else if index != nil {
				index[string(m.key)] = len(out) - 1
			}
			continue
		}
		if fixed != nil && fixed(m.key) {
			return nil, decodeError(pointer(path, m.key), m.off, "given twice")
		}
		if !counted(l, m.off, false) {
			add(l, pointer(path, m.key), m.off, duplicateMsg)
		}
		out[j] = m
	}
	return out, nil
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n') {
		i++
	}
	return i
}

// scanValue returns the end of the valid JSON value starting at data[i].
func scanValue(data []byte, i int) int {
	switch data[i] {
	case '"':
		for j := i + 1; j < len(data); j++ {
			switch data[j] {
			case '\\':
				j++
			case '"':
				return j + 1
			}
		}
		return len(data)
	case '{', '[':
		depth := 0
		for j := i; j < len(data); j++ {
			switch data[j] {
			case '"':
				j = scanValue(data, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return len(data)
	default:
		j := i
		for j < len(data) && !endsLiteral(data[j]) {
			j++
		}
		return j
	}
}

// endsLiteral reports whether c ends a number, true, false or null.
func endsLiteral(c byte) bool {
	switch c {
	case ',', '}', ']', ' ', '\t', '\r', '\n':
		return true
	}
	return false
}

// kind names the JSON type of the valid value raw.
func kind(raw []byte) string {
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	default:
		return "number"
	}
}

// text decodes the valid JSON string raw. Bytes that are not UTF-8 make
// the whole string read as Latin-1 (each byte its own code point, as
// tolerant.Text does) before its escapes are decoded, and latin1 true; the
// result is always valid UTF-8.
func text(raw []byte) (s string, latin1 bool) {
	body := raw[1 : len(raw)-1]
	if !utf8.Valid(body) {
		latin1 = true
		raw = tolerant.AppendLatin1([]byte{'"'}, body)
		raw = append(raw, '"')
		body = raw[1 : len(raw)-1]
	}
	if bytes.IndexByte(body, '\\') < 0 {
		return string(body), latin1
	}
	_ = json.Unmarshal(raw, &s) // valid JSON, valid UTF-8: no error
	return s, latin1
}

// str decodes the string member m of the object at path, with a warning in
// l for Latin-1 text; null gives "" when nullable. Any other value gives ""
// and ok false, with a warning when nullable (a field that is not an
// identity).
func str(m *member, path string, nullable bool, l *tolerant.List) (s string, ok bool) {
	switch k := kind(m.val); {
	case k == "string":
		s, latin1 := text(m.val)
		if latin1 {
			if !counted(l, m.off, false) {
				add(l, pointer(path, m.key), m.off, tolerant.Latin1Msg)
			}
		}
		return s, true
	case k == "null" && nullable:
		return "", true
	default:
		if nullable {
			if !counted(l, m.off, false) {
				add(l, pointer(path, m.key), m.off, "want string, got "+describe(m.val)+": left empty")
			}
		}
		return "", false
	}
}

// integer decodes the integer member m of the object at path; want names
// the expected value in warnings. A value of another type, a fraction or
// one out of range gives 0 and ok false, with a warning in l.
func integer(m *member, path, want string, l *tolerant.List) (n int64, ok bool) {
	p := pointer(path, m.key)
	if k := kind(m.val); k != "number" {
		if !counted(l, m.off, false) {
			add(l, p, m.off, "want "+want+", got "+k+": left zero")
		}
		return 0, false
	}
	n, err := strconv.ParseInt(string(m.val), 10, 64)
	if err != nil {
		msg := "want " + want + ", got " + quote(m.val) + ": left zero"
		if errors.Is(err, strconv.ErrRange) {
			msg = "integer " + quote(m.val) + " out of range: left zero"
		}
		if !counted(l, m.off, false) {
			add(l, p, m.off, msg)
		}
		return 0, false
	}
	return n, true
}

// number decodes the number member m of the object at path; null gives 0,
// and so do a value of another type and one out of range, with a warning.
func number(m *member, path string, l *tolerant.List) float64 {
	switch k := kind(m.val); k {
	case "null":
		return 0
	case "number":
		f, err := strconv.ParseFloat(string(m.val), 64)
		if err != nil {
			if !counted(l, m.off, false) {
				add(l, pointer(path, m.key), m.off, "number "+quote(m.val)+" out of range: left zero")
			}
			return 0
		}
		return f
	default:
		if !counted(l, m.off, false) {
			add(l, pointer(path, m.key), m.off, "want number, got "+describe(m.val)+": left zero")
		}
		return 0
	}
}
