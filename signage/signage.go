// Package signage triggers and receives the webhooks of Peak Signage on the
// Wallboard platform.
//
// The vendor's webhooks run the other way round from most: a third party
// (an alarm system, a sensor bridge) calls the signage server, which looks
// the trigger's event id up in its action table and acts on its devices.
// This package holds both sides:
//
//   - Client sends a Trigger with POST, and TriggerURL and LegacyTriggerURL
//     build the GET links a browser or a dumb device can open.
//   - New (or NewHandler) builds a handler that accepts triggers the way the
//     vendor's server does, at /public-api/integration/webhooks or under any
//     other prefix, and calls your function with the decoded Trigger; with
//     WithActions it resolves each trigger through an Actions table and
//     calls you with a Command. Inside your function,
//     vendorhooks.DeliveryFromContext gives the request's Delivery.
//   - DecodeBody, DecodePayload and DecodeQuery decode without HTTP, and
//     DecodeBodyWarnings and DecodeQueryWarnings also return every warning.
//
// # What is refused, what is delivered
//
// The decoders and the handler follow the tolerant-reader rule of every
// vendorhooks package. A trigger is refused (a *DecodeError, which matches
// ErrMalformed; the handler answers 400) only when its JSON, its payload or
// its query cannot be parsed at all, when it is nested deeper than 64
// levels, or when its event_id, which picks the action, is missing, not a
// string, empty, longer than 64 bytes or given twice. Anything else is
// delivered with a vendorhooks.Warning naming its JSON Pointer path, its
// offset and what arrived: a value of an unexpected type (the field is left
// at its zero value), an unknown member, a duplicate key (the last value
// wins), sensor data without an id, and text that is not UTF-8, which is
// read as Latin-1 (each byte its own character: exactly what a web page
// sends when it builds a GET payload with btoa). Every string of a decoded
// Trigger is valid UTF-8. The handler hands the warnings to your function
// in Delivery.Warnings; WithStrict refuses such triggers instead.
//
// Package signagetest holds a fake signage server for testing code that uses
// Client, and request builders for testing handlers.
//
// # Wire format
//
// POST: header X-Webhook-Apikey (any case) holds the key; the body is
//
//	{"event_id": "E", "sensor_data": {"id": "S", "event": "EV", "value": "V"}}
//
// where sensor_data is optional and, from older senders, may be a string
// holding a JavaScript object literal ("{id: 's1', value: '42'}").
//
// GET: ?apiKey=K&payload=P, with P the same JSON base64-encoded and then
// percent-encoded (standard or URL-safe alphabet, padded or not), or the
// legacy ?apiKey=K&eventId=E.
//
// The server answers {"message":"success"} with 200, or
// {"message":"Error","error":"<short reason>"} with a 4xx or 5xx status.
package signage

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"slices"

	"github.com/vendorhooks/vendorhooks"
	"github.com/vendorhooks/vendorhooks/internal/httpx"
)

// Path is the vendor's endpoint path below the server root.
const Path = "/public-api/integration/webhooks"

// HeaderAPIKey is the header that carries the key of a POST (any case on the
// wire).
const HeaderAPIKey = "X-Webhook-Apikey"

// Query parameters of the GET forms.
const (
	QueryAPIKey  = "apiKey"
	QueryPayload = "payload"
	QueryEventID = "eventId"
)

// KindTrigger is what Trigger.Kind returns.
const KindTrigger = "trigger"

// Trigger is one webhook call: the event id the server resolves to an action,
// and the sensor data the "send sensor event data" action forwards.
type Trigger struct {
	// EventID names the action configured on the server. It is never empty
	// in a decoded Trigger.
	EventID string `json:"event_id"`
	// Sensor is the sensor_data object, or nil when the call has none.
	Sensor *SensorData `json:"sensor_data,omitempty"`
	// Extra holds the members a decoder did not know, by name, each value
	// as compact JSON (valid UTF-8; for a key given twice, the last), so a
	// vendor's new field is kept and can be relayed. It is nil when there
	// are none. MarshalJSON writes them beside the known members.
	Extra map[string]json.RawMessage `json:"-"`
}

// triggerJSON is Trigger's known members, as MarshalJSON writes them.
type triggerJSON struct {
	EventID string      `json:"event_id"`
	Sensor  *SensorData `json:"sensor_data,omitempty"`
}

// MarshalJSON writes the trigger as the vendor's JSON: event_id,
// sensor_data when not nil, then the Extra members sorted by name (a name
// of a known member is left out). An Extra value that is not valid JSON is
// an error; an empty one is written as null.
func (t Trigger) MarshalJSON() ([]byte, error) {
	b, err := marshal(triggerJSON{EventID: t.EventID, Sensor: t.Sensor})
	if err != nil {
		return nil, err
	}
	return appendExtra(b, t.Extra, "event_id", "sensor_data")
}

// Kind returns "trigger" (KindTrigger) for every Trigger: the vendor has a
// single message kind, and which action it starts is the EventID's job.
// Receivers that store a kind per message, as they do for the other vendors'
// events, store this one.
func (Trigger) Kind() string { return KindTrigger }

// SensorData is the sensor reading a trigger carries. The vendor sends every
// field as a string; numbers and booleans from lenient senders are kept as
// their literal text ("42", "true"), and null as "".
type SensorData struct {
	// ID identifies the sensor. A decoder leaves it empty only with a
	// warning (sensor data without an id is kept, not refused).
	ID string `json:"id"`
	// Event names what the sensor saw; older senders leave it out.
	Event string `json:"event,omitempty"`
	// Value is the reading.
	Value string `json:"value,omitempty"`
	// Extra holds the members a decoder did not know, as Trigger.Extra
	// does.
	Extra map[string]json.RawMessage `json:"-"`
}

// sensorJSON is SensorData's known members, as MarshalJSON writes them.
type sensorJSON struct {
	ID    string `json:"id"`
	Event string `json:"event,omitempty"`
	Value string `json:"value,omitempty"`
}

// MarshalJSON writes the sensor data as the vendor's JSON: id, event and
// value when not empty, then the Extra members as Trigger.MarshalJSON does.
func (d SensorData) MarshalJSON() ([]byte, error) {
	b, err := marshal(sensorJSON{ID: d.ID, Event: d.Event, Value: d.Value})
	if err != nil {
		return nil, err
	}
	return appendExtra(b, d.Extra, "id", "event", "value")
}

// marshal is json.Marshal without HTML escaping. json.Marshal escapes a
// Marshaler's output itself, while an Encoder with SetEscapeHTML(false)
// (as golden files and receivers use) keeps it: so the MarshalJSON methods
// write '<', '>' and '&' as they are, as a plain struct would be written.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// appendExtra writes the members of extra whose names are not in known into
// the JSON object obj, which has at least one member, sorted by name.
func appendExtra(obj []byte, extra map[string]json.RawMessage, known ...string) ([]byte, error) {
	if len(extra) == 0 {
		return obj, nil
	}
	b := obj[:len(obj)-1] // drop '}'
	for _, name := range slices.Sorted(maps.Keys(extra)) {
		if slices.Contains(known, name) {
			continue
		}
		v := extra[name]
		switch {
		case len(v) == 0:
			v = json.RawMessage("null")
		case !json.Valid(v):
			return nil, errors.New("signage: Extra member " + httpx.Quote(name) + " is not valid JSON")
		}
		k, err := marshal(name)
		if err != nil {
			return nil, err
		}
		b = append(append(append(append(b, ','), k...), ':'), v...)
	}
	return append(b, '}'), nil
}

// ErrMalformed is matched by every error the decoders return for a trigger
// they refuse (the handler answers those 400). It is vendorhooks.ErrMalformed,
// the same value in every vendor package.
var ErrMalformed = vendorhooks.ErrMalformed

// DecodeError is the error the decoders return for a trigger they refuse: it is vendorhooks.DecodeError, with Vendor
// "signage", Path an RFC 6901 JSON Pointer into the trigger's JSON
// ("/sensor_data/value"; empty for the JSON, the payload or the query as a
// whole) and Offset the byte offset in that JSON where known, else -1.
// errors.Is(err, ErrMalformed) holds for it. Its message quotes at most
// about 32 bytes of the input and never a key.
type DecodeError = vendorhooks.DecodeError

// ErrUnknownEvent reports an event id that an Actions table does not hold.
// Actions.Resolve returns it; the handler answers it with 404.
var ErrUnknownEvent = errors.New("signage: unknown event id")
