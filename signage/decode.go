package signage

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/vendorhooks/vendorhooks/internal/lit"
)

// More decode errors.
var (
	// ErrMissingSensorID reports sensor_data without an id.
	ErrMissingSensorID = errors.New("signage: missing sensor_data.id")
	// ErrEventIDConflict reports a GET with both a payload and an eventId
	// that names a different event.
	ErrEventIDConflict = errors.New("signage: eventId and payload event_id differ")
)

// DecodeBody decodes the JSON body of a POST trigger. Unknown fields are
// ignored. event_id must be a non-empty string (a number is kept as its
// literal text); sensor_data may be an object, a string holding a JavaScript
// object literal or a JSON object, null, or "" (the last two mean no sensor
// data).
func DecodeBody(data []byte) (Trigger, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return Trigger{}, ErrEmpty
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
func DecodePayload(p string) (Trigger, error) {
	if strings.IndexByte(p, '%') >= 0 {
		u, err := url.QueryUnescape(p)
		if err != nil {
			return Trigger{}, &SyntaxError{Part: "payload", Err: err}
		}
		p = u
	}
	p = strings.ReplaceAll(p, " ", "+")
	p = strings.TrimRight(p, "=")
	if strings.Trim(p, "\r\n") == "" {
		return Trigger{}, ErrEmpty
	}
	enc := base64.RawStdEncoding
	if strings.ContainsAny(p, "-_") {
		enc = base64.RawURLEncoding
	}
	data, err := enc.DecodeString(p)
	if err != nil {
		return Trigger{}, &SyntaxError{Part: "payload", Err: fmt.Errorf("not base64: %w", err)}
	}
	return decodeTrigger("payload", data)
}

// DecodeQuery decodes the query of a GET trigger: the payload parameter when
// it is not empty (DecodePayload), otherwise the legacy eventId parameter.
// When both are given they must name the same event. apiKey is not looked
// at.
func DecodeQuery(q url.Values) (Trigger, error) {
	eventID := q.Get(QueryEventID)
	if p := q.Get(QueryPayload); p != "" {
		t, err := DecodePayload(p)
		if err != nil {
			return Trigger{}, err
		}
		if eventID != "" && eventID != t.EventID {
			return Trigger{}, ErrEventIDConflict
		}
		return t, nil
	}
	if eventID == "" {
		return Trigger{}, ErrMissingEventID
	}
	return Trigger{EventID: eventID}, nil
}

// decodeTrigger decodes the JSON object of a trigger; part names it in
// errors.
//
// Keys match exactly, as a map would have them: encoding/json would also
// take "Event_ID", or "ſensor_data" with the long s, for a struct field.
// json.Valid gives encoding/json's own syntax errors; a lit.Scanner then
// walks the valid object in place, so nothing is decoded twice and only the
// kept text is copied. A key given twice keeps its last value (both must be
// valid).
func decodeTrigger(part string, data []byte) (Trigger, error) {
	var s lit.Scanner
	if err := beginObject(&s, part, data); err != nil {
		return Trigger{}, err
	}
	var t Trigger
	for {
		key, ok, err := s.NextKey()
		if err != nil {
			return Trigger{}, syntax(part, err)
		}
		if !ok {
			break
		}
		switch string(key) {
		case "event_id":
			t.EventID, err = text(&s, "event_id", false)
		case "sensor_data":
			t.Sensor, err = sensorData(&s)
		default:
			_, err = s.Skip()
		}
		if err != nil {
			return Trigger{}, syntax(part, err)
		}
	}
	if t.EventID == "" {
		return Trigger{}, ErrMissingEventID
	}
	return t, nil
}

// beginObject checks that data is strict JSON holding an object, and starts
// s on it.
func beginObject(s *lit.Scanner, part string, data []byte) error {
	if !json.Valid(data) {
		return &SyntaxError{Part: part, Err: json.Unmarshal(data, new(json.RawMessage))}
	}
	s.Reset(validUTF8(data))
	if k, _ := s.Peek(); k != lit.Object {
		return &FieldError{Path: part, Want: "object", Got: kindName(k)}
	}
	return s.BeginObject()
}

// sensorData decodes the sensor_data field: an object, a string holding an
// object literal, or null or "" for none.
func sensorData(s *lit.Scanner) (*SensorData, error) {
	switch k, _ := s.Peek(); k {
	case lit.Null:
		return nil, s.ReadNull()
	case lit.Object:
		if err := s.BeginObject(); err != nil {
			return nil, err
		}
		return sensorObject(s)
	case lit.String:
		str, err := s.ReadString()
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(str)) == 0 {
			return nil, nil
		}
		strict, err := literalJSON(str)
		if err != nil {
			return nil, &SyntaxError{Part: "sensor_data", Err: err}
		}
		var inner lit.Scanner
		if err := beginObject(&inner, "sensor_data", strict); err != nil {
			var fe *FieldError
			if errors.As(err, &fe) {
				fe.Want = "object literal in the string"
			}
			return nil, err
		}
		return sensorObject(&inner)
	default:
		return nil, &FieldError{Path: "sensor_data", Want: "object or string", Got: kindName(k)}
	}
}

// sensorObject decodes the members of a sensor_data object whose '{' s has
// read.
func sensorObject(s *lit.Scanner) (*SensorData, error) {
	var d SensorData
	for {
		key, ok, err := s.NextKey()
		if err != nil {
			return nil, syntax("sensor_data", err)
		}
		if !ok {
			break
		}
		switch string(key) {
		case "id":
			d.ID, err = text(s, "sensor_data.id", true)
		case "event":
			d.Event, err = text(s, "sensor_data.event", true)
		case "value":
			d.Value, err = text(s, "sensor_data.value", true)
		default:
			_, err = s.Skip()
		}
		if err != nil {
			return nil, syntax("sensor_data", err)
		}
	}
	if d.ID == "" {
		return nil, ErrMissingSensorID
	}
	return &d, nil
}

// text reads a field that carries text: a string, or a number kept as its
// literal; with lenient also a boolean kept as its literal. null is "".
func text(s *lit.Scanner, path string, lenient bool) (string, error) {
	k, _ := s.Peek()
	var b []byte
	var err error
	switch {
	case k == lit.String:
		b, err = s.ReadString()
	case k == lit.Number:
		b, err = s.ReadNumber()
	case k == lit.Null:
		return "", s.ReadNull()
	case k == lit.Bool && lenient:
		var v bool
		if v, err = s.ReadBool(); v {
			return "true", err
		}
		return "false", err
	default:
		want := "string or number"
		if lenient {
			want = "string, number, boolean or null"
		}
		return "", &FieldError{Path: path, Want: want, Got: kindName(k)}
	}
	return string(b), err
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

// syntax wraps the scanner's errors in a *SyntaxError naming part, and
// returns the others as they are.
func syntax(part string, err error) error {
	if le, ok := err.(*lit.SyntaxError); ok {
		return &SyntaxError{Part: part, Err: le}
	}
	return err
}

// kindName names a lit kind as JSON does ("boolean", not "bool").
func kindName(k lit.Kind) string {
	if k == lit.Bool {
		return "boolean"
	}
	return k.String()
}
