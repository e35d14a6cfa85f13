package server

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The dashboard: server-rendered pages (html/template) over the store, one
// per vendor view, that follow new deliveries live through Server-Sent
// Events on /live.
//
// Every page is rendered whole by the server, its chart data embedded as
// JSON in a data attribute. A page listens on /live; when a delivery of its
// vendor is committed it fetches itself again with ?fragment=1 (the <main>
// element only) and swaps it in, so rows appear and charts are redrawn
// without a reload. Charts are drawn by uPlot 1.6.32 (MIT, web/uPlot.LICENSE),
// served from the binary; there is no Node build step.
//
// Every query is bounded: a view reads at most a fixed number of the newest
// rows (dashboardRows), or a few sessions, and runs under dashboardTimeout.

//go:embed web
var webFS embed.FS

// Bounds of the dashboard's queries.
const (
	dashboardTimeout = 5 * time.Second
	// dashboardRows is how many of the newest rows a view reads at most.
	dashboardRows = 5000
	// dashboardSessions is how many sessions (the newest) a per-session
	// view shows.
	dashboardSessions = 12
	// summaryWindow is how many of the newest rows the overview counts.
	summaryWindow = 200000
)

// dashView is one dashboard page.
type dashView struct {
	Name   string // path element: /view/{Name}
	Title  string
	Vendor string // the vendor whose deliveries refresh it; "" for all
	build  func(s *Server, ctx context.Context, r *http.Request) (any, error)
}

// dashViews are the pages, in the navigation's order; the first is GET /.
var dashViews = []dashView{
	{Name: "overview", Title: "Overview", build: (*Server).overviewData},
	{Name: "petal", Title: "Petal", Vendor: "eeg", build: (*Server).petalData},
	{Name: "asleep", Title: "Asleep", Vendor: "sleep", build: (*Server).asleepData},
	{Name: "wms", Title: "WMS", Vendor: "wms", build: (*Server).wmsData},
	{Name: "labvanced", Title: "Labvanced", Vendor: "labvanced", build: (*Server).labvancedData},
	{Name: "signage", Title: "Signage", Vendor: "signage", build: (*Server).signageData},
	{Name: "events", Title: "Events", build: (*Server).eventsData},
}

// dashPage is what a template renders.
type dashPage struct {
	View  dashView
	Views []dashView
	Data  any
	// Chart is the JSON the page's charts draw, or "" for none.
	Chart string
	// Source is the ?source= the view is filtered by, "" for every source;
	// the navigation keeps it.
	Source string
}

// sessionRef is a session as a page names it: its "Delete session" button
// sends DELETE /sessions/{Vendor}/{Session}?source={Source}.
type sessionRef struct {
	Vendor, Source, Session string
}

// vendorViews names the view of each vendor's deliveries.
var vendorViews = map[string]string{"eeg": "petal", "sleep": "asleep", "wms": "wms", "labvanced": "labvanced", "signage": "signage"}

// dashboard holds the parsed templates and the live hub.
type dashboard struct {
	pages map[string]*template.Template
}

var templateFuncs = template.FuncMap{
	"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
	"bytes": humanBytes,
	"num": func(v *float64) string { // a measurement, "bad_data" for none
		if v == nil {
			return "bad_data"
		}
		return strconv.FormatFloat(*v, 'f', 3, 64)
	},
	"short": func(s string, n int) string {
		if len(s) <= n {
			return s
		}
		return s[:n] + "…"
	},
	// view is the path of vendor's view, the event log for a vendor
	// without one.
	"view": func(vendor string) string {
		if v, ok := vendorViews[vendor]; ok {
			return "/view/" + v
		}
		return "/view/events"
	},
	// sess names a session for the "delete" and "source" templates.
	"sess": func(vendor, source, session string) sessionRef {
		return sessionRef{vendor, source, session}
	},
	"when": func(s string) string { // a stored instant, shown to the second
		if t, err := time.Parse(timeFormat, s); err == nil {
			return t.Local().Format("2006-01-02 15:04:05")
		}
		return s
	},
}

// mountDashboard registers the dashboard's routes on mux, each behind the
// admin token: GET / (the overview), GET /view/{name}, GET
// /view/events/{id}, GET /live (Server-Sent Events), GET
// /download/labvanced/{guid} (a stored upload) and GET /static/ (the
// embedded scripts and styles).
func (s *Server) mountDashboard(mux *http.ServeMux) error {
	d := &dashboard{pages: map[string]*template.Template{}}
	base, err := template.New("layout.html").Funcs(templateFuncs).ParseFS(webFS, "web/layout.html")
	if err != nil {
		return err
	}
	for _, name := range []string{"overview", "petal", "asleep", "wms", "labvanced", "signage", "events", "event"} {
		t, err := template.Must(base.Clone()).ParseFS(webFS, "web/"+name+".html")
		if err != nil {
			return err
		}
		d.pages[name] = t
	}
	s.dash = d
	if s.live == nil {
		s.live = newHub()
	}
	static, err := fs.Sub(webFS, "web")
	if err != nil {
		return err
	}
	auth := s.requireToken
	mux.Handle("GET /static/", auth(http.StripPrefix("/static/", staticHandler(static))))
	mux.Handle("GET /{$}", auth(s.viewHandler(dashViews[0])))
	for _, v := range dashViews {
		mux.Handle("GET /view/"+v.Name, auth(s.viewHandler(v)))
	}
	mux.Handle("GET /view/events/{id}", auth(http.HandlerFunc(s.eventPage)))
	mux.Handle("GET /live", auth(http.HandlerFunc(s.serveLive)))
	mux.Handle("GET /download/labvanced/{guid}", auth(http.HandlerFunc(s.downloadUpload)))
	return nil
}

// staticHandler serves the embedded files with a content type and a short
// cache lifetime, never a directory listing.
func staticHandler(files fs.FS) http.Handler {
	fsrv := http.FileServerFS(files)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "" || strings.HasSuffix(r.URL.Path, "/") || strings.HasSuffix(r.URL.Path, ".html") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "private, max-age=300")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		fsrv.ServeHTTP(w, r)
	})
}

// viewHandler renders v; with ?fragment=1 only its <main> element, which a
// page fetches to follow live deliveries.
func (s *Server) viewHandler(v dashView) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), dashboardTimeout)
		defer cancel()
		data, err := v.build(s, ctx, r)
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		s.render(w, r, v.Name, dashPage{View: v, Data: data, Chart: chartJSON(data), Source: viewSource(r)})
	})
}

// charted is view data that carries chart series for the page's script.
type charted interface{ chart() any }

func chartJSON(data any) string {
	c, ok := data.(charted)
	if !ok {
		return ""
	}
	b, err := json.Marshal(c.chart())
	if err != nil {
		return ""
	}
	return string(b)
}

// render executes template name with p, whole or (?fragment=1) its "main"
// block only.
func (s *Server) render(w http.ResponseWriter, r *http.Request, name string, p dashPage) {
	p.Views = dashViews
	t := s.dash.pages[name]
	exec := "layout.html"
	if r.URL.Query().Get("fragment") == "1" {
		exec = "main"
	}
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, exec, p); err != nil {
		s.internalError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	// Scripts only from the binary; inline style attributes position the
	// WMS timeline.
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'")
	_, _ = w.Write([]byte(b.String()))
}

// eventPage renders one event: its decoded JSON, warnings and raw body.
func (s *Server) eventPage(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), dashboardTimeout)
	defer cancel()
	data, err := s.eventDetail(ctx, id)
	if errors.Is(err, errNotFound) {
		w.WriteHeader(http.StatusNotFound)
	} else if err != nil {
		s.internalError(w, r, err)
		return
	}
	v := dashView{Name: "events", Title: "Event " + strconv.FormatInt(id, 10)}
	s.render(w, r, "event", dashPage{View: v, Data: data})
}

var errNotFound = errors.New("not found")

// downloadUpload answers a stored Labvanced upload as an attachment under
// the name the player gave it. Only files the uploads table names are
// served, and only from UploadsDir.
func (s *Server) downloadUpload(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), dashboardTimeout)
	defer cancel()
	var stored, name string
	err := s.db.QueryRowContext(ctx, "SELECT stored_name, original_name FROM uploads WHERE guid = ?",
		r.PathValue("guid")).Scan(&stored, &name)
	if errors.Is(err, sql.ErrNoRows) || err == nil && (stored == "" || filepath.Base(stored) != stored) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	f, err := os.Open(filepath.Join(s.cfg.UploadsDir, stored))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			http.NotFound(w, r)
			return
		}
		s.internalError(w, r, err)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	// A large file may take longer than a read's write deadline.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	h.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, "", st.ModTime(), f)
}

// humanBytes is n in B, KiB, MiB or GiB.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 2; m /= unit {
		div *= unit
		exp++
	}
	return strconv.FormatFloat(float64(n)/float64(div), 'f', 1, 64) + " " + string("KMG"[exp]) + "iB"
}
