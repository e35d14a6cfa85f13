// Package eeg receives Petal Metrics webhooks: the EEG metrics (blinks, eye
// movements, band power, artifact detection) that the Petal Metrics API
// computes from a Muse headband and posts to a receiver's root path.
//
// The package has three layers, each usable alone:
//
//   - Types. One event type per message kind under the sealed Event
//     interface: *Blink ("blink"), *Eye ("eye"), *Bandpower ("bandpower"),
//     *Artifact ("artifact-detect"), *MetricsJSON ("metricsJson"),
//     *Metrics ("metrics"), and *Unknown for any other type. Kind returns
//     the vendor's name. A measurement is a Value: a number or the
//     vendor's "bad_data". Channels are named by electrode (ch1 TP9, ch2
//     AF7, ch3 AF8, ch4 TP10, optional ch5 Aux) and bands by name, and the
//     vendor's positional arrays (the 22-entry "metrics" array, the
//     16-entry band power array) are mapped to those names: the band
//     powers run channel by channel in the order alpha, beta, theta,
//     delta. Artifact verdicts are a Quality, because the vendor sends 1
//     for a good signal and 0 for a bad one. data.unix_ts is a time.Time;
//     the lsl_* fields are LSLSeconds, a clock of the sender that is not
//     Unix time.
//   - Decode, which reads one message without HTTP, and DecodeWarnings,
//     which also returns every warning (see below). A refusal is a
//     *DecodeError (vendorhooks.DecodeError) that matches ErrMalformed,
//     with the byte offset where reading stopped or the JSON Pointer
//     "/type".
//   - New (and NewHandler, its form that panics), the http.Handler that
//     decodes each POST and calls your function with the event and a
//     context carrying the request's vendorhooks.Delivery, warnings
//     included. New refuses a nil function and a negative body limit, so a
//     handler it returns never answers a request it cannot serve. Petal
//     sends no key, so there is none to configure. WithStrict refuses
//     messages with warnings instead.
//
// # What is refused, what is delivered
//
// Petal does not change a message because of our answer, so a refused
// message is lost. Decode therefore follows the tolerant-reader rule of
// every vendorhooks package. It refuses (a nil Event and a *DecodeError)
// only text that is not a literal object, nesting deeper than 64 levels,
// and a message whose identity, its "type", is missing, not a string,
// longer than 64 bytes, or given twice (readers of the raw body would
// disagree on which message it is).
//
// Everything else is delivered, with a vendorhooks.Warning naming the JSON
// Pointer ("/data/bandpower/ch2/alpha"), the byte offset in the body as
// sent (-1 for a missing member), and what arrived:
//
//   - a value of the wrong type or shape (a band that is a string, an
//     artifact verdict of 7, an action array of 15 values, a fraction as
//     data.id, a non-finite LSL time, a unix_ts out of range), or a missing
//     member: the field is left at its zero value;
//   - a member the type has no field for: reported with Warning.Unknown
//     set, and not kept, since these types have no member for unknown
//     fields; Delivery.Body holds it byte for byte;
//   - a duplicate key: the last value wins, whole (a second data or action
//     object replaces the first);
//   - a string that is not UTF-8: read as Latin-1, each byte its own code
//     point, so every string of an event is valid UTF-8.
//
// Decode returns such an event with a *vendorhooks.Warnings error, which
// does not match ErrMalformed, when there is any warning but for unknown
// members: code that checks err != nil stays as safe as before, and a
// vendor adding a field does not make it fail. A message lists at most 100
// warnings, the first in body order, and counts the rest in one or two
// more ("N more warnings for unknown members, not listed", "N more
// warnings, not listed"); a warning's path is cut to 256 bytes
// (internal/tolerant's rule, the same in every vendor package). A message of a type this package does not know is an *Unknown
// and has no warnings but for Latin-1 text.
//
// # Accepted text
//
// Real senders post strict JSON. The vendor's docs, and users' logs,
// show the same messages as Python prints a dict, so Decode reads that too:
// single quotes, True/False/None, NaN/Infinity/nan/inf, trailing commas,
// bare keys. The docs' "metrics" example lacks the comma after lsl_ts; a
// missing comma is accepted only where a newline separates the two members,
// so that example decodes and `{'a': 1 'b': 2}` does not.
//
// # Decisions
//
//   - json.Marshal of an event of a known type (or of the struct itself:
//     every MarshalJSON has a value receiver) gives the vendor's wire form
//     as strict JSON, and Decode of that gives an equal event. Non-finite
//     Values marshal as the strings "NaN", "Infinity" and "-Infinity",
//     which Decode reads back.
//   - unix_ts is kept to the nanosecond for decimal text (to the microsecond
//     when written with an exponent); LSL times and unix_ts are finite
//     numbers, never "bad_data" (anything else is a warning and zero).
//   - For a known type the message's own data field is expected (a warning
//     when missing), action is optional. The five-channel array
//     lengths (20 band powers, 27 metrics, 5 artifact values) extend the
//     vendor's layout; the vendor does not document them.
//   - An Unknown keeps a copy of the whole message as strict JSON in Raw,
//     whatever its fields hold: NaN and Infinity, which strict JSON cannot
//     carry as numbers, become the strings Value writes for them. It
//     marshals as {"kind": ..., "raw": <the message>}, and Decode of Raw
//     gives an equal Unknown.
package eeg
