package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// request is what the receiver learns about one vendor request while the
// vendor's handler runs; it travels in the request's context.
type request struct {
	vendor    string
	raw       []byte
	kind      string
	session   string
	id        int64
	duplicate bool
}

type requestKey struct{}

func requestFrom(ctx context.Context) *request {
	r, _ := ctx.Value(requestKey{}).(*request)
	return r
}

// always captures every request's body.
func always(*http.Request) bool { return true }

// vendorRoute wraps a vendor's handler. When capture(r) holds it reads the
// body (at most limit bytes) before the handler, keeps it as the raw body to
// store, and gives the handler a fresh reader of the same bytes; a body over
// the limit (declared or found while reading) is handed on whole, so that the
// vendor's handler answers 413 in its own format. It logs one line per request.
func (s *Server) vendorRoute(vendor string, limit int64, capture func(*http.Request) bool, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &request{vendor: vendor}
		rec := &recorder{ResponseWriter: w}
		// A body declared over the limit is not read here: the vendor's
		// handler refuses it from Content-Length alone.
		if capture(r) && r.Body != nil && r.Body != http.NoBody && r.ContentLength <= limit {
			body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
			switch {
			case err != nil:
				rec.WriteHeader(http.StatusBadRequest)
				s.logRequest(r, info, rec, start, fmt.Errorf("reading body: %w", err))
				return
			case int64(len(body)) > limit:
				r.Body = readCloser{io.MultiReader(bytes.NewReader(body), r.Body), r.Body}
			default:
				info.raw = body
				r.Body = readCloser{bytes.NewReader(body), r.Body}
			}
		}
		if len(info.raw) == 0 && r.Method == http.MethodGet && r.URL.RawQuery != "" {
			info.raw = []byte(queryWithoutKeys(r.URL.RawQuery))
		}
		h.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), requestKey{}, info)))
		s.logRequest(r, info, rec, start, nil)
	})
}

type readCloser struct {
	io.Reader
	io.Closer
}

// logRequest writes the request's log line: vendor, kind, status, duration,
// and for a failure the start of the answer (the vendor's public message).
func (s *Server) logRequest(r *http.Request, info *request, rec *recorder, start time.Time, err error) {
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
		slog.String("vendor", info.vendor),
		slog.String("kind", info.kind),
		slog.Int("status", status),
		slog.Duration("duration", time.Since(start)),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
	}
	if info.session != "" {
		attrs = append(attrs, slog.String("session", info.session))
	}
	if info.id != 0 {
		attrs = append(attrs, slog.Int64("event_id", info.id))
	}
	if info.duplicate {
		attrs = append(attrs, slog.Bool("duplicate", true))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	} else if status >= 400 && rec.body.Len() > 0 {
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

// store commits one decoded event of the request in ctx and returns once it
// is durable. kind and session come from the vendor's event; dedupKey, when
// not empty, makes a second event with the same key a duplicate that is not
// stored again. The returned error makes the vendor's handler answer 500, so
// the sender retries.
func (s *Server) store(ctx context.Context, kind, session string, ev any, verdict, dedupKey string) (writeResult, error) {
	return s.storeWith(ctx, kind, session, ev, verdict, dedupKey, nil)
}

// storeWith is store with an upload row committed in the same transaction.
func (s *Server) storeWith(ctx context.Context, kind, session string, ev any, verdict, dedupKey string, upload *uploadRow) (writeResult, error) {
	info := requestFrom(ctx)
	if info == nil {
		return writeResult{}, fmt.Errorf("server: request not routed through vendorRoute")
	}
	info.kind, info.session = kind, session
	js, err := json.Marshal(ev)
	if err != nil {
		return writeResult{}, fmt.Errorf("server: encoding %s event: %w", kind, err)
	}
	raw := info.raw
	if raw == nil {
		raw = []byte{}
	}
	res := s.w.submit(ctx, &write{upload: upload, event: &eventRow{
		Vendor:   info.vendor,
		Kind:     kind,
		Session:  session,
		Received: time.Now(),
		Event:    js,
		Raw:      raw,
		Verdict:  verdict,
		DedupKey: dedupKey,
	}})
	if res.Err != nil {
		return res, res.Err
	}
	info.id, info.duplicate = res.ID, res.Duplicate
	return res, nil
}

// queryWithoutKeys is the raw body stored for a GET trigger: its query
// string as sent, less the parameters that carry a key.
func queryWithoutKeys(rawQuery string) string {
	parts := strings.Split(rawQuery, "&")
	kept := parts[:0]
	for _, p := range parts {
		name, _, _ := strings.Cut(p, "=")
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		if strings.EqualFold(name, "apikey") {
			continue
		}
		kept = append(kept, p)
	}
	return strings.Join(kept, "&")
}
