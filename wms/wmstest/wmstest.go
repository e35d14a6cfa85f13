// Package wmstest provides signed WMS webhook requests and sample events for
// testing code that receives them, in the manner of net/http/httptest.
// Every request builder takes the target, then the body, then the MAC
// secret: NewRequest and NewNodeRequest build server-side requests for a
// handler's ServeHTTP, NewClientRequest a client-side one to send over a
// real connection.
//
// Its MACs are computed here with crypto/hmac, independently of the wms
// package's verifier, in both forms a sender can use: over the raw body bytes
// (Sign, NewRequest; what wms.WithSecrets accepts), and over the body as the
// vendor's Node sample code feeds it to the HMAC (SignNode, NewNodeRequest;
// wms.NodeASCII, which differs from the bytes for a non-ASCII body; what
// wms.WithNodeSecrets accepts, for bodies up to U+00FF).
package wmstest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/vendorhooks/vendorhooks/wms"
)

// Secret is a MAC secret for tests.
const Secret = "wmstest-mac-secret"

// SessionID is the session of the sample events.
const SessionID = "ryueiwoqfh910fu3rpqruvfiu"

// SpecBody is the event body of the vendor's documentation, without the
// trailing comma that makes the documented one invalid JSON.
const SpecBody = `{
  "timestamp": 1689684577,
  "sessionId": "ryueiwoqfh910fu3rpqruvfiu",
  "sequence": 0,
  "event": "MEASUREMENT_CREATED",
  "severity": "INFO",
  "payload": {
    "measurementId": "f0c8ca8d-111d-4dcf-a69d-46ed39a2db06"
  }
}`

// Sign returns the X-WMS-Content-MAC value for body: the HMAC-SHA256 of its
// raw bytes with secret, in lowercase hex after "hmac-sha256=".
func Sign(body []byte, secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return wms.MACPrefix + hex.EncodeToString(m.Sum(nil))
}

// SignNode returns the X-WMS-Content-MAC value the vendor's Node sample
// computes for body: the HMAC of wms.NodeASCII(body). For an ASCII body it
// equals Sign.
func SignNode(body []byte, secret string) string {
	return Sign(wms.NodeASCII(body), secret)
}

// NewRequest returns a server-side POST request to target (a path or URL,
// as for httptest.NewRequest) carrying body, signed over its raw bytes with
// secret, for a handler's ServeHTTP. Like httptest.NewRequest, it panics on
// a target it cannot parse.
func NewRequest(target string, body []byte, secret string) *http.Request {
	return request(target, body, Sign(body, secret))
}

// NewNodeRequest is NewRequest signed the way the vendor's Node sample signs
// (SignNode), for a handler built with wms.WithNodeSecrets.
func NewNodeRequest(target string, body []byte, secret string) *http.Request {
	return request(target, body, SignNode(body, secret))
}

// NewClientRequest returns a client-side POST request to url carrying body,
// signed over its raw bytes with secret, to send over a real connection
// (http.Client.Do), for instance to an httptest.Server. It fails only where
// http.NewRequestWithContext does.
func NewClientRequest(ctx context.Context, url string, body []byte, secret string) (*http.Request, error) {
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	setHeaders(r.Header, Sign(body, secret))
	return r, nil
}

func request(target string, body []byte, mac string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	setHeaders(r.Header, mac)
	return r
}

// setHeaders sets what the vendor's calls carry: the JSON content type and
// the MAC.
func setHeaders(h http.Header, mac string) {
	h.Set("Content-Type", "application/json")
	h.Set(wms.MACHeader, mac)
}

// Body returns ev in the vendor's wire form. It panics if ev holds an Extra
// value that is not JSON.
func Body(ev wms.Event) []byte {
	b, err := json.Marshal(ev)
	if err != nil {
		panic("wmstest: " + err.Error())
	}
	return b
}

// Event returns a sample event of code, of session SessionID with sequence
// seq, carrying the payload the vendor's table gives as its example (none
// for the codes without one, an empty raw object for a code the table does
// not list).
func Event(code wms.Code, seq int64) wms.Event {
	const id = "fbfbec8f-cb05-4288-99e5-5e219648399a"
	ev := wms.Event{
		Timestamp: time.Unix(1689684577+seq, 0).UTC(),
		SessionID: SessionID,
		Sequence:  seq,
		Code:      code,
		Severity:  code.Severity(),
	}
	switch code {
	case wms.CodeWMSLoaded, wms.CodeConfigurationLoaded, wms.CodeCameraPermissionGranted,
		wms.CodeCameraPermissionDenied, wms.CodeCameraStarted, wms.CodeMeasurementStarted:
	case wms.CodeMeasurementCreated:
		ev.Payload = &wms.Measurement{MeasurementID: "a1e6c2e6-410b-4e19-bae5-a72a0343d322"}
	case wms.CodeIntermediateResults:
		ev.Payload = &wms.IntermediateResults{MeasurementID: id, SNR: 100, Sequence: 1}
	case wms.CodeConstraintViolation:
		ev.Payload = &wms.ConstraintViolation{MeasurementID: id}
	case wms.CodeAPIError:
		ev.Payload = &wms.APIError{MeasurementID: id}
	case wms.CodePageVisibilityChange:
		ev.Payload = &wms.PageVisibility{MeasurementID: id, State: wms.VisibilityVisible}
	case wms.CodeLowSNR:
		ev.Payload = &wms.Details{Details: wms.DetailLowSNR}
	case wms.CodeGeneralError:
		ev.Payload = &wms.Details{Details: wms.DetailCameraStartError}
	default:
		if code.Known() {
			ev.Payload = &wms.Measurement{MeasurementID: id}
		} else {
			ev.Payload = &wms.RawPayload{Raw: json.RawMessage(`{}`)}
		}
	}
	return ev
}

// Events returns one sample event of every code in the vendor's table, in
// the table's order, numbered 0, 1, 2... in one session.
func Events() []wms.Event {
	codes := wms.Codes()
	evs := make([]wms.Event, len(codes))
	for i, c := range codes {
		evs[i] = Event(c, int64(i))
	}
	return evs
}
