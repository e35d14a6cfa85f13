package sim

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"net/http"
	"time"
)

// WMSMACHeader carries the body's HMAC-SHA256 as "hmac-sha256=<hex>".
const WMSMACHeader = "X-WMS-Content-MAC"

// wmsGen builds NuraLogix WMS measurements: the page loads, the camera
// starts, the measurement runs with intermediate results of rising SNR, and
// the page redirects; some measurements are cancelled for low SNR. Each
// event carries the session's next sequence number and the body's MAC.
type wmsGen struct {
	secret []byte
}

func (g *wmsGen) Vendor() string { return WMS }

func (g *wmsGen) Authorize(r *Request, valid bool) bool {
	m := hmac.New(sha256.New, g.secret)
	m.Write(r.Body)
	sum := m.Sum(nil)
	if !valid {
		sum[0] ^= 0xff
	}
	r.Header.Set(WMSMACHeader, "hmac-sha256="+hex.EncodeToString(sum))
	return true
}

func (g *wmsGen) Session(rng *rand.Rand, n int) []*Request {
	session := letters(rng, 25)
	measurement := uuid(rng)
	ts := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC).Add(time.Duration(n)*time.Minute + time.Duration(rng.IntN(7200))*time.Second).Unix()
	var reqs []*Request
	add := func(event, severity string, payload obj) {
		ts += int64(1 + rng.IntN(3))
		body := obj{}.set("timestamp", ts).set("sessionId", session).set("sequence", len(reqs)).
			set("event", event).set("severity", severity)
		if payload != nil {
			body = body.set("payload", payload)
		}
		reqs = append(reqs, &Request{
			Vendor: WMS, Kind: event, Session: session, Seq: len(reqs), Method: http.MethodPost,
			Header: http.Header{"Content-Type": {"application/json"}},
			Body:   encodeJSON(body), Pad: padJSON,
		})
	}
	m := obj{}.set("measurementId", measurement)
	add("WMS_LOADED", "INFO", nil)
	add("CONFIGURATION_LOADED", "INFO", nil)
	add("CAMERA_PERMISSION_GRANTED", "INFO", nil)
	add("CAMERA_STARTED", "INFO", nil)
	add("MEASUREMENT_STARTED", "INFO", nil)
	add("MEASUREMENT_CREATED", "INFO", m)
	lowSNR := rng.IntN(10) == 0
	snr := 1 + rng.IntN(3)
	for i := range 6 + rng.IntN(6) {
		if i == 3 && rng.IntN(4) == 0 {
			add("PAGE_VISIBILITY_CHANGE", "INFO", obj{}.set("measurementId", measurement).set("state", "HIDDEN"))
			add("PAGE_VISIBILITY_CHANGE", "INFO", obj{}.set("measurementId", measurement).set("state", "VISIBLE"))
		}
		if lowSNR && i == 3 {
			add("LOW_SNR", "ERROR", obj{}.set("details", "LOW_SNR"))
			add("MEASUREMENT_CANCELED", "WARN", m)
			add("REDIRECTING_TO_CALLBACK", "INFO", m)
			return reqs
		}
		add("INTERMEDIATE_RESULTS", "INFO", obj{}.set("measurementId", measurement).set("snr", snr).set("sequence", i+1))
		snr += 1 + rng.IntN(4)
	}
	add("SCAN_COMPLETED", "INFO", m)
	add("RESULTS_RECEIVED", "INFO", m)
	add("REDIRECTING_TO_CALLBACK", "INFO", m)
	return reqs
}
