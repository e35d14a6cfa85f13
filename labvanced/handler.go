package labvanced

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/vendorhooks/vendorhooks"
	"github.com/vendorhooks/vendorhooks/internal/httpx"
	"github.com/vendorhooks/vendorhooks/internal/tolerant"
)

// Default limits. A 413 makes the player abort the session, so both are
// well above what the player sends: trials are small, and the player caps
// recorded files at 100 MB.
const (
	DefaultMaxBodyBytes   int64 = 32 << 20  // JSON and form bodies
	DefaultMaxUploadBytes int64 = 128 << 20 // whole /file_upload requests
)

// uploadReadSize is the size of the reads of a /file_upload request body.
const uploadReadSize = 64 << 10

// DefaultOrigin is the origin of the Labvanced player, allowed by CORS
// unless options change it.
const DefaultOrigin = "https://www.labvanced.com"

// Option configures New and NewHandler.
type Option func(*config)

type config struct {
	httpx.Options
	maxUpload  int64
	store      FileStore
	origins    []string
	anyOrigin  bool
	originFunc func(origin string) bool
}

// WithMaxBodyBytes sets the limit of JSON and form bodies, after gzip
// decoding: 0 keeps the default of 32 MiB, a negative n makes New fail. A
// larger body is answered 413.
func WithMaxBodyBytes(n int64) Option { return func(c *config) { c.MaxBodyBytes = n } }

// WithMaxUploadBytes sets the limit of a whole /file_upload request: 0
// keeps the default of 128 MiB, a negative n makes New fail. A larger
// request is answered 413 and leaves no file.
func WithMaxUploadBytes(n int64) Option { return func(c *config) { c.maxUpload = n } }

// WithLogger logs one line per request to l (nil: silent, the default).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.Logger = l } }

// WithStrict makes the handler answer 400 to every delivery Decode has a
// warning about, unknown members included, instead of delivering it with
// Delivery.Warnings; a refused upload leaves no stored file. Use it with
// care: the player retries a refused /recordTrial without end and
// Labvanced keeps no copy of trial data, so strict mode can hold a
// participant's session in a retry loop forever, and a trial it refuses is
// lost unless the sender changes.
func WithStrict() Option { return func(c *config) { c.Strict = true } }

// WithFileStore enables /file_upload, storing files in s. Without it, the
// handler answers /file_upload with 404.
func WithFileStore(s FileStore) Option { return func(c *config) { c.store = s } }

// WithOrigins allows more CORS origins besides DefaultOrigin, such as
// "https://app.labvanced.com". "*" allows every origin. A trailing slash is
// ignored.
func WithOrigins(origins ...string) Option {
	return func(c *config) {
		for _, o := range origins {
			if o == "*" {
				c.anyOrigin = true
			}
			c.origins = append(c.origins, normOrigin(o))
		}
	}
}

// WithOriginFunc allows, besides the listed origins, every origin for which
// allow returns true.
func WithOriginFunc(allow func(origin string) bool) Option {
	return func(c *config) { c.originFunc = allow }
}

func normOrigin(o string) string { return strings.ToLower(strings.TrimSuffix(o, "/")) }

func (c *config) allowed(origin string) bool {
	if origin == "" {
		return false
	}
	if c.anyOrigin {
		return true
	}
	o := normOrigin(origin)
	for _, a := range c.origins {
		if a == o {
			return true
		}
	}
	return c.originFunc != nil && c.originFunc(origin)
}

// handler is the CORS and routing wrapper around the pipelines that serve
// the POSTs: body for the JSON and form routes, upload for /file_upload.
type handler struct {
	c      config
	fn     func(context.Context, Event) error
	body   httpx.Pipeline[Event]
	upload httpx.Pipeline[Event] // unused without a FileStore
}

// New returns the receiver of a study's "URL path": mount it under that
// path with any router, and each route the player appends is matched on the
// last path element, so the prefix does not matter:
//
//	h, err := labvanced.New(fn)
//	mux.Handle("/study1/", http.StripPrefix("/study1", h))
//
// The handler answers CORS preflights (OPTIONS) with 204, echoes an allowed
// Origin in Access-Control-Allow-Origin on every answer, errors included,
// and sets Vary: Origin. For a POST it reads the body (JSON or the player's
// jQuery form), decodes it, calls fn with the event and a
// vendorhooks.Delivery in its context (Kind the route, Session the
// expSessionNr), and answers {"success":true} when fn returns nil.
// /file_upload is streamed to the FileStore set by WithFileStore: fn
// receives the *FileUpload once the file is durable, and the answer is
// {"file_guid": ..., "file_name": ...}, which the player stores in its
// variable. A route the handler does not know reaches fn as *Unknown.
//
// A delivery Decode has warnings about (a value of an unexpected type, a
// duplicate key, text read as Latin-1, an unknown member) reaches fn like
// any other, with the warnings in Delivery.Warnings, and is answered as
// fn's result says; WithStrict refuses it instead. So does a POST whose
// Origin is present and not allowed: its answer has no
// Access-Control-Allow-Origin (the page cannot read it), and the delivery
// carries one more warning, with an empty Path and the Msg
// `origin not allowed: "<origin>"` (quoted, cut to 32 bytes). It is kept,
// not refused, because refusing it would lose the study's data to a typo
// in WithOrigins while the player retries; under WithStrict it is refused
// with 400 like any warning.
//
// Failures answer {"success":false,"error":"..."}: 400 for a body Decode
// refuses (see Decode) and, with WithStrict, for any warning; 404 for an
// empty route or one longer than 64 bytes (neither names a route the
// player sends; the shared log line cuts the path to 256 bytes), and for
// uploads without a store; 405 for other methods, 413 over the limits, 415
// for a Content-Encoding other than gzip, and 500 when fn (or the store)
// fails, so the player retries. A failed or refused upload leaves no file:
// when fn fails or WithStrict refuses it, the stored file is removed.
//
// New returns an error, and no handler, for a nil fn or a negative limit.
func New(fn func(context.Context, Event) error, opts ...Option) (http.Handler, error) {
	if fn == nil {
		return nil, errors.New("labvanced: nil function")
	}
	h := &handler{fn: fn}
	h.c.origins = []string{normOrigin(DefaultOrigin)}
	for _, o := range opts {
		o(&h.c)
	}
	if h.c.maxUpload < 0 {
		return nil, fmt.Errorf("labvanced: negative upload limit %d", h.c.maxUpload)
	}
	h.body = httpx.Pipeline[Event]{
		Vendor: vendor,
		// OPTIONS never reaches a pipeline (ServeHTTP answers preflights);
		// it is listed so that a 405's Allow names it.
		Methods:             []string{http.MethodPost, http.MethodOptions},
		Options:             h.c.Options,
		DefaultMaxBodyBytes: DefaultMaxBodyBytes,
		Decode:              h.decodeRequest,
		Deliver:             fn,
		OK:                  answerSuccess,
		Fail:                answerFailure,
	}
	if err := h.body.Check(); err != nil {
		return nil, err
	}
	if h.c.store != nil {
		up := h.c.Options
		up.MaxBodyBytes = h.c.maxUpload
		h.upload = httpx.Pipeline[Event]{
			Vendor:              vendor,
			Methods:             h.body.Methods,
			Options:             up,
			DefaultMaxBodyBytes: DefaultMaxUploadBytes,
			Stream:              func(*http.Request) bool { return true },
			Decode:              h.decodeUpload,
			Deliver:             h.deliverUpload,
			OK:                  answerUpload,
			Fail:                answerFailure,
		}
		if err := h.upload.Check(); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// NewHandler is New for a configuration written in code: it panics with
// New's error (a nil fn, a negative limit), like regexp.MustCompile.
func NewHandler(fn func(context.Context, Event) error, opts ...Option) http.Handler {
	return httpx.Must(New(fn, opts...))
}

// answer is the body of every non-upload answer.
type answer struct {
	Success bool   `json:"success"`
	Error   string `json:"error,omitempty"`
}

// uploadAnswer is what the player needs after /file_upload.
type uploadAnswer struct {
	GUID string `json:"file_guid"`
	Name string `json:"file_name"`
}

func answerSuccess(w http.ResponseWriter, _ *http.Request, _ Event) {
	httpx.WriteJSON(w, http.StatusOK, answer{Success: true})
}

func answerUpload(w http.ResponseWriter, _ *http.Request, ev Event) {
	u := ev.(*FileUpload)
	httpx.WriteJSON(w, http.StatusOK, uploadAnswer{GUID: u.GUID, Name: u.FileName})
}

func answerFailure(w http.ResponseWriter, _ *http.Request, status int, msg string) {
	httpx.WriteJSON(w, status, answer{Success: false, Error: msg})
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Add("Vary", "Origin")
	if origin := r.Header.Get("Origin"); h.c.allowed(origin) {
		hdr.Set("Access-Control-Allow-Origin", origin)
	}
	if r.Method == http.MethodOptions {
		hdr.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
		hdr.Set("Access-Control-Allow-Headers", "Content-Type")
		hdr.Set("Access-Control-Max-Age", "86400")
		w.WriteHeader(http.StatusNoContent)
		h.c.Log(r, vendor, "", http.StatusNoContent, nil)
		return
	}
	if r.Method == http.MethodPost { // other methods: the pipeline's 405
		switch route := h.route(r); {
		case route == "":
			h.notFound(w, r, "", "labvanced: no route in the path")
			return
		case len(route) > tolerant.MaxKindBytes:
			// Like an empty route, a route this long names nothing the
			// player sends: 404, and neither the route nor the path is
			// logged whole.
			h.notFound(w, r, "", "labvanced: "+routeTooLong(route).Msg)
			return
		case route == RouteFileUpload && h.c.store == nil:
			h.notFound(w, r, route, "labvanced: file uploads are not enabled on this server")
			return
		case route == RouteFileUpload:
			h.upload.ServeHTTP(w, r)
			return
		}
	}
	h.body.ServeHTTP(w, r)
}

// route returns the route of r: the last element of its path.
func (h *handler) route(r *http.Request) string { return lastElement(r.URL.Path) }

func (h *handler) notFound(w http.ResponseWriter, r *http.Request, route, msg string) {
	answerFailure(w, r, http.StatusNotFound, msg)
	h.c.Log(r, vendor, route, http.StatusNotFound, errors.New(msg))
}

// decodeRequest is the Decode step of the JSON and form routes.
func (h *handler) decodeRequest(r *http.Request, body []byte) (Event, httpx.Info, error) {
	route := h.route(r)
	info := httpx.Info{Kind: route}
	ev, ws, err := DecodeWarnings(route, r.Header.Get("Content-Type"), body)
	if err != nil {
		return nil, info, err
	}
	info.Session = sessionOf(ev)
	info.Warnings = h.originWarning(r, ws)
	return ev, info, nil
}

// originWarning returns ws with a warning appended when r comes from a
// browser page whose Origin is not allowed: the answer carries no CORS
// grant, so that page cannot read it, but the delivery is kept, since
// refusing it would lose a study's data to a typo in the allowed origins
// while the player retries. A request without Origin (a server, curl)
// gets none.
func (h *handler) originWarning(r *http.Request, ws []vendorhooks.Warning) []vendorhooks.Warning {
	origin := r.Header.Get("Origin")
	if origin == "" || h.c.allowed(origin) {
		return ws
	}
	return append(ws, vendorhooks.Warning{Offset: -1, Msg: "origin not allowed: " + httpx.Quote(origin)})
}

// sessionOf returns the event's expSessionNr, or "" where it has none.
func sessionOf(ev Event) string {
	switch e := ev.(type) {
	case *StartFirstPlayerSession:
		return e.ExpSessionNr
	case *SetPlayerSessionStartedTime:
		return e.ExpSessionNr
	case *AddMetaInfo:
		return e.ExpSessionNr
	case *RecordStartTask:
		return e.ExpSessionNr
	case *RecordTrial:
		return e.ExpSessionNr
	case *FinishExpSession:
		return e.ExpSessionNr
	case *ErrExpSession:
		return e.ExpSessionNr
	case *FileUpload:
		return e.ExpSessionNr
	}
	return ""
}

// decodeUpload is the Decode step of /file_upload: it streams the
// multipart body (limited by the pipeline) to the store and returns the
// *FileUpload of the stored file. The Delivery's Body is the event's JSON,
// without file bytes; its identity is the session, the player's file name
// and the file's SHA-256, so a retried upload has the same key.
func (h *handler) decodeUpload(r *http.Request, _ []byte) (Event, httpx.Info, error) {
	info := httpx.Info{Kind: RouteFileUpload}
	format, boundary := bodyFormat(r.Header.Get("Content-Type"), nil)
	if format != formatMultipart || boundary == "" {
		return nil, info, malformed("", "want a multipart/form-data body")
	}
	// mime/multipart scans parts through its own 4 KiB buffer, and the
	// server reads a request body straight into the caller's buffer, so
	// without the larger buffer below it every 4 KiB of the file would be
	// one read from the connection.
	mr := multipart.NewReader(bufio.NewReaderSize(r.Body, uploadReadSize), boundary)
	ctx := r.Context()
	guid := newGUID()
	put := func(suggested string, src io.Reader) (string, error) {
		return h.c.store.Put(ctx, guid, suggested, src)
	}
	remove := func(name string) { h.remove(ctx, name) }
	ev, ws, err := readUpload(mr, put, remove)
	if err != nil {
		return nil, info, err
	}
	ws = h.originWarning(r, ws)
	if h.c.Strict && len(ws) > 0 {
		// The pipeline's own strict check runs after this step, when the
		// file is already stored: refuse here, so that a refused upload
		// leaves no file.
		remove(ev.FileName)
		return nil, info, httpx.Wrap(httpx.ErrMalformed, errors.New(vendor+": strict: "+ws[0].String()))
	}
	ev.GUID = guid
	body, err := json.Marshal(ev)
	if err != nil { // not possible: strings, numbers and Values
		remove(ev.FileName)
		return nil, info, httpx.Wrap(httpx.ErrHandler, err)
	}
	name := ev.NewFileName
	if name == "" {
		name = ev.PartFileName
	}
	info.Session = ev.ExpSessionNr
	info.Identity = info.Session + "\x00" + name + "\x00" + ev.SHA256
	info.Body = body
	info.Warnings = ws
	return ev, info, nil
}

// deliverUpload calls fn and removes the stored file when fn fails, so a
// failed upload leaves no file (the player sends it again).
func (h *handler) deliverUpload(ctx context.Context, ev Event) error {
	err := h.fn(ctx, ev)
	if err != nil {
		h.remove(ctx, ev.(*FileUpload).FileName)
	}
	return err
}

// remove deletes a stored file of a failed upload.
func (h *handler) remove(ctx context.Context, name string) {
	// The request's context may be gone; removal must still happen.
	if err := h.c.store.Remove(context.WithoutCancel(ctx), name); err != nil && h.c.Logger != nil {
		h.c.Logger.WarnContext(ctx, "labvanced: removing a failed upload", slog.String("file", name), slog.String("error", err.Error()))
	}
}

// lastElement returns the last element of an URL path, ignoring a trailing
// slash: "/study/recordTrial" and "recordTrial/" give "recordTrial".
func lastElement(p string) string {
	p = strings.TrimRight(p, "/")
	return p[strings.LastIndexByte(p, '/')+1:]
}
