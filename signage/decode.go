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

	"github.com/vendorhooks/vendorhooks"
	"github.com/vendorhooks/vendorhooks/internal/jsonptr"
	"github.com/vendorhooks/vendorhooks/internal/lit"
	"github.com/vendorhooks/vendorhooks/internal/tolerant"
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

// maxEventIDBytes is the longest event_id a decoder accepts: the event id
// is the trigger's kind (it picks the action), so it has the bound of every
// kind, tolerant.MaxKindBytes.
const maxEventIDBytes = tolerant.MaxKindBytes

// DecodeBody decodes the JSON body of a POST trigger, following the
// tolerant-reader rule of every vendorhooks decoder.
//
// It refuses a trigger (the zero Trigger and a *DecodeError matching
// ErrMalformed) only when the body is not a JSON object, is nested deeper
// than 64 levels, or its event_id is missing, not a string, empty, longer
// than 64 bytes or given twice. Everything else is delivered: the Trigger
// holds what could be read, and for a value of an unexpected type (left at
// its zero value), a duplicate key (the last value wins), sensor data
// without an id, or a string that is not UTF-8 (read as Latin-1) the error
// beside it is a *vendorhooks.Warnings naming each. That error does not
// match ErrMalformed: a non-zero Trigger is deliverable. Unknown members
// are kept in Trigger.Extra and SensorData.Extra and are not part of the
// error (a vendor adding a field must not make your code fail);
// DecodeBodyWarnings reports them too.
//
// sensor_data may be an object, a string holding a JavaScript object
// literal or a JSON object, null, or "" (the last two mean no sensor data).
// Offsets, in errors and warnings, are byte offsets in data of the value in
// question: for a member that is absent, of the object that lacks it; for
// one inside a sensor_data string, of that string (the message then gives
// the position inside it).
func DecodeBody(data []byte) (Trigger, error) {
	t, ws, err := DecodeBodyWarnings(data)
	if err != nil {
		return Trigger{}, err
	}
	return t, tolerant.List(ws).Err(vendor)
}

// DecodeBodyWarnings is DecodeBody returning every warning, those for
// unknown members (Warning.Unknown) included, in body order; its error is
// only the fatal *DecodeError, with the zero Trigger. The warnings are what
// the handler puts in Delivery.Warnings.
func DecodeBodyWarnings(data []byte) (Trigger, []vendorhooks.Warning, error) {
	var ws tolerant.List
	t, _, err := decodeBody(data, &ws)
	if err != nil {
		return Trigger{}, nil, err
	}
	return t, ws, nil
}

// decodeBody is DecodeBodyWarnings adding to ws; it also returns the body
// with every string read as Latin-1 re-encoded as UTF-8.
func decodeBody(data []byte, ws *tolerant.List) (Trigger, []byte, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return Trigger{}, nil, decodeError("", -1, "empty body")
	}
	return decodeTrigger("body", data, ws)
}

// DecodePayload decodes the payload parameter of a GET trigger: the JSON
// body of a POST, base64-encoded. p is the parameter's value after the query
// has been unescaped once. Both the standard and the URL-safe alphabet are
// accepted, padded or not. Because a payload that was not percent-encoded
// reaches the server with each '+' read as a space, spaces are read as '+';
// and a payload percent-encoded twice is unescaped once more ('%' is not a
// base64 character).
//
// A string in the JSON that is not UTF-8 is read as Latin-1 with a warning:
// a web page that builds the payload with btoa(JSON.stringify(x)) sends
// one byte per character up to U+00FF, so "21,5 °C café" arrives as the
// Latin-1 bytes and is decoded as "21,5 °C café".
//
// It returns what DecodeBody returns, with offsets in the JSON as decoded
// from base64; a payload that is not base64 is refused with a *DecodeError
// with an empty Path and Offset -1.
func DecodePayload(p string) (Trigger, error) {
	var ws tolerant.List
	t, _, err := decodePayload(p, &ws)
	if err != nil {
		return Trigger{}, err
	}
	return t, ws.Err(vendor)
}

// decodePayload is DecodePayload adding to ws; it also returns the decoded
// JSON, with every string read as Latin-1 re-encoded as UTF-8.
func decodePayload(p string, ws *tolerant.List) (Trigger, []byte, error) {
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
	return decodeTrigger("payload", data, ws)
}

// DecodeQuery decodes the query of a GET trigger: the payload parameter when
// it is not empty (DecodePayload), otherwise the legacy eventId parameter,
// whose value, when it is not UTF-8, is read as Latin-1 with a warning.
// When both are given they must name the same event. apiKey is not looked
// at. It returns what DecodePayload returns, and refuses with a *DecodeError
// a query with neither parameter, with either given more than once, with an
// eventId the payload contradicts, or with an eventId longer than 64 bytes.
func DecodeQuery(q url.Values) (Trigger, error) {
	t, ws, err := DecodeQueryWarnings(q)
	if err != nil {
		return Trigger{}, err
	}
	return t, tolerant.List(ws).Err(vendor)
}

// DecodeQueryWarnings is DecodeQuery returning every warning, those for
// unknown members (Warning.Unknown) included, in payload order; its error is
// only the fatal *DecodeError, with the zero Trigger. The warnings are what
// the handler puts in Delivery.Warnings.
func DecodeQueryWarnings(q url.Values) (Trigger, []vendorhooks.Warning, error) {
	var ws tolerant.List
	t, _, err := decodeQuery(q, &ws)
	if err != nil {
		return Trigger{}, nil, err
	}
	return t, ws, nil
}

// decodeQuery is DecodeQueryWarnings adding to ws; it also returns the
// trigger's JSON, valid UTF-8: the payload's, or for the legacy form the
// JSON of the trigger.
func decodeQuery(q url.Values, ws *tolerant.List) (Trigger, []byte, error) {
	// A parameter given twice is read as its first value by url.Values.Get
	// and as its last by other readers: like a duplicated event_id, the
	// trigger is not the same for both.
	if len(q[QueryEventID]) > 1 {
		return Trigger{}, nil, decodeError(pathEventID, -1, "eventId parameter given more than once")
	}
	if len(q[QueryPayload]) > 1 {
		return Trigger{}, nil, decodeError("", -1, "payload parameter given more than once")
	}
	eventID, latin1 := tolerant.Text([]byte(q.Get(QueryEventID)))
	if p := q.Get(QueryPayload); p != "" {
		t, data, err := decodePayload(p, ws)
		if err != nil {
			return Trigger{}, nil, err
		}
		if eventID != "" && eventID != t.EventID {
			return Trigger{}, nil, decodeError(pathEventID, -1, "differs from the eventId parameter")
		}
		return t, data, nil
	}
	switch {
	case eventID == "":
		return Trigger{}, nil, decodeError("", -1, "query has neither payload nor eventId")
	case len(eventID) > maxEventIDBytes:
		return Trigger{}, nil, decodeError(pathEventID, -1, "eventId longer than "+strconv.Itoa(maxEventIDBytes)+" bytes")
	}
	if latin1 {
		ws.Add(pathEventID, -1, tolerant.Latin1Msg)
	}
	t := Trigger{EventID: eventID}
	data, err := json.Marshal(t)
	if err != nil { // a struct of strings always marshals
		return Trigger{}, nil, err
	}
	return t, data, nil
}

// vendor names this package in errors and warnings.
const vendor = "signage"

// decodeError returns the *DecodeError of this package.
func decodeError(path string, off int64, msg string) error {
	return &DecodeError{Vendor: vendor, Path: path, Offset: off, Msg: msg}
}

// Warning messages beside the value's description.
const (
	msgDuplicate = "duplicate key: the last value wins"
	msgLeftEmpty = ": left empty"
	msgDropped   = ": dropped"
)

// walk is a scan of one JSON object of a trigger, the warnings it adds to,
// and how the offsets of the scanner's input map to those it reports: fixed
// when it is not negative (a sensor_data string reports every fault at the
// string), else through latin1 (the strings of the original that the
// scanner's copy holds re-encoded), else as they are.
type walk struct {
	s      lit.Scanner
	src    []byte // the scanner's input
	fixed  int64
	latin1 []span
	ws     *tolerant.List
}

// span is a string literal, quotes included, that was read as Latin-1: at
// [from, to) in the scanner's input and [origFrom, origTo) in the original.
type span struct{ from, to, origFrom, origTo int }

// at returns the reported offset of offset off of the scanner's input: the
// original offset, or for an offset inside a string read as Latin-1 that of
// the string.
func (w *walk) at(off int) int64 {
	if w.fixed >= 0 {
		return w.fixed
	}
	shift := 0
	for _, sp := range w.latin1 {
		switch {
		case off < sp.from:
			return int64(off - shift)
		case off < sp.to:
			return int64(sp.origFrom)
		}
		shift += (sp.to - sp.from) - (sp.origTo - sp.origFrom)
	}
	return int64(off - shift)
}

// readLatin1 reports whether a string read as Latin-1 starts in [from, to)
// of the scanner's input.
func (w *walk) readLatin1(from, to int) bool {
	for _, sp := range w.latin1 {
		if sp.from >= to {
			return false
		}
		if sp.from >= from {
			return true
		}
	}
	return false
}

// valueAt skips white space and returns the reported offset of the next
// value.
func (w *walk) valueAt() int64 {
	_, _ = w.s.Peek() // an error shows again when the value is read
	return w.at(w.s.Offset())
}

// toUTF8 returns data, which json.Valid accepts, with the content of every
// string literal that is not valid UTF-8 read as Latin-1 (tolerant.Text's
// rule, applied before unescaping, so that an escape keeps its meaning),
// and the spans of those strings. Outside strings valid JSON is ASCII. When
// data is UTF-8 it is returned itself, with no spans and no allocation.
func toUTF8(data []byte) ([]byte, []span) {
	if utf8.Valid(data) {
		return data, nil
	}
	out := make([]byte, 0, len(data)+len(data)/4)
	var spans []span
	for i := 0; i < len(data); {
		if data[i] != '"' {
			out = append(out, data[i])
			i++
			continue
		}
		j := i + 1
		for j < len(data) && data[j] != '"' {
			if data[j] == '\\' {
				j++
			}
			j++
		}
		j = min(j, len(data)-1) // the closing quote, in valid JSON
		content := data[i+1 : j]
		if utf8.Valid(content) {
			out = append(out, data[i:j+1]...)
		} else {
			sp := span{from: len(out), origFrom: i, origTo: j + 1}
			out = append(out, '"')
			out = tolerant.AppendLatin1(out, content)
			out = append(out, '"')
			sp.to = len(out)
			spans = append(spans, sp)
		}
		i = j + 1
	}
	return out, spans
}

// decodeTrigger decodes the JSON object of a trigger, adding its warnings
// to ws; part ("body", "payload") names it in errors about the whole. It
// also returns the JSON as read: data itself, or when a string was read as
// Latin-1 a copy with that string re-encoded as UTF-8.
//
// Keys match exactly, as a map would have them: encoding/json would also
// take "Event_ID", or "ſensor_data" with the long s, for a struct field.
// json.Valid gives encoding/json's own syntax errors; a lit.Scanner then
// walks the valid object in place, so nothing is decoded twice and only the
// kept text is copied. A key given twice keeps its last value, with a
// warning; event_id given twice is refused, since readers of the body
// would disagree on the action.
func decodeTrigger(part string, data []byte, ws *tolerant.List) (Trigger, []byte, error) {
	if !json.Valid(data) {
		return Trigger{}, nil, syntaxError(part, data)
	}
	src, spans := toUTF8(data)
	w := &walk{src: src, fixed: -1, latin1: spans, ws: ws}
	w.s.Reset(src)
	objAt := w.valueAt()
	if k, _ := w.s.Peek(); k != lit.Object {
		return Trigger{}, nil, decodeError("", objAt, part+": want an object, got "+kindName(k))
	}
	if err := w.s.BeginObject(); err != nil {
		return Trigger{}, nil, w.syntax(err)
	}
	var t Trigger
	var seenID, seenSensor bool
	for {
		from := w.s.Offset()
		key, ok, err := w.s.NextKey()
		if err != nil {
			return Trigger{}, nil, w.syntax(err)
		}
		if !ok {
			break
		}
		at := w.valueAt()
		switch string(key) {
		case "event_id":
			if seenID {
				return Trigger{}, nil, decodeError(pathEventID, at, "given twice")
			}
			seenID = true
			t.EventID, err = w.eventID(at)
		case "sensor_data":
			if seenSensor {
				w.ws.Add(pathSensor, at, msgDuplicate)
			}
			seenSensor = true
			t.Sensor, err = w.sensorData(at)
		default:
			err = w.unknown(&t.Extra, "", key, at, from)
		}
		if err != nil {
			return Trigger{}, nil, err
		}
	}
	if !seenID {
		return Trigger{}, nil, decodeError(pathEventID, objAt, "missing")
	}
	return t, src, nil
}

// unknown keeps in *extra the value at offset at of the unknown member key
// of the object at pointer parent, compacted, with an unknown-member warning
// (and a duplicate one when *extra holds key already: the last value wins),
// and a Latin-1 one when the member, from offset from of the scanner's
// input, holds a string read as Latin-1. *extra is made on first use.
func (w *walk) unknown(extra *map[string]json.RawMessage, parent string, key []byte, at int64, from int) error {
	name := string(key)
	path := parent + jsonptr.Join(name)
	if _, dup := (*extra)[name]; dup {
		w.ws.Add(path, at, msgDuplicate)
	}
	w.ws.Unknown(path, at)
	start := w.s.Offset()
	if _, err := w.s.Skip(); err != nil {
		return w.syntax(err)
	}
	end := w.s.Offset()
	if w.readLatin1(from, end) {
		w.ws.Add(path, at, tolerant.Latin1Msg)
	}
	var buf bytes.Buffer
	if json.Compact(&buf, w.src[start:end]) != nil {
		// The scanner's input is valid JSON, so this does not happen.
		buf.Reset()
		buf.Write(w.src[start:end])
	}
	if *extra == nil {
		*extra = map[string]json.RawMessage{}
	}
	(*extra)[name] = buf.Bytes()
	return nil
}

// drop skips the value at offset at, of kind k, that the field at path
// cannot hold, with a warning saying what it wanted and what was made of it.
func (w *walk) drop(path string, at int64, want string, k lit.Kind, made string) error {
	w.ws.Add(path, at, "want "+want+", got "+kindName(k)+made)
	_, err := w.s.Skip()
	return w.syntax(err)
}

// eventID reads event_id, at offset at: a string of 1 to 64 bytes, or the
// trigger is refused.
func (w *walk) eventID(at int64) (string, error) {
	k, _ := w.s.Peek()
	if k == lit.Number {
		// The vendor's own Node sample sends { event_id: {{event_id}} },
		// a number when the id is one: it is the id, as its text.
		n, err := w.s.ReadNumber()
		if err != nil {
			return "", w.syntax(err)
		}
		if len(n) > maxEventIDBytes {
			return "", decodeError(pathEventID, at, "longer than "+strconv.Itoa(maxEventIDBytes)+" bytes")
		}
		return string(n), nil
	}
	if k != lit.String {
		return "", decodeError(pathEventID, at, "want a string or a number, got "+kindName(k))
	}
	from := w.s.Offset()
	b, err := w.s.ReadString()
	switch {
	case err != nil:
		return "", w.syntax(err)
	case len(b) == 0:
		return "", decodeError(pathEventID, at, "empty")
	case len(b) > maxEventIDBytes:
		return "", decodeError(pathEventID, at, "longer than "+strconv.Itoa(maxEventIDBytes)+" bytes")
	}
	if w.readLatin1(from, w.s.Offset()) {
		w.ws.Add(pathEventID, at, tolerant.Latin1Msg)
	}
	return string(b), nil
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
// string holding an object literal, or null or "" for none. Any other value,
// and a string that does not hold an object literal, is dropped with a
// warning.
func (w *walk) sensorData(at int64) (*SensorData, error) {
	switch k, _ := w.s.Peek(); k {
	case lit.Null:
		return nil, w.syntax(w.s.ReadNull())
	case lit.Object:
		if err := w.s.BeginObject(); err != nil {
			return nil, w.syntax(err)
		}
		return w.sensorObject(at)
	case lit.String:
		from := w.s.Offset()
		str, err := w.s.ReadString()
		if err != nil {
			return nil, w.syntax(err)
		}
		if w.readLatin1(from, w.s.Offset()) {
			w.ws.Add(pathSensor, at, tolerant.Latin1Msg)
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
			w.ws.Add(pathSensor, at, msg+msgDropped)
			return nil, nil
		}
		// Every finding inside the string is reported at the string.
		inner := &walk{src: strict, fixed: at, ws: w.ws}
		inner.s.Reset(strict)
		if k, _ := inner.s.Peek(); k != lit.Object {
			w.ws.Add(pathSensor, at, "want an object literal in the string, got "+kindName(k)+msgDropped)
			return nil, nil
		}
		if err := inner.s.BeginObject(); err != nil {
			return nil, inner.syntax(err)
		}
		return inner.sensorObject(at)
	default:
		return nil, w.drop(pathSensor, at, "an object or a string", k, msgDropped)
	}
}

// sensorObject decodes the members of the sensor_data object at offset at,
// whose '{' w has read. Sensor data without an id is kept, with a warning.
func (w *walk) sensorObject(at int64) (*SensorData, error) {
	var d SensorData
	var seenID, seenEvent, seenValue bool
	idAt := at
	for {
		from := w.s.Offset()
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
			idAt = vat
			err = w.text(&d.ID, &seenID, pathSensorID, vat)
		case "event":
			err = w.text(&d.Event, &seenEvent, pathSensorEvent, vat)
		case "value":
			err = w.text(&d.Value, &seenValue, pathSensorValue, vat)
		default:
			err = w.unknown(&d.Extra, pathSensor, key, vat, from)
		}
		if err != nil {
			return nil, err
		}
	}
	switch {
	case !seenID:
		w.ws.Add(pathSensorID, at, "missing: kept without an id")
	case d.ID == "":
		w.ws.Add(pathSensorID, idAt, "empty")
	}
	return &d, nil
}

// text reads into dst a sensor field that carries text, at path and offset
// at: a string, or a number or a boolean kept as its literal; null is "".
// An object or an array leaves dst "" with a warning. seen says whether the
// key came before; it is set.
func (w *walk) text(dst *string, seen *bool, path string, at int64) error {
	if *seen {
		w.ws.Add(path, at, msgDuplicate)
	}
	*seen = true
	k, _ := w.s.Peek()
	var b []byte
	var err error
	from := w.s.Offset()
	switch k {
	case lit.String:
		b, err = w.s.ReadString()
		if err == nil && w.readLatin1(from, w.s.Offset()) {
			w.ws.Add(path, at, tolerant.Latin1Msg)
		}
	case lit.Number:
		b, err = w.s.ReadNumber()
	case lit.Null:
		*dst = ""
		return w.syntax(w.s.ReadNull())
	case lit.Bool:
		var v bool
		v, err = w.s.ReadBool()
		*dst = strconv.FormatBool(v)
		return w.syntax(err)
	default:
		*dst = ""
		return w.drop(path, at, "a string, a number, a boolean or null", k, msgLeftEmpty)
	}
	*dst = string(b)
	return w.syntax(err)
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

// kindName names a lit kind as JSON does ("boolean", not "bool").
func kindName(k lit.Kind) string {
	if k == lit.Bool {
		return "boolean"
	}
	return k.String()
}
