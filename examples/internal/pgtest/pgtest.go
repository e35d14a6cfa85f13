// Package pgtest runs a throwaway PostgreSQL server for the tests of one
// package and hands each test a fresh, empty database on it.
//
// Call Run from TestMain, then URL from any test:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }
//
//	func TestStore(t *testing.T) {
//		db, err := sql.Open("pgx", pgtest.URL(t)) // import _ "github.com/jackc/pgx/v5/stdlib"
//		...
//	}
//
// The server is Debian's (package postgresql): initdb and pg_ctl from the
// highest version under /usr/lib/postgresql/<version>/bin. It listens on a unix
// socket in its own directory only, never on TCP, so parallel test binaries
// cannot race for a port. fsync and synchronous_commit stay on, so a commit
// the tests see is as durable as in production. When the binaries are missing
// or the server does not start, Run fails: a missing part is a test failure,
// never a skip.
package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgRoot holds Debian's PostgreSQL versions, one directory each.
const pgRoot = "/usr/lib/postgresql"

// maxSocketPath is the longest unix socket path Linux accepts (sun_path is
// 108 bytes with its terminating NUL).
const maxSocketPath = 107

// socketName is the socket file the server creates in its socket directory
// (the default port, 5432: the directory alone keeps clusters apart).
const socketName = ".s.PGSQL.5432"

// current is the cluster Run started, nil outside Run.
var current atomic.Pointer[cluster]

// seq numbers the databases URL creates, so that names never repeat in one
// cluster.
var seq atomic.Uint64

// Run starts one cluster for the test binary, runs m, stops the cluster and
// removes its directory, and returns the exit code for os.Exit. When the
// server cannot be started (binaries missing, initdb failing) it prints why on
// stderr and returns 1: a missing part is a failure, never a skip.
//
// The cluster is also stopped and its directory removed when m.Run panics,
// and, by a watchdog process that waits for the test binary to exit, when a
// test panics or the binary is killed.
func Run(m *testing.M) int {
	c, err := start()
	if err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
		return 1
	}
	current.Store(c)
	defer func() {
		current.Store(nil)
		if err := c.stop(); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
		}
	}()
	return m.Run()
}

// URL creates a new, empty database for tb on the cluster, registers its
// removal with tb.Cleanup, and returns a postgres:// URL for it that pgx
// accepts (unix socket). It calls tb.Fatal if Run did not start a cluster.
//
// The database is dropped WITH (FORCE), so connections a test left open do
// not keep it alive. URL is safe for concurrent use by parallel tests.
func URL(tb testing.TB) string {
	tb.Helper()
	c := current.Load()
	if c == nil {
		tb.Fatal("pgtest: no cluster: call pgtest.Run(m) from TestMain")
		return ""
	}
	name := fmt.Sprintf("pgtest_%d", seq.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.admin(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		tb.Fatalf("pgtest: create database %s: %v", name, err)
	}
	tb.Cleanup(func() {
		// Not tb.Context(): it is cancelled before cleanups run.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := c.admin(ctx, "DROP DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			tb.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	return c.url(name)
}

// cluster is one running server: its directory holds the socket, the log and
// the data directory.
type cluster struct {
	dir    string   // socket directory, parent of data and log
	bin    string   // directory of initdb and pg_ctl
	prefix []string // runs a command as the server's owner: runuser when root, nothing otherwise

	watchdog      *exec.Cmd
	watchdogStdin io.WriteCloser

	// mu serialises CREATE and DROP DATABASE: concurrent copies of template1
	// were no faster here (8 parallel URL calls: 3.4-6.0 s unlocked, 3.5-4.0 s
	// locked, on 2 loaded cores), and one at a time keeps them simple.
	mu sync.Mutex
}

func (c *cluster) data() string { return filepath.Join(c.dir, "data") }
func (c *cluster) log() string  { return filepath.Join(c.dir, "log") }

// url is the pgx URL of database name: host as a directory selects the unix
// socket in it.
func (c *cluster) url(name string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User("postgres"),
		Path:     "/" + name,
		RawQuery: url.Values{"host": {c.dir}}.Encode(),
	}
	return u.String()
}

// admin runs one statement on the postgres database, on a connection of its
// own.
func (c *cluster) admin(ctx context.Context, sql string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	conn, err := pgx.Connect(ctx, c.url("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

// start creates the directory, runs initdb and starts the server, waiting
// until it accepts connections. On failure nothing is left running and the
// directory is removed.
func start() (_ *cluster, err error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	// A short name in the system temporary directory, not t.TempDir(): root's
	// 0700 temporary directories are closed to the postgres user, and the
	// socket path must fit in maxSocketPath.
	dir, err := os.MkdirTemp("", "vhpg-")
	if err != nil {
		return nil, err
	}
	c := &cluster{dir: dir, bin: bin}
	defer func() {
		if err != nil {
			if serr := c.stop(); serr != nil {
				err = fmt.Errorf("%w (and cleaning up: %v)", err, serr)
			}
		}
	}()
	if n := len(filepath.Join(dir, socketName)); n > maxSocketPath {
		return c, fmt.Errorf("socket path %s is %d bytes, more than the %d a unix socket allows: set TMPDIR to a shorter directory", filepath.Join(dir, socketName), n, maxSocketPath)
	}
	if os.Geteuid() == 0 {
		// initdb refuses to run as root: the server's files belong to the
		// postgres user, which Debian's package creates.
		u, err := user.Lookup("postgres")
		if err != nil {
			return c, fmt.Errorf("running as root, so the server runs as user postgres: %w (install Debian's postgresql package)", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return c, err
		}
		c.prefix = []string{"runuser", "-u", "postgres", "--"}
	}
	if err := c.startWatchdog(); err != nil {
		return c, err
	}
	// --no-sync only skips initdb's final flush of the fresh files: they are
	// gone with the directory anyway. The server itself runs with fsync on.
	if out, err := c.run("initdb", "-D", c.data(), "-U", "postgres", "-A", "trust",
		"-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"); err != nil {
		return c, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	conf := fmt.Sprintf(`
# pgtest: a unix socket in the cluster's directory only, durable commits.
listen_addresses = ''
unix_socket_directories = '%s'
max_connections = 200
shared_buffers = 32MB
fsync = on
synchronous_commit = on
`, strings.ReplaceAll(dir, "'", "''"))
	if err := appendFile(filepath.Join(c.data(), "postgresql.conf"), conf); err != nil {
		return c, err
	}
	if out, err := c.run("pg_ctl", "start", "-D", c.data(), "-l", c.log(), "-w", "-t", "120"); err != nil {
		logText, _ := os.ReadFile(c.log())
		return c, fmt.Errorf("pg_ctl start: %v\n%s\nserver log:\n%s", err, out, logText)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.admin(ctx, "SELECT 1"); err != nil {
		return c, fmt.Errorf("connecting to %s: %w", c.url("postgres"), err)
	}
	return c, nil
}

// stop stops the server if it runs, removes the directory and ends the
// watchdog.
func (c *cluster) stop() error {
	var errs []error
	if _, err := os.Stat(filepath.Join(c.data(), "postmaster.pid")); err == nil {
		if out, err := c.run("pg_ctl", "stop", "-D", c.data(), "-m", "fast", "-w", "-t", "120"); err != nil {
			errs = append(errs, fmt.Errorf("pg_ctl stop: %v\n%s", err, out))
		}
	}
	if err := os.RemoveAll(c.dir); err != nil {
		errs = append(errs, err)
	}
	if c.watchdog != nil {
		c.watchdogStdin.Close() // the directory is gone: the watchdog exits at once
		if err := c.watchdog.Wait(); err != nil {
			errs = append(errs, fmt.Errorf("watchdog: %w", err))
		}
	}
	return errors.Join(errs...)
}

// watchdogScript waits for its standard input to close, which happens when the
// test binary exits however it exits, then stops the server and removes the
// directory if they are still there. Its arguments are the directory, then
// the stop command.
const watchdogScript = `trap '' INT HUP
read -r _
dir=$1; shift
[ -d "$dir" ] || exit 0
"$@" >/dev/null 2>&1
rm -rf "$dir"
`

// startWatchdog starts the process that stops the server when the test binary
// dies without running Run's clean-up (a test that panics, a kill). It runs
// in its own process group, so the terminal's Ctrl-C reaches only the test
// binary.
func (c *cluster) startWatchdog() error {
	args := append([]string{"-c", watchdogScript, "pgtest-watchdog", c.dir}, c.prefix...)
	args = append(args, filepath.Join(c.bin, "pg_ctl"), "stop", "-D", c.data(), "-m", "immediate", "-w")
	cmd := exec.Command("/bin/sh", args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("watchdog: %w", err)
	}
	c.watchdog, c.watchdogStdin = cmd, stdin
	return nil
}

// run runs a PostgreSQL program as the server's owner in the cluster's
// directory (the postgres user may not enter the test's working directory).
func (c *cluster) run(prog string, args ...string) ([]byte, error) {
	argv := append(append([]string(nil), c.prefix...), filepath.Join(c.bin, prog))
	argv = append(argv, args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.Bytes(), err
}

// binDir returns the bin directory of the highest PostgreSQL version under
// pgRoot that has both initdb and pg_ctl.
func binDir() (string, error) {
	entries, err := os.ReadDir(pgRoot)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	var best string
	var bestVersion []int
	for _, e := range entries {
		v, ok := parseVersion(e.Name())
		if !ok {
			continue
		}
		bin := filepath.Join(pgRoot, e.Name(), "bin")
		if !isFile(filepath.Join(bin, "initdb")) || !isFile(filepath.Join(bin, "pg_ctl")) {
			continue
		}
		if best == "" || versionLess(bestVersion, v) {
			best, bestVersion = bin, v
		}
	}
	if best == "" {
		return "", fmt.Errorf("no PostgreSQL server: %s/<version>/bin/initdb and pg_ctl not found (install Debian's postgresql package: apt-get install postgresql)", pgRoot)
	}
	return best, nil
}

// parseVersion parses a version directory's name such as "15" or "9.6".
func parseVersion(s string) ([]int, bool) {
	var v []int
	for _, part := range strings.Split(s, ".") {
		n, err := strconv.Atoi(part)
		if err != nil || n < 0 {
			return nil, false
		}
		v = append(v, n)
	}
	return v, true
}

// versionLess reports whether version a is lower than version b.
func versionLess(a, b []int) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return len(a) < len(b)
}

func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}

func appendFile(path, text string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
