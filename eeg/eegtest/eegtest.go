// Package eegtest provides Petal Metrics payloads and requests for tests of
// code that receives them, in the manner of net/http/httptest.
//
// The payloads are the vendor's documented examples verbatim (Python dict
// text, single-quoted, including the "metrics" example's missing comma)
// and the strict JSON real senders post. NewRequest builds a server-side
// request for a handler's ServeHTTP; NewClientRequest builds one to send
// over a real connection, such as to an httptest.Server. Both take the
// target first, then the body (Petal sends no key).
package eegtest

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
)

// Doc holds the vendor's documented example of each message type, byte for
// byte as the docs print it, keyed by type ("blink", "eye", "bandpower",
// "artifact-detect", "metricsJson", "metrics").
var Doc = map[string]string{
	"blink":           docBlink,
	"eye":             docEye,
	"bandpower":       docBandpower,
	"artifact-detect": docArtifact,
	"metricsJson":     docMetricsJSON,
	"metrics":         docMetrics,
}

// JSON holds realistic strict-JSON messages as Petal's sender posts them
// (Python's json.dumps), keyed like Doc, with measured values in place of
// the docs' "bad_data".
var JSON = map[string]string{
	"blink":           jsonBlink,
	"eye":             jsonEye,
	"bandpower":       jsonBandpower,
	"artifact-detect": jsonArtifact,
	"metricsJson":     jsonMetricsJSON,
	"metrics":         jsonMetrics,
}

// Bandpower5 is a strict-JSON "bandpower" message from a headband with the
// fifth (aux) channel.
const Bandpower5 = `{"action": {"value": [0.8412, 0.3127, 1.0925, 1.5513, 0.7712, 0.2954, 0.9831, 1.4022, 0.754, 0.2811, 0.9911, 1.3877, 0.8833, 0.3341, 1.1209, 1.601, 0.5, 0.25, 0.75, 1.25], "time": 1214.697467542195}, "data": {"bandpower": {"ch1": {"delta": 1.5513, "theta": 1.0925, "alpha": 0.8412, "beta": 0.3127}, "ch2": {"delta": 1.4022, "theta": 0.9831, "alpha": 0.7712, "beta": 0.2954}, "ch3": {"delta": 1.3877, "theta": 0.9911, "alpha": 0.754, "beta": 0.2811}, "ch4": {"delta": 1.601, "theta": 1.1209, "alpha": 0.8833, "beta": 0.3341}, "ch5": {"delta": 1.25, "theta": 0.75, "alpha": 0.5, "beta": 0.25}}, "id": 1042, "lsl_ts": 1214.697467542195, "unix_ts": 1633343930.865, "lsl_eeg_fill_ts": 1214.7459047, "lsl_api_call_ts": 1257.6010982, "lsl_api_recv_ts": 1257.7840578, "last_eeg_id": 133120}, "type": "bandpower"}`

// Unknown is a strict-JSON message of a type the eeg package does not
// know; it decodes to *eeg.Unknown.
const Unknown = `{"type": "heart_rate", "data": {"bpm": 72.5, "id": 3}, "action": {"value": [1, 2]}}`

// NewRequest returns a server-side POST request to target ("/", where
// Petal posts, or the path your handler is mounted at) carrying body as
// Petal sends it (Content-Type application/json), for a handler's
// ServeHTTP with an httptest.ResponseRecorder. Petal sends no key, so there
// is no key argument. Like httptest.NewRequest, it panics on a target that
// does not parse. The request reads body without copying it.
func NewRequest(target string, body []byte) *http.Request {
	r := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return r
}

// NewClientRequest returns a client-side POST request to url (a server's
// address and path, such as an httptest.Server's URL plus "/") carrying
// body as Petal sends it (Content-Type application/json), to send with an
// http.Client over a real connection. It returns the error of a url that
// does not parse. The request reads body without copying it.
func NewClientRequest(ctx context.Context, url string, body []byte) (*http.Request, error) {
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	r.Header.Set("Content-Type", "application/json")
	return r, nil
}
