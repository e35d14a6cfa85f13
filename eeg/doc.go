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
//   - Decode, which reads one message without HTTP. Every error it returns
//     is a *DecodeError (vendorhooks.DecodeError) that matches
//     ErrMalformed, with the JSON Pointer of the bad field
//     ("/data/bandpower/ch2/alpha") or, for text that is not a literal, the
//     byte offset where reading stopped.
//   - New (and NewHandler, its form that panics), the http.Handler that
//     decodes each POST and calls your function with the event and a
//     context carrying the request's vendorhooks.Delivery. New refuses a
//     nil function and a negative body limit, so a handler it returns never
//     answers a request it cannot serve. Petal sends no key, so there is
//     none to configure.
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
//     when written with an exponent); LSL times and unix_ts must be finite
//     numbers, never "bad_data".
//   - For a known type the message's own data field is required, action is
//     optional, and unknown members are ignored. The five-channel array
//     lengths (20 band powers, 27 metrics, 5 artifact values) extend the
//     vendor's layout; the vendor does not document them.
//   - An Unknown keeps a copy of the whole message as strict JSON in Raw,
//     whatever its fields hold: NaN and Infinity, which strict JSON cannot
//     carry as numbers, become the strings Value writes for them. It
//     marshals as {"kind": ..., "raw": <the message>}, and Decode of Raw
//     gives an equal Unknown.
package eeg
