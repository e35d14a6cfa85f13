// Package vendorhooks holds what every vendor package of this module shares:
// the Delivery a handler hands to your function through its context, the
// DecodeError every decoder returns, and the Warning a decoder reports for
// what it delivered anyway.
//
// The vendor packages (eeg, sleep, signage, labvanced, wms) are built the
// same way: types with a sealed Event and an Unknown, a Decode that needs no
// HTTP, and New/NewHandler. Learn one and you know the others.
//
// This package imports the standard library only.
package vendorhooks

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"
)

// ErrMalformed is matched by every error a vendor package's decoder returns
// for a payload it refuses: errors.Is(err, ErrMalformed) means "answer 400".
// Each vendor package exports the same value under the same name
// (eeg.ErrMalformed == vendorhooks.ErrMalformed).
var ErrMalformed = errors.New("malformed payload")

// DecodeError reports where and why a payload was refused. Every vendor
// package returns it (under its own name, eeg.DecodeError and so on, which
// is this type), and errors.Is(err, ErrMalformed) holds for it.
//
// Its message starts with the package name, quotes at most about 32 bytes of
// the input, and never carries a key or a secret, so it is safe to show the
// sender.
type DecodeError struct {
	// Vendor is the package that refused the payload: "eeg", "sleep", ...
	Vendor string
	// Path locates the value as an RFC 6901 JSON Pointer
	// ("/data/bandpower/ch2/alpha"); it is empty for the body as a whole.
	Path string
	// Offset is the byte offset in the body where the problem was found,
	// or -1 where it is not known.
	Offset int64
	// Msg says what is wrong, in a few lower-case words.
	Msg string
}

// Error returns "VENDOR: PATH: MSG" ("VENDOR: MSG" without a path), with
// " (offset N)" after the path where the offset is known.
func (e *DecodeError) Error() string {
	b := make([]byte, 0, len(e.Vendor)+len(e.Path)+len(e.Msg)+24)
	b = append(b, e.Vendor...)
	b = append(b, ": "...)
	if e.Path != "" {
		b = append(b, e.Path...)
		if e.Offset >= 0 {
			b = append(b, " (offset "...)
			b = strconv.AppendInt(b, e.Offset, 10)
			b = append(b, ')')
		}
		b = append(b, ": "...)
	} else if e.Offset >= 0 {
		b = append(b, "offset "...)
		b = strconv.AppendInt(b, e.Offset, 10)
		b = append(b, ": "...)
	}
	b = append(b, e.Msg...)
	return string(b)
}

// Is reports whether target is ErrMalformed.
func (e *DecodeError) Is(target error) bool { return target == ErrMalformed }

// Warning is a finding about a payload that was delivered anyway: a value of
// an unexpected type, an unknown member, a duplicate key, text that was not
// UTF-8. It has DecodeError's fields with the same meanings.
type Warning struct {
	Path   string // RFC 6901 JSON Pointer of the value; empty for the whole body
	Offset int64  // byte offset in the body, or -1 where not known
	Msg    string // what arrived and what was made of it
	// Unknown marks a member the type has no field for. It is kept where
	// the type has room for it, and it is never part of a Decode error: a
	// vendor adding a field must not make your code fail.
	Unknown bool
}

// String returns "PATH: MSG" ("MSG" without a path).
func (w Warning) String() string {
	if w.Path == "" {
		return w.Msg
	}
	return w.Path + ": " + w.Msg
}

// Warnings is the error a vendor package's Decode returns beside a
// deliverable event when a value did not have the form the type expects:
// the event holds what could be read (the value in question stays at its
// zero value, or goes into the type's extra or raw member) and the error
// names what could not. It lists every warning but those for unknown
// members. It does not match ErrMalformed: errors.Is(err, ErrMalformed)
// still means "refuse", while a caller that checks err != nil stays as safe
// as before. encoding/json's UnmarshalTypeError works the same way.
type Warnings struct {
	Vendor string    // the package that decoded: "eeg", "sleep", ...
	List   []Warning // in body order; never empty
}

// Error returns "VENDOR: FIRST" and, for more than one warning,
// " (and N more)".
func (w *Warnings) Error() string {
	if len(w.List) == 0 {
		return w.Vendor + ": no warnings"
	}
	msg := w.Vendor + ": " + w.List[0].String()
	if n := len(w.List) - 1; n > 0 {
		msg += " (and " + strconv.Itoa(n) + " more)"
	}
	return msg
}

// Delivery is what a vendor handler knows about the request it is
// delivering. Every vendor handler puts one in the context it passes to your
// function; DeliveryFromContext takes it out. A Delivery and everything it
// refers to belong to the handler: read them, do not change them, and copy
// Body if you keep it after your function returns.
type Delivery struct {
	// Vendor is the vendor package's name: "eeg", "sleep", "signage",
	// "labvanced" or "wms".
	Vendor string
	// Kind is the vendor's own name for the message: "bandpower",
	// "SESSION_COMPLETE", "trigger", "recordTrial", "MEASUREMENT_CREATED".
	Kind string
	// Session is the vendor's session key: Asleep's session id, Labvanced's
	// expSessionNr, WMS's sessionId. It is empty where the vendor has none.
	Session string
	// IdempotencyKey is equal for a retried delivery and different for
	// different deliveries: "VENDOR:" and the hex SHA-256 of the kind and
	// the vendor's own identity of the message (WMS: sessionId and
	// sequence; a file upload: session, file name and the file's SHA-256)
	// or, where it has none, of the body as read (decompressed). Signage
	// triggers are commands, so two equal triggers are two deliveries: their
	// key is empty. A server that mounts one vendor at several paths scopes
	// the key by mount itself, as the receiver in examples/ does.
	IdempotencyKey string
	// Body is the body exactly as read, once, after decompression. For a
	// signage GET it is the decoded payload JSON; for a Labvanced file
	// upload it holds no file bytes (the file went to the store and the
	// event carries its stored name, size and SHA-256). It is valid until
	// your function returns.
	Body []byte
	// Header is a copy of the request's header with the values of
	// authentication headers (keys, MACs) replaced by "[redacted]".
	Header http.Header
	// Received is when the handler started on the request, in UTC.
	Received time.Time
	// Warnings are the decoder's findings about what it delivered anyway,
	// in body order; nil when it found nothing.
	Warnings []Warning
}

// RedactedValue replaces the value of every authentication header in
// Delivery.Header.
const RedactedValue = "[redacted]"

type deliveryKey struct{}

// ContextWithDelivery returns a copy of ctx that carries d. Vendor handlers
// call it before your function; tests of your function can call it too.
func ContextWithDelivery(ctx context.Context, d *Delivery) context.Context {
	return context.WithValue(ctx, deliveryKey{}, d)
}

// DeliveryFromContext returns the Delivery a vendor handler put in ctx, and
// whether there was one.
func DeliveryFromContext(ctx context.Context) (*Delivery, bool) {
	d, ok := ctx.Value(deliveryKey{}).(*Delivery)
	return d, ok && d != nil
}
