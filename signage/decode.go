package signage

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/vendorhooks/vendorhooks/internal/lit"
)

// The JSON Pointers of the fields a trigger's errors name. No member name
// here holds '~' or '/', so they need no escaping (RFC 6901, section 3).
const (
	pathEventID     = "/event_id"
	pathSensor      = "/sensor_data"
	pathSensorID    = "/sensor_data/id"
	pathSensorEvent = "/sensor_data/event"
	pathSensorValue = "/sensor_data/value"
)

// DecodeBody decodes the JSON body of a POST trigger. Unknown fields are
// ignored. event_id must be a non-empty string (a number is kept as its
// literal text); sensor_data may be an object, a string holding a JavaScript
// object literal or a JSON object, null, or "" (the last two mean no sensor
// data).
//
// It refuses a trigger with a *DecodeError (matching ErrMalformed) whose
// Offset is the byte offset in data of the value at fault: for a member that
// is absent, of the object that lacks it; for a fault inside a sensor_data
// string, of that string (the message then gives the position inside it).
func DecodeBody(data []byte) (Trigger, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return Trigger{}, decodeError("", -1, "empty body")
	}
	return decodeTrigger("body", data)
}

// DecodePayload decodes the payload parameter of a GET trigger: the JSON
// body of a POST, base64-encoded. p is the parameter's value after the query
// has been unescaped once. Both the standard and the URL-safe alphabet are
// accepted, padded or not. Because a payload that was not percent-encoded
// reaches the server with each '+' read as a space, spaces are read as '+';
// and a payload percent-encoded twice is unescaped once more ('%' is not a
// base64 character).
//
// Its errors are DecodeBody's, with offsets in the decoded JSON; a payload
// that is not base64 is a *DecodeError with an empty Path and Offset -1.
func DecodePayload(p string) (Trigger, error) {
	t, _, err := decodePayload(p)
	return t, err
}

// decodePayload is DecodePayload that also returns the decoded JSON.
func decodePayload(p string) (Trigger, []byte, error) {
	if strings.IndexByte(p, '%') >= 0 {
		u, err := url.QueryUnescape(p)
		if err != nil {
			// url's error quotes the escape; the message names none.
			return Trigger{}, nil, decodeError("", -1, "payload has an invalid percent-encoding")
		}
		p = u
	}
	p = strings.ReplaceAll(p, " ", "+")
	p = strings.TrimRight(p, "=")
	if strings.Trim(p, "\r\n") == "" {
		return Trigger{}, nil, decodeError("", -1, "empty payload")
	}
	enc := base64.RawStdEncoding
	if strings.ContainsAny(p, "-_") {
		enc = base64.RawURLEncoding
	}
	data, err := enc.DecodeString(p)
	if err != nil {
		msg := "payload is not base64"
		var ce base64.CorruptInputError
		if errors.As(err, &ce) {
			msg += " (byte " + strconv.FormatInt(int64(ce), 10) + ")"
		}
		return Trigger{}, nil, decodeError("", -1, msg)
	}
	t, err := decodeTrigger("payload", data)
	if err != nil {
		return Trigger{}, nil, err
	}
	return t, data, nil
}

// DecodeQuery decodes the query of a GET trigger: the payload parameter when
// it is not empty (DecodePayload), otherwise the legacy eventId parameter.
// When both are given they must name the same event. apiKey is not looked
// at. Its errors are DecodePayload's, and a *DecodeError for a query with
// neither parameter or with an eventId the payload contradicts.
func DecodeQuery(q url.Values) (Trigger, error) {
	t, _, err := decodeQuery(q)
	return t, err
}

// decodeQuery is DecodeQuery that also returns the trigger's JSON: the
// payload's, or for the legacy form the JSON of the trigger.
func decodeQuery(q url.Values) (Trigger, []byte, error) {
	eventID := q.Get(QueryEventID)
	if p := q.Get(QueryPayload); p != "" {
		t, data, err := decodePayload(p)
		if err != nil {
			return Trigger{}, nil, err
		}
		if eventID != "" && eventID != t.EventID {
			return Trigger{}, nil, decodeError(pathEventID, -1, "differs from the eventId parameter")
		}
		return t, data, nil
	}
	if eventID == "" {
		return Trigger{}, nil, decodeError("", -1, "query has neither payload nor eventId")
	}
	t := Trigger{EventID: eventID}
	data, err := json.Marshal(t)
	if err != nil { // a struct of strings always marshals
		return Trigger{}, nil, err
	}
	return t, data, nil
}

// decodeError returns the *DecodeError of this package.
func decodeError(path string, off int64, msg string) error {
	return &DecodeError{Vendor: "signage", Path: path, Offset: off, Msg: msg}
}

// walk is a scan of one JSON object of a trigger, and how the offsets of
// the scanner's input map to those its errors report: fixed when it is not
// negative (a sensor_data string reports every fault at the string), else
// through orig when it is not nil (the scanner reads a copy of orig with
// invalid UTF-8 replaced), else as they are.
type walk struct {
	s     lit.Scanner
	fixed int64
	orig  []byte
}

// at returns the reported offset of offset off of the scanner's input.
func (w *walk) at(off int) int64 {
	switch {
	case w.fixed >= 0:
		return w.fixed
	case w.orig != nil:
		return originalOffset(w.orig, off)
	}
	return int64(off)
}

// valueAt skips white space and returns the reported offset of the next
// value.
func (w *walk) valueAt() int64 {
	_, _ = w.s.Peek() // an error shows again when the value is read
	return w.at(w.s.Offset())
}

// decodeTrigger decodes the JSON object of a trigger; part ("body",
// "payload") names it in errors about the whole.
//
// Keys match exactly, as a map would have them: encoding/json would also
// take "Event_ID", or "ſensor_data" with the long s, for a struct field.
// json.Valid gives encoding/json's own syntax errors; a lit.Scanner then
// walks the valid object in place, so nothing is decoded twice and only the
// kept text is copied. A key given twice keeps its last value (both must be
// valid).
func decodeTrigger(part string, data []byte) (Trigger, error) {
	if !json.Valid(data) {
		return Trigger{}, syntaxError(part, data)
	}
	src := validUTF8(data)
	w := &walk{fixed: -1}
	if len(src) != len(data) {
		w.orig = data
	}
	w.s.Reset(src)
	objAt := w.valueAt()
	if k, _ := w.s.Peek(); k != lit.Object {
		return Trigger{}, decodeError("", objAt, part+": want an object, got "+kindName(k))
	}
	if err := w.s.BeginObject(); err != nil {
		return Trigger{}, w.syntax(err)
	}
	var t Trigger
	idAt := objAt
	idMsg := "missing"
	for {
		key, ok, err := w.s.NextKey()
		if err != nil {
			return Trigger{}, w.syntax(err)
		}
		if !ok {
			break
		}
		at := w.valueAt()
		switch string(key) {
		case "event_id":
			idAt, idMsg = at, "empty"
			t.EventID, err = text(w, pathEventID, at, false)
		case "sensor_data":
			t.Sensor, err = sensorData(w, at)
		default:
			_, err = w.s.Skip()
			err = w.syntax(err)
		}
		if err != nil {
			return Trigger{}, err
		}
	}
	if t.EventID == "" {
		return Trigger{}, decodeError(pathEventID, idAt, idMsg)
	}
	return t, nil
}

// syntaxError returns the *DecodeError for data that is not JSON, at the
// byte encoding/json stopped at.
func syntaxError(part string, data []byte) error {
	err := json.Unmarshal(data, new(json.RawMessage))
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return decodeError("", -1, part+" is not JSON")
	}
	off := se.Offset
	// encoding/json counts the offending character as read; the offset of
	// an unexpected end is the length of the input.
	if strings.HasPrefix(se.Error(), "invalid character") && off > 0 {
		off--
	}
	return decodeError("", off, part+" is not JSON: "+se.Error())
}

// sensorData decodes the sensor_data field at offset at: an object, a
// string holding an object literal, or null or "" for none.
func sensorData(w *walk, at int64) (*SensorData, error) {
	switch k, _ := w.s.Peek(); k {
	case lit.Null:
		return nil, w.syntax(w.s.ReadNull())
	case lit.Object:
		if err := w.s.BeginObject(); err != nil {
			return nil, w.syntax(err)
		}
		return sensorObject(w, at)
	case lit.String:
		str, err := w.s.ReadString()
		if err != nil {
			return nil, w.syntax(err)
		}
		if len(bytes.TrimSpace(str)) == 0 {
			return nil, nil
		}
		strict, err := literalJSON(str)
		if err != nil {
			msg := "object literal in the string does not parse"
			if le, ok := err.(*lit.SyntaxError); ok {
				msg = "object literal in the string: " + cut(le.Reason, 64) +
					" at byte " + strconv.Itoa(le.Offset) + " of the string"
			}
			return nil, decodeError(pathSensor, at, msg)
		}
		// Every fault inside the string is reported at the string.
		inner := &walk{fixed: at}
		inner.s.Reset(strict)
		if k, _ := inner.s.Peek(); k != lit.Object {
			return nil, decodeError(pathSensor, at, "want an object literal in the string, got "+kindName(k))
		}
		if err := inner.s.BeginObject(); err != nil {
			return nil, inner.syntax(err)
		}
		return sensorObject(inner, at)
	default:
		return nil, decodeError(pathSensor, at, "want an object or a string, got "+kindName(k))
	}
}

// sensorObject decodes the members of the sensor_data object at offset at,
// whose '{' w has read.
func sensorObject(w *walk, at int64) (*SensorData, error) {
	var d SensorData
	idAt := at
	idMsg := "missing"
	for {
		key, ok, err := w.s.NextKey()
		if err != nil {
			return nil, w.syntax(err)
		}
		if !ok {
			break
		}
		vat := w.valueAt()
		switch string(key) {
		case "id":
			idAt, idMsg = vat, "empty"
			d.ID, err = text(w, pathSensorID, vat, true)
		case "event":
			d.Event, err = text(w, pathSensorEvent, vat, true)
		case "value":
			d.Value, err = text(w, pathSensorValue, vat, true)
		default:
			_, err = w.s.Skip()
			err = w.syntax(err)
		}
		if err != nil {
			return nil, err
		}
	}
	if d.ID == "" {
		return nil, decodeError(pathSensorID, idAt, idMsg)
	}
	return &d, nil
}

// text reads a field that carries text, at path and offset at: a string, or
// a number kept as its literal; with lenient also a boolean kept as its
// literal. null is "".
func text(w *walk, path string, at int64, lenient bool) (string, error) {
	k, _ := w.s.Peek()
	var b []byte
	var err error
	switch {
	case k == lit.String:
		b, err = w.s.ReadString()
	case k == lit.Number:
		b, err = w.s.ReadNumber()
	case k == lit.Null:
		return "", w.syntax(w.s.ReadNull())
	case k == lit.Bool && lenient:
		var v bool
		if v, err = w.s.ReadBool(); v {
			return "true", w.syntax(err)
		}
		return "false", w.syntax(err)
	default:
		want := "a string or a number"
		if lenient {
			want = "a string, a number, a boolean or null"
		}
		return "", decodeError(path, at, "want "+want+", got "+kindName(k))
	}
	return string(b), w.syntax(err)
}

// syntax turns the scanner's errors into a *DecodeError at their offset. On
// the strict JSON the scanner is given they do not happen; this keeps them
// in the error model if they ever do.
func (w *walk) syntax(err error) error {
	// A type assertion, not errors.As, which would cost an allocation on
	// every call: the scanner returns its errors unwrapped.
	if le, ok := err.(*lit.SyntaxError); ok {
		return decodeError("", w.at(le.Offset), cut(le.Reason, 64))
	}
	return err
}

// cut returns s cut to at most about n bytes, on a UTF-8 boundary, with
// "..." when cut: the scanner's reasons can quote a whole identifier.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

// validUTF8 returns data with each byte that is not valid UTF-8 replaced by
// U+FFFD, as encoding/json reads strings (the scanner would reject it).
func validUTF8(data []byte) []byte {
	if utf8.Valid(data) {
		return data
	}
	out := make([]byte, 0, len(data)+16)
	for len(data) > 0 {
		r, n := utf8.DecodeRune(data)
		out = utf8.AppendRune(out, r) // RuneError for an invalid byte
		data = data[n:]
	}
	return out
}

// originalOffset maps offset off of validUTF8(data) back to data.
func originalOffset(data []byte, off int) int64 {
	i, j := 0, 0
	for i < len(data) && j < off {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n == 1 {
			j += utf8.RuneLen(utf8.RuneError)
		} else {
			j += n
		}
		i += n
	}
	return int64(i)
}

// kindName names a lit kind as JSON does ("boolean", not "bool").
func kindName(k lit.Kind) string {
	if k == lit.Bool {
		return "boolean"
	}
	return k.String()
}
