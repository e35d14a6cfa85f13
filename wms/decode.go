package wms

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vendorhooks/vendorhooks"
	"github.com/vendorhooks/vendorhooks/internal/httpx"
	"github.com/vendorhooks/vendorhooks/internal/jsonptr"
)

// ErrMalformed is vendorhooks.ErrMalformed, the same value in every vendor
// package: every error Decode returns matches it (errors.Is), and the
// handler answers such an error with 400.
var ErrMalformed = vendorhooks.ErrMalformed

// DecodeError is vendorhooks.DecodeError: every error Decode returns is a
// *DecodeError with Vendor "wms", the RFC 6901 JSON Pointer of the field
// ("/payload/snr"; "" for the body as a whole; a "/" or "~" in a field name
// is escaped as "~1" or "~0"), the byte offset of the offending value where
// it is known (-1 otherwise), and a short message that quotes at most about
// 32 bytes of the body.
type DecodeError = vendorhooks.DecodeError

// decodeError returns a *DecodeError at path and byte offset off (-1: not
// known).
func decodeError(path string, off int, msg string) error {
	return &DecodeError{Vendor: "wms", Path: path, Offset: int64(off), Msg: msg}
}

// quote returns raw quoted and cut to about 32 bytes, for a message.
func quote(raw []byte) string { return httpx.Quote(string(raw)) }

// pointer returns the JSON Pointer of member key of the object at path.
func pointer(path string, key []byte) string {
	return string(jsonptr.AppendToken([]byte(path), string(key)))
}

// Decode reads one event body. It is strict about JSON (no trailing commas,
// no trailing data, no repeated field names) and about the types of the
// fields the spec names, and lenient about the rest: an unknown code, an
// unknown severity, page state or detail, and unknown fields are kept, never
// rejected. timestamp, sessionId (non-empty), sequence (a non-negative
// integer) and event (non-empty) are required; severity and payload are
// optional. A refused body gives the zero Event and a *DecodeError, which
// matches ErrMalformed.
func Decode(data []byte) (Event, error) {
	ev, err := decode(data)
	if err != nil {
		return Event{}, err
	}
	return ev, nil
}

// decode is Decode, returning on error what it had decoded so far (the
// handler logs the event's code).
func decode(data []byte) (Event, error) {
	var ev Event
	if err := checkSyntax(data); err != nil {
		return ev, err
	}
	members, err := object(data, 0, "")
	if err != nil {
		return ev, err
	}
	var have [4]bool // timestamp, sessionId, sequence, event
	var payload *member
	for i := range members {
		m := &members[i]
		switch string(m.key) {
		case "timestamp":
			have[0] = true
			sec, err := integer(m, "", "integer Unix seconds")
			if err != nil {
				return ev, err
			}
			ev.Timestamp = time.Unix(sec, 0).UTC()
		case "sessionId":
			have[1] = true
			if ev.SessionID, err = str(m, "", false); err == nil && ev.SessionID == "" {
				err = decodeError("/sessionId", m.off, "must not be empty")
			}
		case "sequence":
			have[2] = true
			if ev.Sequence, err = integer(m, "", "non-negative integer"); err == nil && ev.Sequence < 0 {
				err = decodeError("/sequence", m.off, "want non-negative integer, got "+quote(m.val))
			}
		case "event":
			have[3] = true
			var s string
			if s, err = str(m, "", false); err == nil && s == "" {
				err = decodeError("/event", m.off, "must not be empty")
			}
			ev.Code = Code(s)
		case "severity":
			var s string
			s, err = str(m, "", true)
			ev.Severity = Severity(s)
		case "payload":
			payload = m
		default:
			ev.Extra = addExtra(ev.Extra, m)
		}
		if err != nil {
			return ev, err
		}
	}
	for i, name := range eventFields[:4] {
		if !have[i] {
			return ev, decodeError("/"+name, -1, "missing")
		}
	}
	if payload != nil && kind(payload.val) != "null" {
		ev.Payload, err = decodePayload(ev.Code, payload)
	}
	return ev, err
}

// decodePayload decodes the payload p of an event with code c.
func decodePayload(c Code, p *member) (Payload, error) {
	info, known := codeTable[c]
	if !known {
		return &RawPayload{Raw: canonical(p.val)}, nil
	}
	const path = "/payload"
	members, err := object(p.val, p.off, path)
	if err != nil {
		return nil, err
	}
	if info.payload == payloadNone {
		return &RawPayload{Raw: canonical(p.val)}, nil
	}
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
			id, err = str(m, path, true)
		case string(m.key) == "snr" && info.payload == payloadIntermediate:
			snr, err = number(m, path)
		case string(m.key) == "sequence" && info.payload == payloadIntermediate:
			if kind(m.val) != "null" {
				seq, err = integer(m, path, "integer")
			}
		case string(m.key) == "state" && info.payload == payloadVisibility:
			state, err = str(m, path, true)
		case string(m.key) == "details" && info.payload == payloadDetails:
			details, err = str(m, path, true)
		default:
			extra = addExtra(extra, m)
		}
		if err != nil {
			return nil, err
		}
	}
	switch info.payload {
	case payloadIntermediate:
		return &IntermediateResults{MeasurementID: id, SNR: snr, Sequence: seq, Extra: extra}, nil
	case payloadConstraint:
		return &ConstraintViolation{MeasurementID: id, Extra: extra}, nil
	case payloadAPIError:
		return &APIError{MeasurementID: id, Extra: extra}, nil
	case payloadVisibility:
		return &PageVisibility{MeasurementID: id, State: Visibility(state), Extra: extra}, nil
	case payloadDetails:
		return &Details{Details: Detail(details), Extra: extra}, nil
	default:
		return &Measurement{MeasurementID: id, Extra: extra}, nil
	}
}

// addExtra keeps an unknown field in canonical form.
func addExtra(extra map[string]json.RawMessage, m *member) map[string]json.RawMessage {
	if extra == nil {
		extra = make(map[string]json.RawMessage)
	}
	extra[string(m.key)] = canonical(m.val)
	return extra
}

// canonical returns raw compacted and HTML-escaped, the form json.Marshal
// writes a json.RawMessage in, so that kept fields survive a round trip
// byte for byte.
func canonical(raw []byte) json.RawMessage {
	var c, h bytes.Buffer
	_ = json.Compact(&c, raw) // raw is valid JSON: checkSyntax passed
	json.HTMLEscape(&h, c.Bytes())
	return h.Bytes()
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

// member is one name and value of a JSON object.
type member struct {
	key []byte // unquoted
	val json.RawMessage
	off int // byte offset of val in the body
}

// object splits the valid JSON value data, found at byte offset base of the
// body and at path, into its members, in order. It fails when data is not
// an object or repeats a name.
func object(data []byte, base int, path string) ([]member, error) {
	lead := len(data) - len(bytes.TrimLeft(data, " \t\r\n"))
	data = bytes.TrimSpace(data)
	base += lead
	if k := kind(data); k != "object" {
		return nil, decodeError(path, base, "want object, got "+k)
	}
	ms := make([]member, 0, 8)
	var seen map[string]bool // past a few members, to find a repeat in O(1)
	i := skipSpace(data, 1)
	for data[i] != '}' {
		end := scanValue(data, i)
		key := data[i+1 : end-1]
		if bytes.IndexByte(key, '\\') >= 0 || !utf8.Valid(key) {
			s, err := unquote(data[i:end])
			if err != nil {
				return nil, decodeError(path, base+i, "field name: "+err.Error())
			}
			key = []byte(s)
		}
		if repeated(ms, &seen, key) {
			return nil, decodeError(pointer(path, key), base+i, "repeated field")
		}
		i = skipSpace(data, end)
		i = skipSpace(data, i+1) // the colon
		end = scanValue(data, i)
		ms = append(ms, member{key: key, val: data[i:end], off: base + i})
		i = skipSpace(data, end)
		if data[i] == ',' {
			i = skipSpace(data, i+1)
		}
	}
	return ms, nil
}

// repeated reports whether key is among the names of ms, using and filling
// *seen once ms is longer than a linear search should go.
func repeated(ms []member, seen *map[string]bool, key []byte) bool {
	const linear = 16
	if len(ms) < linear {
		for _, m := range ms {
			if bytes.Equal(m.key, key) {
				return true
			}
		}
		return false
	}
	if *seen == nil {
		*seen = make(map[string]bool, 2*len(ms))
		for _, m := range ms {
			(*seen)[string(m.key)] = true
		}
	}
	if (*seen)[string(key)] {
		return true
	}
	(*seen)[string(key)] = true
	return false
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

// unquote decodes the valid JSON string raw.
func unquote(raw []byte) (string, error) {
	s := raw[1 : len(raw)-1]
	if bytes.IndexByte(s, '\\') < 0 && utf8.Valid(s) {
		return string(s), nil
	}
	var out string
	err := json.Unmarshal(raw, &out)
	return out, err
}

// str decodes the string member m of the object at path; null gives ""
// when nullable.
func str(m *member, path string, nullable bool) (string, error) {
	switch k := kind(m.val); {
	case k == "string":
		s, err := unquote(m.val)
		if err != nil {
			return "", decodeError(pointer(path, m.key), m.off, err.Error())
		}
		return s, nil
	case k == "null" && nullable:
		return "", nil
	default:
		return "", decodeError(pointer(path, m.key), m.off, "want string, got "+k)
	}
}

// integer decodes the integer member m of the object at path; want names
// the expected value in errors.
func integer(m *member, path, want string) (int64, error) {
	if k := kind(m.val); k != "number" {
		return 0, decodeError(pointer(path, m.key), m.off, "want "+want+", got "+k)
	}
	n, err := strconv.ParseInt(string(m.val), 10, 64)
	if err != nil {
		msg := "want " + want + ", got " + quote(m.val)
		if errors.Is(err, strconv.ErrRange) {
			msg = "integer " + quote(m.val) + " out of range"
		}
		return 0, decodeError(pointer(path, m.key), m.off, msg)
	}
	return n, nil
}

// number decodes the number member m of the object at path; null gives 0.
func number(m *member, path string) (float64, error) {
	switch k := kind(m.val); k {
	case "null":
		return 0, nil
	case "number":
		f, err := strconv.ParseFloat(string(m.val), 64)
		if err != nil {
			return 0, decodeError(pointer(path, m.key), m.off, "number "+quote(m.val)+" out of range")
		}
		return f, nil
	default:
		return 0, decodeError(pointer(path, m.key), m.off, "want number, got "+k)
	}
}
