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
//   - NewHandler accepts triggers the way the vendor's server does, at
//     /public-api/integration/webhooks or under any other prefix, and calls
//     your function with the decoded Trigger; with WithActions it resolves
//     each trigger through an Actions table and calls you with a Command.
//   - DecodeBody, DecodePayload and DecodeQuery decode without HTTP.
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

import "errors"

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
	// ID identifies the sensor. It is never empty in decoded sensor data.
	ID string `json:"id"`
	// Event names what the sensor saw; older senders leave it out.
	Event string `json:"event,omitempty"`
	// Value is the reading.
	Value string `json:"value,omitempty"`
}

// Errors a decoder returns besides *FieldError and *SyntaxError.
var (
	// ErrMissingEventID reports a trigger without an event id (absent, null
	// or "").
	ErrMissingEventID = errors.New("signage: missing event_id")
	// ErrEmpty reports an empty POST body or an empty GET payload.
	ErrEmpty = errors.New("signage: empty body or payload")
	// ErrUnknownEvent reports an event id that an Actions table does not
	// hold. The handler answers it with 404.
	ErrUnknownEvent = errors.New("signage: unknown event id")
)

// FieldError reports a field of the wrong JSON type. Path names the field
// ("sensor_data.value").
type FieldError struct {
	Path string // dotted field path
	Want string // what the field may be ("string")
	Got  string // the JSON type it was ("object")
}

func (e *FieldError) Error() string {
	return "signage: " + e.Path + ": want " + e.Want + ", got " + e.Got
}

// SyntaxError reports a part of a request that does not parse: Part is "body",
// "payload", "sensor_data" or "query", and Err the underlying error
// (*json.SyntaxError, base64.CorruptInputError, the tolerant scanner's
// error, ...), readable with errors.As.
type SyntaxError struct {
	Part string
	Err  error
}

func (e *SyntaxError) Error() string {
	return "signage: " + e.Part + ": " + e.Err.Error()
}

func (e *SyntaxError) Unwrap() error { return e.Err }
