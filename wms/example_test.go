package wms_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/vendorhooks/vendorhooks"
	"github.com/vendorhooks/vendorhooks/wms"
	"github.com/vendorhooks/vendorhooks/wms/wmstest"
)

func ExampleNewHandler() {
	handle := func(ctx context.Context, ev wms.Event) error {
		v, _ := wms.VerdictFromContext(ctx)
		fmt.Printf("%s #%d (%s): %s\n", ev.Kind(), ev.Sequence, v.Order, ev.Code.Description())
		switch p := ev.Payload.(type) {
		case *wms.Measurement:
			fmt.Println("  measurement", p.MeasurementID)
		case *wms.IntermediateResults:
			fmt.Println("  snr", p.SNR)
		}
		return nil // a non-nil error answers 500, so the vendor retries
	}
	h := wms.NewHandler(handle,
		wms.WithSecrets("new-mac-secret", "old-mac-secret"), // during a rotation
		wms.WithDropDuplicates(),
	)
	mux := http.NewServeMux()
	mux.Handle("/hooks/wms/", http.StripPrefix("/hooks/wms", h))

	// What the vendor would send: three events, the second one twice, the
	// third non-ASCII; then a forgery signed with a wrong secret.
	send := func(r *http.Request) {
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		fmt.Println("  ->", w.Code)
	}
	created := wmstest.Body(wmstest.Event(wms.CodeMeasurementCreated, 0))
	results := wmstest.Body(wmstest.Event(wms.CodeIntermediateResults, 1))
	send(wmstest.NewRequest("/hooks/wms/", created, "old-mac-secret"))
	send(wmstest.NewRequest("/hooks/wms/", results, "new-mac-secret"))
	send(wmstest.NewRequest("/hooks/wms/", results, "new-mac-secret"))
	send(wmstest.NewRequest("/hooks/wms/", []byte(`{"timestamp":1689684600,"sessionId":"`+wmstest.SessionID+
		`","sequence":3,"event":"GENERAL_ERROR","severity":"ERROR","payload":{"details":"caméra"}}`), "new-mac-secret"))
	send(wmstest.NewRequest("/hooks/wms/", results, "wrong-secret"))
	// Output:
	// MEASUREMENT_CREATED #0 (in order): Measurement was created
	//   measurement a1e6c2e6-410b-4e19-bae5-a72a0343d322
	//   -> 200
	// INTERMEDIATE_RESULTS #1 (in order): Intermediate results received
	//   snr 100
	//   -> 200
	//   -> 200
	// GENERAL_ERROR #3 (gap): There was an error in starting the camera
	//   -> 200
	//   -> 401
}

func ExampleDecode() {
	ev, err := wms.Decode([]byte(wmstest.SpecBody))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ev.Kind(), ev.Severity, ev.Timestamp, ev.Payload.(*wms.Measurement).MeasurementID)

	// The vendor's documented body has a trailing comma.
	_, err = wms.Decode([]byte(`{"timestamp": 1689684577, "sessionId": "s", "sequence": 0, "event": "WMS_LOADED",}`))
	fmt.Println(err)
	// Output:
	// MEASUREMENT_CREATED INFO 2023-07-18 12:49:37 +0000 UTC f0c8ca8d-111d-4dcf-a69d-46ed39a2db06
	// wms: offset 81: invalid JSON at line 1, column 82: trailing comma before '}'
}

// ExampleDecode_error shows a refusal, matched and located, and a
// delivery with a warning, which is not a refusal.
func ExampleDecode_error() {
	_, err := wms.Decode([]byte(`{"timestamp": 1689684577, "sessionId": "s", "sequence": 9223372036854775807, "event": "WMS_LOADED"}`))
	var de *wms.DecodeError
	if errors.Is(err, wms.ErrMalformed) && errors.As(err, &de) {
		fmt.Println(de.Path, de.Offset, de.Msg)
	}

	ev, err := wms.Decode([]byte(`{"timestamp": 1689684577, "sessionId": "s", "sequence": 0,
		"event": "INTERMEDIATE_RESULTS", "payload": {"snr": "high", "sequence": 2}}`))
	var ws *vendorhooks.Warnings
	if !errors.Is(err, wms.ErrMalformed) && errors.As(err, &ws) {
		fmt.Println(ev.Kind(), ev.Payload.(*wms.IntermediateResults).Sequence)
		for _, w := range ws.List {
			fmt.Println(w.Path, w.Offset, w.Msg)
		}
	}
	// Output:
	// /sequence 56 want integer 0 ≤ n < 2^53, got "9223372036854775807"
	// INTERMEDIATE_RESULTS 2
	// /payload/snr 113 want number, got string "high": left zero
}

// ExampleNew builds a handler that reports its misconfiguration, and a
// function that reads the vendorhooks.Delivery of each call.
func ExampleNew() {
	fn := func(ctx context.Context, ev wms.Event) error {
		d, _ := vendorhooks.DeliveryFromContext(ctx)
		fmt.Println(d.Kind, d.Session, d.Header.Get(wms.MACHeader), len(d.Body), "bytes")
		return nil
	}
	if _, err := wms.New(fn); err != nil {
		fmt.Println(err) // a deployment without its secret fails at start
	}
	h, err := wms.New(fn, wms.WithSecrets("mac-secret"))
	if err != nil {
		fmt.Println(err)
		return
	}
	body := wmstest.Body(wmstest.Event(wms.CodeScanCompleted, 2))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, wmstest.NewRequest("/", body, "mac-secret"))
	fmt.Print(w.Code, " ", w.Body.String())
	// Output:
	// wms: hmacverify: no secret configured
	// SCAN_COMPLETED ryueiwoqfh910fu3rpqruvfiu [redacted] 187 bytes
	// 200 {"ok":true}
}
