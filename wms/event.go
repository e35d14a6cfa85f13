package wms

import (
	"bytes"
	"encoding/json"
	"slices"
	"time"
)

// Event is one WMS webhook call. Decode builds it from a body; json.Marshal
// turns it back into the vendor's wire form, which Decode reads to an equal
// Event.
type Event struct {
	// Timestamp is the time of the event, sent as Unix seconds (UTC). It is
	// zero when the body has none, or one Decode could not use (it then
	// warns); a zero Timestamp marshals as null.
	Timestamp time.Time
	// SessionID is the session ID given when the call-in URL was built.
	SessionID string
	// Sequence starts at 0 per session and grows by one per event.
	Sequence int64
	// Code is the vendor's event name, known or not.
	Code Code
	// Severity is the severity as sent; "" when the body has none. The
	// table's severity for the code is Code.Severity().
	Severity Severity
	// Payload is nil when the body has no payload (or a null one). Otherwise
	// it is the typed payload the vendor's table gives Code, or *RawPayload
	// for a code the table does not list or lists without a payload.
	Payload Payload
	// Extra holds the top-level fields the spec does not name, as compact
	// JSON. It is nil when there are none.
	Extra map[string]json.RawMessage
}

// Kind returns the vendor's event code, such as "MEASUREMENT_CREATED".
func (e Event) Kind() string { return string(e.Code) }

// wireEvent is the vendor's body layout.
type wireEvent struct {
	Timestamp *int64   `json:"timestamp"`
	SessionID string   `json:"sessionId"`
	Sequence  int64    `json:"sequence"`
	Event     Code     `json:"event"`
	Severity  Severity `json:"severity,omitempty"`
	Payload   Payload  `json:"payload,omitempty"`
}

var eventFields = []string{"timestamp", "sessionId", "sequence", "event", "severity", "payload"}

// MarshalJSON returns the event in the vendor's wire form, Extra included.
func (e Event) MarshalJSON() ([]byte, error) {
	var ts *int64
	if !e.Timestamp.IsZero() {
		sec := e.Timestamp.Unix()
		ts = &sec
	}
	return marshalExtra(wireEvent{
		Timestamp: ts,
		SessionID: e.SessionID,
		Sequence:  e.Sequence,
		Event:     e.Code,
		Severity:  e.Severity,
		Payload:   e.Payload,
	}, e.Extra, eventFields)
}

// Payload is the typed content of an event's "payload" field: one of
// *Measurement, *IntermediateResults, *ConstraintViolation, *APIError,
// *PageVisibility, *Details or *RawPayload. The set is closed. Every payload
// type marshals to the vendor's wire form with a value receiver, so a
// payload marshals the same by value and through its pointer.
type Payload interface {
	isPayload()
}

// Measurement is the payload of the events whose table row names only a
// measurement ID: MEASUREMENT_CREATED, SCAN_COMPLETED, RESULTS_RECEIVED,
// REDIRECTING_TO_CALLBACK, MEASUREMENT_CANCELED, PAGE_UNLOADED, the three
// WEBSOCKET_ events and FAILED_INIT_BLOOD_FLOW.
type Measurement struct {
	// MeasurementID is "" when no measurement was created yet (or when the
	// vendor sends null).
	MeasurementID string
	// Extra holds the fields the spec does not name, as compact JSON.
	Extra map[string]json.RawMessage
}

// IntermediateResults is the payload of INTERMEDIATE_RESULTS.
type IntermediateResults struct {
	MeasurementID string
	SNR           float64 // signal-to-noise ratio; 0 when absent
	Sequence      int64   // the result's sequence within the measurement; 0 when absent
	Extra         map[string]json.RawMessage
}

// ConstraintViolation is the payload of CONSTRAINT_VIOLATION. The vendor's
// table says it names the violated constraint, but its example shows only
// the measurement ID and no field name for the constraint, so that field is
// kept in Extra under whatever name the vendor sends.
type ConstraintViolation struct {
	MeasurementID string
	Extra         map[string]json.RawMessage
}

// APIError is the payload of API_ERROR. The vendor's table says it carries
// an API error code, but its example shows only the measurement ID and no
// field name for the code, so that field is kept in Extra under whatever
// name the vendor sends.
type APIError struct {
	MeasurementID string
	Extra         map[string]json.RawMessage
}

// PageVisibility is the payload of PAGE_VISIBILITY_CHANGE.
type PageVisibility struct {
	MeasurementID string
	State         Visibility // VISIBLE or HIDDEN; "" when absent
	Extra         map[string]json.RawMessage
}

// Details is the payload of LOW_SNR and GENERAL_ERROR.
type Details struct {
	Details Detail // such as LOW_SNR or CAMERA_START_ERROR; "" when absent
	Extra   map[string]json.RawMessage
}

// RawPayload is the payload of an event whose code the table does not list,
// or lists without a payload: the JSON value as sent, compacted.
type RawPayload struct {
	Raw json.RawMessage
}

func (*Measurement) isPayload()         {}
func (*IntermediateResults) isPayload() {}
func (*ConstraintViolation) isPayload() {}
func (*APIError) isPayload()            {}
func (*PageVisibility) isPayload()      {}
func (*Details) isPayload()             {}
func (*RawPayload) isPayload()          {}

type measurementWire struct {
	MeasurementID string `json:"measurementId,omitempty"`
}

var measurementFields = []string{"measurementId"}

// MarshalJSON returns the payload in the vendor's wire form.
func (p Measurement) MarshalJSON() ([]byte, error) {
	return marshalExtra(measurementWire{p.MeasurementID}, p.Extra, measurementFields)
}

// MarshalJSON returns the payload in the vendor's wire form.
func (p ConstraintViolation) MarshalJSON() ([]byte, error) {
	return marshalExtra(measurementWire{p.MeasurementID}, p.Extra, measurementFields)
}

// MarshalJSON returns the payload in the vendor's wire form.
func (p APIError) MarshalJSON() ([]byte, error) {
	return marshalExtra(measurementWire{p.MeasurementID}, p.Extra, measurementFields)
}

var intermediateFields = []string{"measurementId", "snr", "sequence"}

// MarshalJSON returns the payload in the vendor's wire form.
func (p IntermediateResults) MarshalJSON() ([]byte, error) {
	return marshalExtra(struct {
		MeasurementID string  `json:"measurementId,omitempty"`
		SNR           float64 `json:"snr"`
		Sequence      int64   `json:"sequence"`
	}{p.MeasurementID, p.SNR, p.Sequence}, p.Extra, intermediateFields)
}

var visibilityFields = []string{"measurementId", "state"}

// MarshalJSON returns the payload in the vendor's wire form.
func (p PageVisibility) MarshalJSON() ([]byte, error) {
	return marshalExtra(struct {
		MeasurementID string     `json:"measurementId,omitempty"`
		State         Visibility `json:"state,omitempty"`
	}{p.MeasurementID, p.State}, p.Extra, visibilityFields)
}

var detailsFields = []string{"details"}

// MarshalJSON returns the payload in the vendor's wire form.
func (p Details) MarshalJSON() ([]byte, error) {
	return marshalExtra(struct {
		Details Detail `json:"details,omitempty"`
	}{p.Details}, p.Extra, detailsFields)
}

// MarshalJSON returns the payload as sent; null when Raw is empty.
func (p RawPayload) MarshalJSON() ([]byte, error) {
	if len(p.Raw) == 0 {
		return []byte("null"), nil
	}
	return p.Raw, nil
}

// marshalExtra marshals the struct v and appends the extra fields to the
// object, sorted by name, skipping any whose name is one of known.
func marshalExtra(v any, extra map[string]json.RawMessage, known []string) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil || len(extra) == 0 {
		return b, err
	}
	keys := make([]string, 0, len(extra))
	for k := range extra {
		if !slices.Contains(known, k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var buf bytes.Buffer
	buf.Write(b[:len(b)-1]) // without the closing brace
	for _, k := range keys {
		if buf.Len() > 1 {
			buf.WriteByte(',')
		}
		kb, _ := json.Marshal(k) // a string always marshals
		buf.Write(kb)
		buf.WriteByte(':')
		if raw := extra[k]; len(raw) == 0 {
			buf.WriteString("null")
		} else {
			buf.Write(raw)
		}
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}
