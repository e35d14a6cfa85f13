// Package wms receives the webhook calls of NuraLogix WMS (the Web
// Measurement Service), which POSTs one JSON event per call as a measurement
// session progresses.
//
// It works at three layers, each usable alone:
//
//   - Types: Event, with its Code (every code of the vendor's table as a
//     constant, unknown codes kept), Severity and a typed Payload per code
//     (*Measurement, *IntermediateResults, *PageVisibility, *Details, ...).
//     Event.Kind returns the code as the vendor spells it.
//   - Decode reads a body strictly; a refusal is a *DecodeError (matching
//     ErrMalformed) naming the field by its JSON Pointer
//     ("wms: /payload/snr (offset 113): want number, got string"); Verifier
//     checks the X-WMS-Content-MAC header; Tracker classifies each event's
//     sequence number as in order, duplicate, gap or late.
//   - New and NewHandler put them together behind an http.Handler built
//     like every vendor handler of this module: POST only, a bounded read
//     (gzip decoded), the MAC over the bytes read, Decode, your function
//     with a vendorhooks.Delivery in its context, and 200 {"ok":true}.
//
// The vendor's sample computes the MAC over the body decoded as UTF-8 and
// fed to Node's HMAC as 'ascii', which keeps the low byte of each UTF-16
// code unit (NodeASCII). For an ASCII body this is the MAC of the raw bytes;
// for any other body it is not, so the Verifier accepts either. That second
// way binds only one byte per character, so it accepts a body differing
// from the signed one in its non-ASCII characters: WithRawMACOnly turns it
// off once the sender signs bytes.
//
// Mount the handler under any path. New refuses a configuration without a
// secret, so a deployment missing its secret fails at start:
//
//	h, err := wms.New(func(ctx context.Context, ev wms.Event) error {
//		if v, ok := wms.VerdictFromContext(ctx); ok && v.Order == wms.Gap {
//			log.Printf("session %s: missing events %v", ev.SessionID, v.Missing.Numbers(10))
//		}
//		return store(ctx, ev) // an error answers 500, so WMS retries
//	}, wms.WithSecrets(os.Getenv("WMS_MAC_SECRET")), wms.WithDropDuplicates())
//	if err != nil {
//		log.Fatal(err) // such as "wms: hmacverify: empty secret configured (secret 0)"
//	}
//	mux.Handle("/hooks/wms/", http.StripPrefix("/hooks/wms", h))
//
// Package wmstest builds signed requests (server-side, and client-side for a
// real connection) and sample events for tests.
package wms
