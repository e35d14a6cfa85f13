package sim

import (
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/vendorhooks/vendorhooks/wms"
	"github.com/vendorhooks/vendorhooks/wms/wmstest"
)

// wmsGen builds NuraLogix WMS measurements: the page loads, the camera
// starts, the measurement runs with intermediate results of rising SNR, and
// the page redirects; some measurements are cancelled for low SNR. Each
// event carries the session's next sequence number and the body's MAC. The
// bodies are wms.Event values in the vendor's wire form.
type wmsGen struct {
	secret string
}

func (g *wmsGen) Vendor() string { return WMS }

func (g *wmsGen) Authorize(r *Request, valid bool) bool {
	secret := g.secret
	if !valid {
		secret = "wrong-" + secret
	}
	r.Header.Set(wms.MACHeader, wmstest.Sign(r.Body, secret))
	return true
}

func (g *wmsGen) Session(rng *rand.Rand, n int) []*Request {
	session := letters(rng, 25)
	measurement := uuid(rng)
	ts := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC).Add(time.Duration(n)*time.Minute + time.Duration(rng.IntN(7200))*time.Second)
	var reqs []*Request
	add := func(code wms.Code, payload wms.Payload) {
		ts = ts.Add(time.Duration(1+rng.IntN(3)) * time.Second)
		ev := wms.Event{Timestamp: ts, SessionID: session, Sequence: int64(len(reqs)), Code: code, Severity: code.Severity(), Payload: payload}
		body := marshal(ev)
		reqs = append(reqs, &Request{
			Vendor: WMS, Kind: string(code), Session: session, Seq: len(reqs), Method: http.MethodPost,
			Header: http.Header{"Content-Type": {"application/json"}},
			Body:   body, Pad: padJSON,
		})
	}
	m := func() wms.Payload { return &wms.Measurement{MeasurementID: measurement} }
	visibility := func(v wms.Visibility) wms.Payload {
		return &wms.PageVisibility{MeasurementID: measurement, State: v}
	}
	add(wms.CodeWMSLoaded, nil)
	add(wms.CodeConfigurationLoaded, nil)
	add(wms.CodeCameraPermissionGranted, nil)
	add(wms.CodeCameraStarted, nil)
	add(wms.CodeMeasurementStarted, nil)
	add(wms.CodeMeasurementCreated, m())
	lowSNR := rng.IntN(10) == 0
	snr := 1 + rng.IntN(3)
	for i := range 6 + rng.IntN(6) {
		if i == 3 && rng.IntN(4) == 0 {
			add(wms.CodePageVisibilityChange, visibility(wms.VisibilityHidden))
			add(wms.CodePageVisibilityChange, visibility(wms.VisibilityVisible))
		}
		if lowSNR && i == 3 {
			add(wms.CodeLowSNR, &wms.Details{Details: wms.DetailLowSNR})
			add(wms.CodeMeasurementCanceled, m())
			add(wms.CodeRedirectingToCallback, m())
			return reqs
		}
		add(wms.CodeIntermediateResults, &wms.IntermediateResults{MeasurementID: measurement, SNR: float64(snr), Sequence: int64(i + 1)})
		snr += 1 + rng.IntN(4)
	}
	add(wms.CodeScanCompleted, m())
	add(wms.CodeResultsReceived, m())
	add(wms.CodeRedirectingToCallback, m())
	return reqs
}
