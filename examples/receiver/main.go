// Command receiver runs the vendorhooks example receiver: every vendor's
// webhook handler on one HTTP server, each accepted event stored durably in
// a SQLite file (or PostgreSQL) before the vendor is answered 2xx.
//
//	go run ./examples/receiver
//	go run ./examples/receiver -db postgres://user:pass@db.example/vendorhooks
//
// Flags: -addr (default 127.0.0.1:8080), -db (./vendorhooks.db, or
// $VENDORHOOKS_DB: a SQLite file, or a postgres:// URL, which several
// receivers behind a load balancer may share; see docs/SCALING.md), -uploads
// (./uploads), -cors-origin (repeatable: origins allowed besides the
// vendor's own, https://www.labvanced.com), -wms-mac (raw, the default:
// standard HMAC over the body's bytes; node: the vendor's Node 'ascii'
// form, for a sender known to sign that way, and then only bodies whose
// every character is at most U+00FF pass), -allowed-host (repeatable:
// names reads answer under besides the listen address and localhost),
// -instance (this receiver's id among receivers sharing -db and -uploads,
// the same on each start so that a start removes the temporary files its
// killed run left; default $VENDORHOOKS_INSTANCE, else derived from the host
// name and -addr), -print-keys (print the generated keys, admin token and
// sign-in URL, then exit), -tls-cert and -tls-key (HTTPS), -acme-domain (repeatable),
// -acme-cache and -acme-email (HTTPS with Let's Encrypt certificates). Keys
// come from the environment, comma-separated for rotation:
// VENDORHOOKS_SLEEP_API_KEYS, VENDORHOOKS_SIGNAGE_API_KEYS,
// VENDORHOOKS_WMS_SECRETS, and the admin token that every read needs from
// VENDORHOOKS_ADMIN_TOKEN. Where one is unset, a random one is generated on
// first start, kept in the database, and printed on that start only.
//
// Each vendor mount takes an optional source name (a study, config or app)
// after its prefix: /labvanced/<study>/<route>, /wms/<config>/,
// /sleep/<app>/, /eeg/<name>/ (POST / is Petal's, no name). A source's own
// keys, when set, replace the vendor's: VENDORHOOKS_SLEEP_<NAME>_KEYS and
// VENDORHOOKS_WMS_<NAME>_SECRETS, the name upper-cased, '-' and '.' as '_'.
//
// GET /events lists what arrived; GET /events/{id} shows one event with its
// raw body; DELETE /sessions/{vendor}/{session} removes a session. SIGINT or SIGTERM stops accepting, lets in-flight requests finish
// (for at most 10 seconds) and closes the database.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/vendorhooks/vendorhooks/examples/receiver/server"
	"github.com/vendorhooks/vendorhooks/labvanced"
)

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// envOr returns the environment variable name, or def when it is empty.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "receiver:", err)
		os.Exit(1)
	}
}

func run() error {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	dbPath := flag.String("db", envOr("VENDORHOOKS_DB", "./vendorhooks.db"), "SQLite database file, or a postgres:// URL of a PostgreSQL database (several receivers may share one); default $VENDORHOOKS_DB, else ./vendorhooks.db")
	uploads := flag.String("uploads", "./uploads", "directory for Labvanced file uploads")
	maxUpload := flag.Int64("max-upload-bytes", labvanced.DefaultMaxUploadBytes, "largest Labvanced /file_upload request in bytes (the player caps recordings at 100 MB); larger ones get 413")
	wmsMAC := flag.String("wms-mac", server.WMSMACRaw, "how WMS calls are signed: raw (HMAC over the body's bytes) or node (the vendor's Node 'ascii' form; only bodies of characters up to U+00FF pass)")
	var origins listFlag
	flag.Var(&origins, "cors-origin", "origin allowed to post Labvanced data from a browser, besides https://www.labvanced.com (repeatable)")
	var hosts listFlag
	flag.Var(&hosts, "allowed-host", "host name reads (/events, the dashboard, exports, metrics) are served under, besides the listen address and localhost: the name you reach the receiver by (repeatable)")
	instance := flag.String("instance", os.Getenv("VENDORHOOKS_INSTANCE"), "this receiver's id among receivers sharing -db and -uploads: 1 to 64 letters and digits, the same on each start, so that a start removes what its killed run left in -uploads; default $VENDORHOOKS_INSTANCE, else derived from the host name and -addr")
	showKeys := flag.Bool("print-keys", false, "print the keys and admin token generated in -db, and the sign-in URL, then exit")
	var tf tlsFlags
	flag.StringVar(&tf.cert, "tls-cert", "", "serve HTTPS with this PEM certificate (chain) file and -tls-key")
	flag.StringVar(&tf.key, "tls-key", "", "PEM private key file of -tls-cert")
	flag.Var(&tf.domains, "acme-domain", "serve HTTPS with certificates from Let's Encrypt for this domain (repeatable; the receiver must be reachable on port 443 under it: -addr :443)")
	flag.StringVar(&tf.acmeCache, "acme-cache", "", "directory for the ACME account key and certificates (default: -db with .acme appended)")
	flag.StringVar(&tf.acmeEmail, "acme-email", "", "contact address given to Let's Encrypt (optional)")
	flag.Parse()
	if tf.acmeCache == "" {
		tf.acmeCache = *dbPath + ".acme"
		if strings.Contains(*dbPath, "://") {
			tf.acmeCache = "./vendorhooks.acme"
		}
	}

	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *showKeys {
		return printKeys(ctx, os.Stdout, *dbPath, publicBase(*addr, &tf))
	}
	tlsConfig, err := tf.config()
	if err != nil {
		return err
	}

	// Listen before Open: only one process on this host holds the address,
	// so the instance derived from it is no other live receiver's when
	// Open sweeps its leftovers.
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	if *instance == "" {
		*instance = defaultInstance(ln.Addr())
	}
	s, err := server.Open(ctx, server.Config{
		DBPath:         *dbPath,
		UploadsDir:     *uploads,
		CORSOrigins:    origins,
		MaxUploadBytes: *maxUpload,
		SleepAPIKeys:   envList("VENDORHOOKS_SLEEP_API_KEYS"),
		SignageAPIKeys: envList("VENDORHOOKS_SIGNAGE_API_KEYS"),
		WMSSecrets:     envList("VENDORHOOKS_WMS_SECRETS"),
		SourceKeys:     envList, // VENDORHOOKS_SLEEP_<NAME>_KEYS, VENDORHOOKS_WMS_<NAME>_SECRETS
		AdminToken:     strings.TrimSpace(os.Getenv("VENDORHOOKS_ADMIN_TOKEN")),
		WMSMAC:         *wmsMAC,
		Logger:         logger,
		AllowedHosts:   append(append(listenHosts(*addr), hosts...), tf.domains...),
		Instance:       *instance,
	})
	if err != nil {
		return err
	}
	defer s.Close()

	s.PrintBanner(os.Stdout, publicBase(ln.Addr().String(), &tf))
	if w := exposure(ln.Addr(), tlsConfig != nil); w != "" {
		fmt.Fprintln(os.Stdout, w)
	}
	srv := s.NewHTTPServer()           // timeouts and header limit; s.Listen caps the connections
	srv.RegisterOnShutdown(s.StopLive) // open dashboard tabs do not hold up Shutdown
	errc := make(chan error, 1)
	srv.TLSConfig = tlsConfig
	go func() {
		if tlsConfig != nil {
			errc <- srv.ServeTLS(s.Listen(ln), "", "") // the certificates are in TLSConfig
			return
		}
		errc <- srv.Serve(s.Listen(ln))
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return s.Close()
}

// defaultInstance is the receiver's instance id when -instance is not
// given: 16 hex digits of a hash of the host name and the listen address,
// so the same on each start at that address, and no other receiver's that
// listens on this host. Without a host name it is "" (random per start).
func defaultInstance(addr net.Addr) string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(host + "\n" + addr.String()))
	return hex.EncodeToString(sum[:8])
}

// envList splits a comma-separated environment variable, dropping empty
// items; unset or empty gives nil.
func envList(name string) []string {
	var out []string
	for _, v := range strings.Split(os.Getenv(name), ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
