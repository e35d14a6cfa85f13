package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/vendorhooks/vendorhooks"
	"github.com/vendorhooks/vendorhooks/eeg"
	"github.com/vendorhooks/vendorhooks/labvanced"
	"github.com/vendorhooks/vendorhooks/signage"
	"github.com/vendorhooks/vendorhooks/sleep"
	"github.com/vendorhooks/vendorhooks/wms"
)

// The receiver stores each delivery's raw body, not its decoded event: the
// event is what the body decodes to, so it is derived on read, with the
// library the receiver runs now. An event then costs its body once in the
// database (a stored event JSON cost as much again, and more for HTML-like
// text), and rows stored by an older receiver show as the current library
// decodes them, with no migration: a kind unknown then is typed now. The
// stored warnings stay those given at receipt.
//
// Decoding on read costs a few microseconds for a typical body (see the eeg
// and sleep decode benchmarks); lists are bounded in rows and bytes.

// decodeHeaders names the request headers the vendor's decoding reads
// besides the body, which are stored with the row: Labvanced's Content-Type
// (JSON or form) on every route but /file_upload (whose stored body is the
// event's JSON), and Asleep's x-user-id (the event's HeaderUserID).
func decodeHeaders(vendor, kind string) []string {
	switch {
	case vendor == "labvanced" && kind != labvanced.RouteFileUpload:
		return []string{"Content-Type"}
	case vendor == "sleep":
		return []string{sleep.HeaderUserID}
	}
	return nil
}

// maxStoredHeaderBytes caps each stored header value: a sender's header costs
// little to store however long it is sent.
const maxStoredHeaderBytes = 256

// storedHeaders returns the JSON object of d's headers that decoding needs
// (decodeHeaders), nil when it has none of them.
func storedHeaders(d *vendorhooks.Delivery) []byte {
	var m map[string]string
	for _, name := range decodeHeaders(d.Vendor, d.Kind) {
		if v := d.Header.Get(name); v != "" {
			if m == nil {
				m = map[string]string{}
			}
			m[http.CanonicalHeaderKey(name)] = cut(v, maxStoredHeaderBytes)
		}
	}
	if m == nil {
		return nil
	}
	b, _ := marshalJSON(m) // strings only: cannot fail
	return b
}

// otherDecoders decode the vendors the receiver does not mount itself, by
// vendor name: the stand-in vendor of the storage tests registers here.
var otherDecoders = map[string]func(raw []byte) (any, error){}

// errNotDecodable is the error of deriveEvent for a row its vendor's
// decoder now refuses (or a vendor this receiver does not know).
var errNotDecodable = errors.New("not decodable by this receiver's library")

// deriveEvent returns the JSON of the event raw decodes to for vendor, with
// the stored headers (a JSON object, or empty).
func deriveEvent(vendor, kind string, headers, raw []byte) (json.RawMessage, error) {
	var h map[string]string
	if len(headers) > 0 {
		if err := json.Unmarshal(headers, &h); err != nil {
			return nil, fmt.Errorf("stored headers: %w", err)
		}
	}
	var ev any
	var err error
	switch vendor {
	case "eeg":
		ev, _, err = eeg.DecodeWarnings(raw)
	case "sleep":
		var e sleep.Event
		if e, _, err = sleep.DecodeWarnings(raw); err == nil {
			e.Meta().HeaderUserID = h[http.CanonicalHeaderKey(sleep.HeaderUserID)]
		}
		ev = e
	case "signage":
		// The body of a POST, or the JSON a GET's payload carried.
		ev, _, err = signage.DecodeBodyWarnings(raw)
	case "wms":
		ev, _, err = wms.DecodeWarnings(raw)
	case "labvanced":
		if kind == labvanced.RouteFileUpload {
			// The stored body of an upload is its event's JSON.
			if !json.Valid(raw) {
				return nil, errNotDecodable
			}
			return bytes.Clone(raw), nil
		}
		ct, ok := h["Content-Type"]
		if !ok { // a row stored before headers were
			ct = "application/x-www-form-urlencoded"
			if t := bytes.TrimLeft(raw, " \t\r\n"); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
				ct = "application/json"
			}
		}
		ev, _, err = labvanced.DecodeWarnings(kind, ct, raw)
	default:
		dec, ok := otherDecoders[vendor]
		if !ok {
			return nil, errNotDecodable
		}
		ev, err = dec(raw)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errNotDecodable, err)
	}
	return marshalJSON(ev)
}
