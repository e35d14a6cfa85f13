// Package server is the vendorhooks example receiver: every vendor's handler
// mounted on one http.Handler, each accepted event stored durably in SQLite
// or PostgreSQL before the vendor gets its 2xx.
//
// It lives in a package of its own (the command in examples/receiver only
// parses flags) so that tests and simulators can run the whole receiver in
// process:
//
//	s, err := server.Open(ctx, server.Config{DBPath: "events.db", UploadsDir: "uploads"})
//	...
//	defer s.Close()
//	http.ListenAndServe("127.0.0.1:8080", s.Handler())
//
// Storage is database/sql over modernc.org/sqlite (pure Go) in WAL mode with
// synchronous=FULL, or over github.com/jackc/pgx/v5 when Config.DBPath is a
// postgres:// URL; the two backends store the same rows and behave the same
// (db.go). A request is answered 2xx only after the transaction holding its
// event committed, so an acknowledged event survives kill -9 and power loss.
// Concurrent requests are committed together: a single writer puts every
// request waiting at that moment into one transaction (group commit), so
// durability costs one fsync per group, not per request.
//
// Several receivers on one PostgreSQL database act as one: a delivery is
// stored once whichever receiver gets it (the idempotency key is a unique
// constraint), WMS sequence state is kept and locked in the database, keys
// and the admin token are read from it, and every dashboard's live view sees
// every receiver's deliveries (LISTEN/NOTIFY). Uploads then go to one
// directory all receivers share (Config.UploadsDir).
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vendorhooks/vendorhooks/labvanced"
)

// Config configures a Server. The zero value of every field but DBPath has a
// usable default.
type Config struct {
	// DBPath is the SQLite database file, or a postgres:// (postgresql://)
	// URL of a PostgreSQL database. A file is created when missing, with
	// mode 0600: it holds the generated keys and every raw body. A
	// PostgreSQL database must exist; its tables are created on first
	// start.
	DBPath string
	// UploadsDir is where Labvanced file uploads are stored; it is created
	// when missing. Empty means DBPath + ".uploads" for a SQLite file and
	// "uploads" for PostgreSQL. Receivers sharing a PostgreSQL database must
	// share this directory too (a network file system): a retried upload
	// that lands on another receiver is answered with the file stored
	// first.
	UploadsDir string
	// CORSOrigins are origins allowed to call the Labvanced routes from a
	// browser besides the vendor's own (https://www.labvanced.com), which
	// is always allowed.
	CORSOrigins []string
	// MaxUploadBytes limits a whole Labvanced /file_upload request; 0 keeps
	// labvanced.DefaultMaxUploadBytes (128 MiB). Open refuses a negative
	// value.
	MaxUploadBytes int64
	// SleepAPIKeys, SignageAPIKeys and WMSSecrets are the accepted keys and
	// MAC secrets (several, for rotation). Where one is empty, a random key
	// is generated on first start, kept in the database and used from then
	// on: a vendor never runs unauthenticated.
	SleepAPIKeys   []string
	SignageAPIKeys []string
	WMSSecrets     []string
	// WMSMAC is how the WMS secrets' MACs are computed: WMSMACRaw (the
	// default, when empty), or WMSMACNode for a sender known to sign the
	// way the vendor's Node sample does. Open refuses any other value.
	WMSMAC string
	// Logger receives one line per vendor request (vendor, method, path,
	// status, duration, and a refusal's answer) and one per stored event
	// (vendor, kind, session, event id, duplicate, number of warnings). Nil
	// means no logging.
	Logger *slog.Logger
	// PerRequestTx commits each request in a transaction of its own instead
	// of grouping concurrent requests into one transaction. It exists to
	// measure what group commit buys; leave it false.
	PerRequestTx bool
	// MaxBatch bounds how many requests one group transaction holds. Zero
	// means 512.
	MaxBatch int
	// SourceKeys returns the keys in the environment variable env (see
	// SourceKeysEnv), nil for none: a source whose variable has keys
	// accepts those instead of its vendor's. Nil means no source has keys
	// of its own. The command passes a lookup of its environment.
	SourceKeys func(env string) []string
	// AdminToken is the token every read needs (see requireToken). Empty
	// means the one generated on first start and kept in the database.
	AdminToken string
	// AllowedHosts are the host names (a port is ignored) reads are served
	// under besides localhost, 127.0.0.1 and ::1: the listen address's
	// and the public names the receiver is reached by. Any other Host gets
	// 421. The vendors' routes are not Host-checked.
	AllowedHosts []string
	// ReadWriteTimeout is the write deadline of a read's answer. Zero
	// means 60 s.
	ReadWriteTimeout time.Duration
	// BodyReadTimeout cuts off a vendor request whose body does not
	// arrive: it must come whole within it, or keep coming at 64 KiB per
	// BodyReadTimeout (see bodyDeadline). Zero means 60 s.
	BodyReadTimeout time.Duration
	// MaxConns caps the open connections of a listener from Listen. Zero
	// means 1024.
	MaxConns int
	// Instance names this receiver among those sharing a database and
	// UploadsDir: 1 to 64 ASCII letters and digits, unique among them, and
	// the same on each start. Open sweeps UploadsDir of this instance's
	// temporary upload files, which only a run of it killed mid-upload
	// leaves, and of any instance's older than a day, never of a peer's
	// fresh one; a receiver also skips its own live notifications by it.
	// Empty means a random id per Open, whose leftovers only the day-old
	// rule sweeps. Open refuses any other value.
	Instance string
}

// The values of Config.WMSMAC.
const (
	// WMSMACRaw checks standard HMAC-SHA256 over the body's bytes
	// (wms.WithSecrets): safe whatever the sender really does.
	WMSMACRaw = "raw"
	// WMSMACNode checks the HMAC of the body's Node 'ascii' form
	// (wms.WithNodeSecrets), and accepts only bodies whose every character
	// is at most U+00FF, where that form cannot be used to alter a body.
	WMSMACNode = "node"
)

// Keys are the keys and secrets a Server accepts, generated ones included.
type Keys struct {
	Sleep   []string
	Signage []string
	WMS     []string
	// Generated names the vendors ("sleep", "signage", "wms") whose key was
	// generated by the receiver (on this start or an earlier one) rather
	// than configured.
	Generated []string
}

// Server is a running receiver. Its methods are safe for concurrent use.
type Server struct {
	cfg Config
	db  *db
	// instance names this Server among receivers sharing a database: in
	// its notifications and its temporary upload names (Config.Instance).
	instance string
	w        *writer
	keys     Keys
	handler  http.Handler
	log      *slog.Logger
	mounted  []string // vendors mounted, in mount order
	sources  sources  // per-source handlers
	metrics  *metrics // GET /metrics (metrics.go)
	// adminToken is the token reads need (Config.AdminToken or generated).
	adminToken string
	// fresh names the secrets ("sleep", "signage", "wms", "admin")
	// generated on this start: the banner prints only those.
	fresh map[string]bool
	lim   limits // the transport limits' state (limits.go)
	// health is the writer's state for /healthz (health.go).
	health health
	// dash and live are the dashboard's templates and its stream of
	// committed deliveries (dashboard.go).
	dash *dashboard
	live *hub

	// stopListen stops listenLive's goroutine (PostgreSQL), nil when none
	// runs; listening reports whether it is listening now, for tests.
	stopListen func()
	listening  atomic.Bool

	closeOnce sync.Once
	closeErr  error
}

// Open opens (or creates) the database at cfg.DBPath, loads or generates the
// missing keys, and starts the writer. Close releases what Open acquired.
func Open(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.DBPath == "" {
		return nil, errors.New("server: Config.DBPath is empty")
	}
	switch cfg.WMSMAC {
	case "":
		cfg.WMSMAC = WMSMACRaw
	case WMSMACRaw, WMSMACNode:
	default:
		return nil, fmt.Errorf("server: Config.WMSMAC is %q: want %q or %q", cfg.WMSMAC, WMSMACRaw, WMSMACNode)
	}
	instance := cfg.Instance
	if instance == "" {
		instance = randomInstance()
	} else if _, err := labvanced.DirStore("").ForInstance(instance); err != nil { // the check of the ids its file names carry
		return nil, fmt.Errorf("server: Config.Instance is %q: want 1 to 64 ASCII letters and digits", cut(instance, 80))
	}
	if cfg.UploadsDir == "" {
		cfg.UploadsDir = cfg.DBPath + ".uploads"
		if isPostgres(cfg.DBPath) {
			cfg.UploadsDir = "uploads"
		}
	}
	if err := os.MkdirAll(cfg.UploadsDir, 0o750); err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	db, err := openDatabase(ctx, cfg.DBPath)
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	s := &Server{cfg: cfg, db: db, instance: instance, log: cfg.Logger, mounted: []string{}, fresh: map[string]bool{}}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.metrics = newMetrics()
	for _, k := range []struct {
		name string
		cfg  []string
		dst  *[]string
	}{
		{"sleep", cfg.SleepAPIKeys, &s.keys.Sleep},
		{"signage", cfg.SignageAPIKeys, &s.keys.Signage},
		{"wms", cfg.WMSSecrets, &s.keys.WMS},
	} {
		if len(k.cfg) > 0 {
			*k.dst = append([]string(nil), k.cfg...)
			continue
		}
		v, gen, err := secret(ctx, db, k.name)
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("server: loading %s key: %w", k.name, err)
		}
		*k.dst = []string{v}
		s.keys.Generated = append(s.keys.Generated, k.name)
		s.fresh[k.name] = gen
	}
	if err := s.loadAdminToken(ctx); err != nil {
		db.Close()
		return nil, err
	}
	batch := cfg.MaxBatch
	if batch <= 0 {
		batch = 512
	}
	if cfg.PerRequestTx {
		batch = 1
	}
	if s.w, err = newWriter(ctx, db, batch, s.instance, s.metrics.committed); err != nil {
		db.Close()
		return nil, fmt.Errorf("server: %w", err)
	}
	h, err := s.routes()
	if err != nil {
		s.Close()
		return nil, err
	}
	s.handler = h
	if db.pg() {
		s.listenLive()
	}
	return s, nil
}

// Handler returns the receiver's routes: every mounted vendor, GET /healthz,
// GET /events and GET /events/{id}.
func (s *Server) Handler() http.Handler { return s.handler }

// Keys returns the effective keys, generated ones included.
func (s *Server) Keys() Keys {
	k := s.keys
	k.Sleep = append([]string(nil), k.Sleep...)
	k.Signage = append([]string(nil), k.Signage...)
	k.WMS = append([]string(nil), k.WMS...)
	k.Generated = append([]string(nil), k.Generated...)
	return k
}

// Vendors returns the names of the mounted vendors.
func (s *Server) Vendors() []string { return append([]string(nil), s.mounted...) }

// Close stops the writer after the transaction in progress and closes the
// database. Requests still arriving are answered 500. Stop the HTTP server
// (http.Server.Shutdown) first so that none do.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		if s.stopListen != nil {
			s.stopListen()
		}
		if s.w != nil {
			s.w.close()
		}
		s.closeErr = s.db.Close()
	})
	return s.closeErr
}

// routes builds the handler tree.
func (s *Server) routes() (http.Handler, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.Handle("GET /events", s.requireToken(http.HandlerFunc(s.listEvents)))
	mux.Handle("GET /events/{id}", s.requireToken(http.HandlerFunc(s.getEvent)))
	mux.Handle("DELETE /sessions/{vendor}/{session}", s.requireToken(http.HandlerFunc(s.deleteSession)))
	s.mountExports(mux)
	mux.Handle("GET /metrics", s.requireToken(s.metrics.handler()))
	if err := s.mountDashboard(mux); err != nil {
		return nil, fmt.Errorf("server: dashboard: %w", err)
	}
	if err := s.mountVendors(mux); err != nil {
		return nil, err
	}
	return mux, nil
}

// PrintBanner writes the keys and admin token generated on this start (with
// a sign-in URL) and one curl line per mounted vendor to out, for a person
// starting the receiver at baseURL ("http://127.0.0.1:8080"). Configured
// keys are never printed; ones generated on an earlier start are not
// printed again, and the banner says how to show them (PrintKeys).
func (s *Server) PrintBanner(out io.Writer, baseURL string) {
	fmt.Fprintf(out, "vendorhooks receiver listening on %s (database %s)\n", baseURL, redactDSN(s.cfg.DBPath))
	fmt.Fprintf(out, "mounted: %v\n", s.mounted)
	gen := map[string]bool{}
	for _, g := range s.keys.Generated {
		gen[g] = true
	}
	for _, v := range []struct{ name, env, key string }{
		{"sleep", envSleepKeys, first(s.keys.Sleep)},
		{"signage", envSignageKeys, first(s.keys.Signage)},
		{"wms", envWMSSecrets, first(s.keys.WMS)},
	} {
		fmt.Fprintln(out, s.keyLine(v.name, v.env, v.key, gen[v.name]))
	}
	s.printAccess(out, baseURL)
	for _, line := range s.curlLines(baseURL) {
		fmt.Fprintln(out, line)
	}
	fmt.Fprintln(out, s.eventsCurl(baseURL))
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}
