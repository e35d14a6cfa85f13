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
//   - Decode reads a body by the tolerant-reader rule of every package of
//     this module: it refuses (a *DecodeError, matching ErrMalformed) only
//     a body that is not one JSON object, nests deeper than 64 levels, or
//     lacks a usable identity (event, at most 64 bytes; sessionId; sequence,
//     an integer 0 ≤ n < 2^53; none given twice), and delivers anything
//     else, leaving an unusable value at its zero value with a warning
//     ("wms: /payload/snr: want number, got string ..."), taking the last of
//     a duplicate key, reading text that is not UTF-8 as Latin-1, and
//     keeping unknown fields in Extra. DecodeWarnings lists every warning.
//     Verifier checks the X-WMS-Content-MAC header; Tracker classifies each
//     event's sequence number as in order, duplicate, gap or late.
//   - New and NewHandler put them together behind an http.Handler built
//     like every vendor handler of this module: POST only, a bounded read
//     (gzip decoded), the MAC over the bytes read, Decode, your function
//     with a vendorhooks.Delivery in its context (its Warnings are
//     Decode's), and 200 {"ok":true}. WithStrict refuses any warning.
//
// Each secret has one form. WithSecrets (NewVerifier) takes secrets whose
// calls are signed over the raw body bytes: standard HMAC, the default, which
// authenticates every byte whatever the sender does. The vendor's sample
// instead computes the MAC over the body decoded as UTF-8 and fed to Node's
// HMAC as 'ascii', which keeps the low byte of each UTF-16 code unit
// (NodeASCII). For an ASCII body both are one; for any other they differ,
// and the Node form binds only one byte per character: "Ŧ" (U+0166) counts
// as "f", "Ģ" (U+0122) as a quote, so one signed body would let anyone
// change a session id or the JSON structure itself. WithNodeSecrets
// (NewNodeVerifier) is the opt-in for senders known to sign that way, and
// even then it accepts only a body whose every character is at most
// U+00FF, where the form is one-to-one; any other body gets 401. A secret
// is never accepted in both forms (New refuses it), since then "é" signed
// over its bytes (C3 A9) could be resent as "Ã©", whose Node form is C3 A9
// again. When a raw MAC fails but the Node form would have matched, the
// log line (WithLogger) says so, never with the MAC, so an operator knows
// to switch.
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
