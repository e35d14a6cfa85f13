package labvanced

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/vendorhooks/vendorhooks/internal/httpx"
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

// Option configures NewHandler.
type Option func(*config)

type config struct {
	httpx.Options
	maxUpload  int64
	store      FileStore
	origins    []string
	anyOrigin  bool
	originFunc func(origin string) bool
}

// WithMaxBodyBytes sets the limit of JSON and form bodies (default 32 MiB);
// a larger body is answered 413.
func WithMaxBodyBytes(n int64) Option { return func(c *config) { c.MaxBodyBytes = n } }

// WithMaxUploadBytes sets the limit of a whole /file_upload request
// (default 128 MiB); a larger one is answered 413 and leaves no file.
func WithMaxUploadBytes(n int64) Option { return func(c *config) { c.maxUpload = n } }

// WithLogger logs one line per request to l (nil: silent, the default).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.Logger = l } }

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

type handler struct {
	c  config
	fn func(context.Context, Event) error
}

// NewHandler returns the receiver of a study's "URL path": mount it under
// that path with any router, and each route the player appends is matched
// on the last path element, so the prefix does not matter:
//
//	mux.Handle("/study1/", http.StripPrefix("/study1", labvanced.NewHandler(fn)))
//
// The handler answers CORS preflights (OPTIONS) with 204, echoes an allowed
// Origin in Access-Control-Allow-Origin on every answer, errors included,
// and sets Vary: Origin. For a POST it decodes the body (JSON or the
// player's jQuery form), calls fn with the event and answers
// {"success":true} when fn returns nil. /file_upload is streamed to the
// FileStore set by WithFileStore, fn receives the *FileUpload once the file
// is durable, and the answer is {"file_guid": ..., "file_name": ...}, which
// the player stores in its variable. A route the handler does not know
// reaches fn as *Unknown.
//
// Failures answer {"success":false,"error":"..."}: 400 for a malformed
// body, 404 for an empty route (or uploads without a store), 405 for other
// methods, 413 over the limits, and 500 when fn (or the store) fails, so
// the player retries. A failed upload leaves no file.
func NewHandler(fn func(context.Context, Event) error, opts ...Option) http.Handler {
	h := &handler{fn: fn}
	h.c.origins = []string{normOrigin(DefaultOrigin)}
	for _, o := range opts {
		o(&h.c)
	}
	if h.c.MaxBodyBytes <= 0 {
		h.c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if h.c.maxUpload <= 0 {
		h.c.maxUpload = DefaultMaxUploadBytes
	}
	return h
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
		h.c.Log(r, "labvanced", "", http.StatusNoContent, nil)
		return
	}
	route := lastElement(r.URL.Path)
	if r.Method != http.MethodPost {
		hdr.Set("Allow", "POST, OPTIONS")
		h.fail(w, r, route, http.StatusMethodNotAllowed, "labvanced: method "+r.Method+" not allowed", nil)
		return
	}
	if route == "" {
		h.fail(w, r, route, http.StatusNotFound, "labvanced: no route in the path", nil)
		return
	}
	if route == RouteFileUpload {
		h.upload(w, r)
		return
	}
	body, err := httpx.ReadBody(w, r, h.c.MaxBodyBytes)
	if err != nil {
		h.failErr(w, r, route, err)
		return
	}
	ev, err := Decode(route, r.Header.Get("Content-Type"), body)
	if err != nil {
		h.failErr(w, r, route, httpx.Wrap(httpx.ErrMalformed, err))
		return
	}
	if err := h.fn(r.Context(), ev); err != nil {
		h.failErr(w, r, route, httpx.Wrap(httpx.ErrHandler, err))
		return
	}
	httpx.WriteJSON(w, http.StatusOK, answer{Success: true})
	h.c.Log(r, "labvanced", route, http.StatusOK, nil)
}

// upload streams /file_upload into the store.
func (h *handler) upload(w http.ResponseWriter, r *http.Request) {
	if h.c.store == nil {
		h.fail(w, r, RouteFileUpload, http.StatusNotFound, "labvanced: file uploads are not enabled on this server", nil)
		return
	}
	if r.ContentLength > h.c.maxUpload {
		h.failErr(w, r, RouteFileUpload, httpx.Wrap(httpx.ErrTooLarge, errors.New("labvanced: upload over the limit")))
		return
	}
	format, boundary := bodyFormat(r.Header.Get("Content-Type"), nil)
	if format != formatMultipart || boundary == "" {
		h.failErr(w, r, RouteFileUpload, malformed("", "want a multipart/form-data body"))
		return
	}
	// mime/multipart scans parts through its own 4 KiB buffer, and the
	// server reads a request body straight into the caller's buffer, so
	// without the larger buffer below it every 4 KiB of the file would be
	// one read from the connection.
	body := bufio.NewReaderSize(http.MaxBytesReader(w, r.Body, h.c.maxUpload), uploadReadSize)
	mr := multipart.NewReader(body, boundary)
	ctx := r.Context()
	guid := newGUID()
	put := func(suggested string, src io.Reader) (string, error) {
		return h.c.store.Put(ctx, guid, suggested, src)
	}
	remove := func(name string) {
		// The request's context may be gone; removal must still happen.
		if err := h.c.store.Remove(context.WithoutCancel(ctx), name); err != nil && h.c.Logger != nil {
			h.c.Logger.WarnContext(ctx, "labvanced: removing a failed upload", slog.String("file", name), slog.String("error", err.Error()))
		}
	}
	ev, err := readUpload(mr, put, remove)
	if err != nil {
		h.failErr(w, r, RouteFileUpload, err)
		return
	}
	ev.GUID = guid
	if err := h.fn(ctx, ev); err != nil {
		remove(ev.FileName)
		h.failErr(w, r, RouteFileUpload, httpx.Wrap(httpx.ErrHandler, err))
		return
	}
	httpx.WriteJSON(w, http.StatusOK, uploadAnswer{GUID: guid, Name: ev.FileName})
	h.c.Log(r, "labvanced", RouteFileUpload, http.StatusOK, nil)
}

// failErr answers err with its status and public message.
func (h *handler) failErr(w http.ResponseWriter, r *http.Request, route string, err error) {
	h.fail(w, r, route, httpx.Status(err), httpx.PublicMessage(err), err)
}

func (h *handler) fail(w http.ResponseWriter, r *http.Request, route string, status int, msg string, err error) {
	httpx.WriteJSON(w, status, answer{Success: false, Error: msg})
	if err == nil {
		err = errors.New(msg)
	}
	h.c.Log(r, "labvanced", route, status, err)
}

// lastElement returns the last element of an URL path, ignoring a trailing
// slash: "/study/recordTrial" and "recordTrial/" give "recordTrial".
func lastElement(p string) string {
	p = strings.TrimRight(p, "/")
	return p[strings.LastIndexByte(p, '/')+1:]
}
