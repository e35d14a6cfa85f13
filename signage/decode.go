package signage

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
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
func decodeTrigger(part string, data []byte) (Trigger, error) {
	fields, err := object(part, data)
	if err != nil {
		return Trigger{}, err
	}
	var t Trigger
	raw, ok := fields["event_id"]
	if !ok || jsonType(raw) == "null" {
		return Trigger{}, ErrMissingEventID
	}
	if t.EventID, err = text("event_id", raw, false); err != nil {
		return Trigger{}, err
	}
	if t.EventID == "" {
		return Trigger{}, ErrMissingEventID
	}
	if raw, ok := fields["sensor_data"]; ok {
		if t.Sensor, err = sensorData(raw); err != nil {
			return Trigger{}, err
		}
	}
	return t, nil
}

// sensorData decodes the sensor_data field: an object, a string holding an
// object literal, or null or "" for none.
func sensorData(raw json.RawMessage) (*SensorData, error) {
	switch jsonType(raw) {
	case "null":
		return nil, nil
	case "object":
		return sensorObject(raw)
	case "string":
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, &SyntaxError{Part: "sensor_data", Err: err}
		}
		if strings.TrimSpace(s) == "" {
			return nil, nil
		}
		strict, err := literalJSON([]byte(s))
		if err != nil {
			return nil, &SyntaxError{Part: "sensor_data", Err: err}
		}
		if got := jsonType(strict); got != "object" {
			return nil, &FieldError{Path: "sensor_data", Want: "object literal in the string", Got: got}
		}
		return sensorObject(strict)
	default:
		return nil, &FieldError{Path: "sensor_data", Want: "object or string", Got: jsonType(raw)}
	}
}

// sensorObject decodes a sensor_data JSON object.
func sensorObject(data []byte) (*SensorData, error) {
	fields, err := object("sensor_data", data)
	if err != nil {
		return nil, err
	}
	var s SensorData
	for _, f := range []struct {
		name string
		dst  *string
	}{{"id", &s.ID}, {"event", &s.Event}, {"value", &s.Value}} {
		if raw, ok := fields[f.name]; ok {
			if *f.dst, err = text("sensor_data."+f.name, raw, true); err != nil {
				return nil, err
			}
		}
	}
	if s.ID == "" {
		return nil, ErrMissingSensorID
	}
	return &s, nil
}

// object decodes a JSON object into its raw fields.
func object(part string, data []byte) (map[string]json.RawMessage, error) {
	if got := jsonType(data); got != "object" {
		if err := json.Unmarshal(data, new(json.RawMessage)); err != nil {
			return nil, &SyntaxError{Part: part, Err: err}
		}
		return nil, &FieldError{Path: part, Want: "object", Got: got}
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return nil, &SyntaxError{Part: part, Err: err}
	}
	return fields, nil
}

// text decodes a field that carries text: a string, or a number kept as its
// literal; with lenient also a boolean kept as its literal, and null as "".
func text(path string, raw json.RawMessage, lenient bool) (string, error) {
	switch got := jsonType(raw); got {
	case "string":
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", &SyntaxError{Part: path, Err: err}
		}
		return s, nil
	case "number":
		return string(bytes.TrimSpace(raw)), nil
	case "boolean", "null":
		if lenient {
			if got == "null" {
				return "", nil
			}
			return string(bytes.TrimSpace(raw)), nil
		}
		fallthrough
	default:
		want := "string or number"
		if lenient {
			want = "string, number, boolean or null"
		}
		return "", &FieldError{Path: path, Want: want, Got: got}
	}
}
