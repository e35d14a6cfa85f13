package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/vendorhooks/vendorhooks"
)

// route wraps vendor's handler h and logs one line per request: vendor,
// method, path, status, duration, and for a refusal the start of the answer
// (the vendor's public message). It does not touch the body: h reads it, once.
func (s *Server) route(vendor string, h http.Handler) http.Handler {
	s.metrics.vendor(vendor)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		s.bodyDeadline(w, r)
		rec := &recorder{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		took := time.Since(start)
		s.logRequest(r, vendor, rec, took)
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		s.metrics.observe(vendor, status, took)
	})
}

// logRequest writes the request's log line.
func (s *Server) logRequest(r *http.Request, vendor string, rec *recorder, took time.Duration) {
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	level := slog.LevelInfo
	switch {
	case status >= 500:
		level = slog.LevelError
	case status >= 400:
		level = slog.LevelWarn
	}
	if !s.log.Enabled(r.Context(), level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("vendor", vendor),
		slog.Int("status", status),
		slog.Duration("duration", took),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
	}
	if status >= 400 && rec.body.Len() > 0 {
		attrs = append(attrs, slog.String("answer", string(bytes.TrimSpace(rec.body.Bytes()))))
	}
	s.log.LogAttrs(r.Context(), level, "request", attrs...)
}

// recorder remembers the status and the start of an error answer.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if r.status >= 400 && r.body.Len() < 256 {
		r.body.Write(b[:min(len(b), 256-r.body.Len())])
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// extra is what a vendor's function adds to the stored row besides what the
// Delivery says.
type extra struct {
	// upload, when not nil, is committed in the event's transaction; store
	// sets its session and received time from the Delivery.
	upload *uploadRow
	// wms, when not nil, is the WMS event the writer tracks in the event's
	// transaction (trackWMS), whose verdict it stores.
	wms *wmsSeq
}

// maxSessionBytes caps the session key a row stores (and its upload's and
// WMS state's): no vendor's session id comes near it, and PostgreSQL's
// B-tree rows, which index it, hold at most about 2.7 KB, so a longer one
// would fail its row there while SQLite stored it. A longer key is stored
// cut, with a warning; the raw body keeps it whole.
const maxSessionBytes = 1024

// errNoDelivery is returned by store outside a vendor handler.
var errNoDelivery = errors.New("server: no vendorhooks.Delivery in the context: not called by a vendor handler")

// store commits ev, the decoded event of the vendor delivery in ctx, and
// returns once it is durable. The row's vendor, kind, session, received time,
// raw body and warnings are the Delivery's; the decoded event is not stored
// but derived from the raw body on read (derive.go), so the database holds
// each body once. It logs the stored row's id (and whether it was a
// duplicate).
// The returned error makes the vendor's handler answer 500, so the sender
// retries.
//
// A delivery is stored once per Delivery.IdempotencyKey: the key is the
// row's dedup key, under a unique constraint checked in the transaction that
// writes the row. A retry (the same key) is not stored again; store returns
// the first row's id with Duplicate set, counts the retry on that row and
// returns nil, so the vendor gets its 2xx and stops retrying. The database
// decides, not memory: a retry whose first copy is in the same transaction,
// or arrived before a restart, is caught too. Deliveries without a key
// (signage triggers, which are commands) are stored every time. The key is
// the vendor's own ("VENDOR:..."), not scoped by mount: the receiver mounts
// each vendor once.
func (s *Server) store(ctx context.Context, x extra) (writeResult, error) {
	d, ok := vendorhooks.DeliveryFromContext(ctx)
	if !ok {
		return writeResult{}, errNoDelivery
	}
	session, warnings := d.Session, d.Warnings
	if len(session) > maxSessionBytes {
		session = cut(session, maxSessionBytes)
		warnings = append(slices.Clip(warnings), vendorhooks.Warning{Offset: -1,
			Msg: "session key of " + strconv.Itoa(len(d.Session)) + " bytes: stored cut to its first " +
				strconv.Itoa(maxSessionBytes) + " (the raw body has it whole)"})
		if x.wms != nil {
			x.wms.session = session
		}
	}
	// d.Body is valid until the vendor's function returns, and submit
	// returns only after the transaction that wrote it: no copy needed.
	row := &eventRow{
		Vendor:   d.Vendor,
		Kind:     d.Kind,
		Session:  session,
		Received: d.Received,
		Raw:      d.Body, // nil is stored as empty (eventArgs)
		Warnings: warningsJSON(warnings),
		Source:   sourceFromContext(ctx),
	}
	row.Headers = storedHeaders(d)
	if d.IdempotencyKey != "" {
		row.Dedup = dedupDigest(d.IdempotencyKey)
	}
	if x.upload != nil {
		x.upload.Session, x.upload.Received = session, d.Received
	}
	res := s.w.submit(ctx, &write{event: row, upload: x.upload, wms: x.wms})
	if res.Err != nil {
		s.storeFailed(ctx, d, res.Err)
		return res, res.Err
	}
	s.storeOK()
	s.metrics.stored(d.Vendor, res.Duplicate, len(d.Warnings))
	s.live.publish(liveEvent{ID: res.ID, Vendor: d.Vendor, Kind: d.Kind, Session: d.Session, Duplicate: res.Duplicate})
	if s.log.Enabled(ctx, slog.LevelInfo) {
		attrs := []slog.Attr{
			slog.String("vendor", d.Vendor),
			slog.String("kind", d.Kind),
			slog.Int64("event_id", res.ID),
		}
		if d.Session != "" {
			attrs = append(attrs, slog.String("session", d.Session))
		}
		if res.Duplicate {
			attrs = append(attrs, slog.Bool("duplicate", true))
		}
		if res.Verdict != "" {
			attrs = append(attrs, slog.String("verdict", res.Verdict)) // WMS (see trackWMS)
		}
		if len(d.Warnings) > 0 {
			attrs = append(attrs, slog.Int("warnings", len(d.Warnings)))
		}
		s.log.LogAttrs(ctx, slog.LevelInfo, "stored", attrs...)
	}
	return res, nil
}

// warningsJSON is the stored form of a delivery's warnings: a JSON array of
// warningText strings, nil for none (stored as []).
func warningsJSON(ws []vendorhooks.Warning) []byte {
	if len(ws) == 0 {
		return nil
	}
	texts := make([]string, len(ws))
	for i, w := range ws {
		texts[i] = warningText(w)
	}
	b, _ := marshalJSON(texts) // strings only: cannot fail
	return b
}

// marshalJSON is json.Marshal without HTML escaping: '<', '>' and '&' stay
// themselves rather than growing to \u003c and the like (six bytes each),
// so that stored event JSON and /events answers cost what the text costs.
// It is what the receiver stores as event JSON and answers on /events (as
// application/json with nosniff, never inside HTML). SetEscapeHTML(false)
// is not enough on its own: a MarshalJSON method that calls json.Marshal
// inside (the labvanced events' do) returns escaped text, which the encoder
// keeps, so the result goes through unescapeHTML too.
func marshalJSON(v any) ([]byte, error) {
	// A vendor event marshals itself (the library's methods write compact,
	// valid JSON); through the Encoder its answer would be copied and
	// compacted twice more, which for a 30 MiB body is 60 MiB.
	if m, ok := v.(json.Marshaler); ok {
		b, err := m.MarshalJSON()
		if err != nil {
			return nil, err
		}
		return unescapeHTML(b), nil
	}
	// The Encoder, unlike json.Marshal, can leave '<' alone: escaped, a
	// body of them would be marshalled at six times its size before the
	// escapes were undone.
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return unescapeHTML(bytes.TrimSuffix(b.Bytes(), []byte{'\n'})), nil
}

// unescapeHTML replaces the escapes \u003c, \u003e and \u0026 (either hex
// case) in the valid JSON js by the characters they stand for, in place,
// and returns the shortened js. It reads escapes in order, so the text of an
// escaped backslash followed by "u003c" is left alone. Every other escape
// (\u2028, control characters, ...) stays.
func unescapeHTML(js []byte) []byte {
	i := bytes.IndexByte(js, '\\')
	if i < 0 {
		return js
	}
	out := js[:i]
	for i < len(js) {
		c := js[i]
		if c != '\\' || i+1 >= len(js) {
			out = append(out, c)
			i++
			continue
		}
		if js[i+1] == 'u' && i+6 <= len(js) && js[i+2] == '0' && js[i+3] == '0' {
			var r byte
			switch hi, lo := js[i+4], js[i+5]|0x20; { // |0x20: lower case
			case hi == '3' && lo == 'c':
				r = '<'
			case hi == '3' && lo == 'e':
				r = '>'
			case hi == '2' && lo == '6':
				r = '&'
			}
			if r != 0 {
				out, i = append(out, r), i+6
				continue
			}
		}
		out = append(out, c, js[i+1]) // any other escape, kept whole
		i += 2
	}
	return out
}

// warningText is how /events shows a warning: "PATH (offset N): MSG", with
// " unknown" before the colon for a member the type has no field for, the
// form the vendor packages' golden files use. The path or offset is left out
// where it is not known. json.Marshal makes invalid UTF-8 in Msg (which
// quotes input) valid.
func warningText(w vendorhooks.Warning) string {
	b := make([]byte, 0, len(w.Path)+len(w.Msg)+32)
	b = append(b, w.Path...)
	if w.Offset >= 0 {
		if len(b) > 0 {
			b = append(b, ' ')
		}
		b = append(b, "(offset "...)
		b = strconv.AppendInt(b, w.Offset, 10)
		b = append(b, ')')
	}
	if w.Unknown {
		if len(b) > 0 {
			b = append(b, ' ')
		}
		b = append(b, "unknown"...)
	}
	if len(b) > 0 {
		b = append(b, ": "...)
	}
	return string(append(b, w.Msg...))
}
