package wms

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
)

// ErrMalformed is matched (with errors.Is) by every error Decode returns.
var ErrMalformed = errors.New("wms: malformed event")

// SyntaxError reports a body that is not valid JSON, such as the vendor's
// own example with its trailing comma.
type SyntaxError struct {
	Line, Column int   // 1-based position of the offending byte
	Offset       int64 // 0-based byte offset of the offending byte
	Msg          string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("wms: invalid JSON at line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

// Is reports whether target is ErrMalformed.
func (e *SyntaxError) Is(target error) bool { return target == ErrMalformed }

// FieldError reports a field that is missing, repeated or of the wrong
// type. Path names it from the body's root, such as "payload.snr".
type FieldError struct {
	Path string
	Msg  string // such as `want number, got string`
}

func (e *FieldError) Error() string { return "wms: " + e.Path + ": " + e.Msg }

// Is reports whether target is ErrMalformed.
func (e *FieldError) Is(target error) bool { return target == ErrMalformed }

// Decode reads one event body. It is strict about JSON (no trailing commas,
// no trailing data, no repeated field names) and about the types of the
// fields the spec names, and lenient about the rest: an unknown code, an
// unknown severity, page state or detail, and unknown fields are kept, never
// rejected. timestamp, sessionId (non-empty), sequence (a non-negative
// integer) and event (non-empty) are required; severity and payload are
// optional. Errors match ErrMalformed and are *SyntaxError or *FieldError.
func Decode(data []byte) (Event, error) {
	var ev Event
	if err := checkSyntax(data); err != nil {
		return ev, err
	}
	members, err := object(data, "body")
	if err != nil {
		return ev, err
	}
	var have [4]bool // timestamp, sessionId, sequence, event
	var payload json.RawMessage
	for _, m := range members {
		switch string(m.key) {
		case "timestamp":
			have[0] = true
			sec, err := integer(m.val, "timestamp", "integer Unix seconds")
			if err != nil {
				return ev, err
			}
			ev.Timestamp = time.Unix(sec, 0).UTC()
		case "sessionId":
			have[1] = true
			if ev.SessionID, err = str(m.val, "sessionId", false); err == nil && ev.SessionID == "" {
				err = &FieldError{Path: "sessionId", Msg: "must not be empty"}
			}
		case "sequence":
			have[2] = true
			if ev.Sequence, err = integer(m.val, "sequence", "non-negative integer"); err == nil && ev.Sequence < 0 {
				err = &FieldError{Path: "sequence", Msg: "want non-negative integer, got " + string(m.val)}
			}
		case "event":
			have[3] = true
			var s string
			if s, err = str(m.val, "event", false); err == nil && s == "" {
				err = &FieldError{Path: "event", Msg: "must not be empty"}
			}
			ev.Code = Code(s)
		case "severity":
			var s string
			s, err = str(m.val, "severity", true)
			ev.Severity = Severity(s)
		case "payload":
			payload = m.val
		default:
			ev.Extra = addExtra(ev.Extra, m)
		}
		if err != nil {
			return ev, err
		}
	}
	for i, name := range eventFields[:4] {
		if !have[i] {
			return ev, &FieldError{Path: name, Msg: "missing"}
		}
	}
	if payload != nil && kind(payload) != "null" {
		ev.Payload, err = decodePayload(ev.Code, payload)
	}
	return ev, err
}

// decodePayload decodes the payload of an event with code c.
func decodePayload(c Code, raw json.RawMessage) (Payload, error) {
	info, known := codeTable[c]
	if !known {
		return &RawPayload{Raw: canonical(raw)}, nil
	}
	members, err := object(raw, "payload")
	if err != nil {
		return nil, err
	}
	if info.payload == payloadNone {
		return &RawPayload{Raw: canonical(raw)}, nil
	}
	var (
		id, state, details string
		snr                float64
		seq                int64
		extra              map[string]json.RawMessage
	)
	for _, m := range members {
		switch {
		case string(m.key) == "measurementId" && info.payload != payloadDetails:
			id, err = str(m.val, "payload.measurementId", true)
		case string(m.key) == "snr" && info.payload == payloadIntermediate:
			snr, err = number(m.val, "payload.snr")
		case string(m.key) == "sequence" && info.payload == payloadIntermediate:
			if kind(m.val) != "null" {
				seq, err = integer(m.val, "payload.sequence", "integer")
			}
		case string(m.key) == "state" && info.payload == payloadVisibility:
			state, err = str(m.val, "payload.state", true)
		case string(m.key) == "details" && info.payload == payloadDetails:
			details, err = str(m.val, "payload.details", true)
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
func addExtra(extra map[string]json.RawMessage, m member) map[string]json.RawMessage {
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

// checkSyntax reports the first JSON syntax error in data, with its line
// and column, and names the vendor example's trailing comma plainly.
func checkSyntax(data []byte) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return &SyntaxError{Line: 1, Column: 1, Msg: "empty body"}
	}
	if json.Valid(data) {
		return nil
	}
	var v json.RawMessage
	err := json.Unmarshal(data, &v)
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return &SyntaxError{Line: 1, Column: 1, Msg: "invalid JSON"}
	}
	off := se.Offset - 1 // json counts the offending byte as read
	if off < 0 {
		off = 0
	}
	if off >= int64(len(data)) {
		off = int64(len(data)) // end of input
	}
	msg := se.Error()
	if off < int64(len(data)) && (data[off] == '}' || data[off] == ']') {
		prev := bytes.TrimRight(data[:off], " \t\r\n")
		if len(prev) > 0 && prev[len(prev)-1] == ',' {
			msg = fmt.Sprintf("trailing comma before %q", data[off])
		}
	}
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := 1 + utf8.RuneCount(data[bytes.LastIndexByte(data[:off], '\n')+1:off])
	return &SyntaxError{Line: line, Column: col, Offset: off, Msg: msg}
}

// member is one name and value of a JSON object.
type member struct {
	key []byte // unquoted
	val json.RawMessage
}

// object splits the valid JSON value data into its members, in order. It
// fails when data is not an object or repeats a name.
func object(data []byte, path string) ([]member, error) {
	data = bytes.TrimSpace(data)
	if k := kind(data); k != "object" {
		return nil, &FieldError{Path: path, Msg: "want object, got " + k}
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
				return nil, &FieldError{Path: path, Msg: err.Error()}
			}
			key = []byte(s)
		}
		if repeated(ms, &seen, key) {
			return nil, &FieldError{Path: join(path, string(key)), Msg: "repeated field"}
		}
		i = skipSpace(data, end)
		i = skipSpace(data, i+1) // the colon
		end = scanValue(data, i)
		ms = append(ms, member{key: key, val: data[i:end]})
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

// join names the member key of the object at path.
func join(path, key string) string {
	if path == "body" {
		return key
	}
	return path + "." + key
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

// str decodes a string field; null gives "" when nullable.
func str(raw []byte, path string, nullable bool) (string, error) {
	switch k := kind(raw); {
	case k == "string":
		s, err := unquote(raw)
		if err != nil {
			return "", &FieldError{Path: path, Msg: err.Error()}
		}
		return s, nil
	case k == "null" && nullable:
		return "", nil
	default:
		return "", &FieldError{Path: path, Msg: "want string, got " + k}
	}
}

// integer decodes an integer field; want names it in errors.
func integer(raw []byte, path, want string) (int64, error) {
	if k := kind(raw); k != "number" {
		return 0, &FieldError{Path: path, Msg: "want " + want + ", got " + k}
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		msg := "want " + want + ", got " + string(raw)
		if errors.Is(err, strconv.ErrRange) {
			msg = "integer " + string(raw) + " out of range"
		}
		return 0, &FieldError{Path: path, Msg: msg}
	}
	return n, nil
}

// number decodes a number field; null gives 0.
func number(raw []byte, path string) (float64, error) {
	switch k := kind(raw); k {
	case "null":
		return 0, nil
	case "number":
		f, err := strconv.ParseFloat(string(raw), 64)
		if err != nil {
			return 0, &FieldError{Path: path, Msg: "number " + string(raw) + " out of range"}
		}
		return f, nil
	default:
		return 0, &FieldError{Path: path, Msg: "want number, got " + k}
	}
}
