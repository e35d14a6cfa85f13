package pgtest

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	_ "github.com/vendorhooks/vendorhooks/internal/golden" // every test binary must know -update
)

func TestMain(m *testing.M) { os.Exit(Run(m)) }

// open opens the database at u through database/sql and the "pgx" driver, as
// the receiver's store does.
func open(t *testing.T, u string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", u)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	require.NoError(t, db.PingContext(t.Context()))
	return db
}

func queryString(t *testing.T, db *sql.DB, q string, args ...any) string {
	t.Helper()
	var s string
	require.NoError(t, db.QueryRowContext(t.Context(), q, args...).Scan(&s))
	return s
}

func TestURLGivesAnEmptyWorkingDatabase(t *testing.T) {
	u := URL(t)
	parsed, err := url.Parse(u)
	require.NoError(t, err)
	assert.Equal(t, "postgres", parsed.Scheme)
	assert.Empty(t, parsed.Host, "no TCP host: the socket directory is in ?host=")
	assert.Equal(t, current.Load().dir, parsed.Query().Get("host"))

	db := open(t, u)
	assert.Equal(t, parsed.Path[1:], queryString(t, db, "SELECT current_database()"))
	assert.Equal(t, "0", queryString(t, db,
		"SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')"),
		"a new database has no user relations")
	assert.Equal(t, "UTF8", queryString(t, db, "SHOW server_encoding"))

	_, err = db.ExecContext(t.Context(), "CREATE TABLE t (id bigint PRIMARY KEY, v text NOT NULL)")
	require.NoError(t, err)
	_, err = db.ExecContext(t.Context(), "INSERT INTO t VALUES (1, $1)", "héllo")
	require.NoError(t, err)
	assert.Equal(t, "héllo", queryString(t, db, "SELECT v FROM t WHERE id = 1"))
}

// TestServerSettings checks what the receiver's tests rely on: durable
// commits, room for many connections, and no TCP listener.
func TestServerSettings(t *testing.T) {
	db := open(t, URL(t))
	for setting, want := range map[string]string{
		"fsync":              "on",
		"synchronous_commit": "on",
		"max_connections":    "200",
		"listen_addresses":   "",
	} {
		assert.Equal(t, want, queryString(t, db, "SHOW "+setting), setting)
	}
	var addr sql.NullString
	require.NoError(t, db.QueryRowContext(t.Context(), "SELECT inet_server_addr()::text").Scan(&addr))
	assert.False(t, addr.Valid, "connected over a unix socket, not TCP: server address %q", addr.String)
	socket := filepath.Join(current.Load().dir, socketName)
	fi, err := os.Stat(socket)
	require.NoError(t, err)
	assert.Equal(t, os.ModeSocket, fi.Mode().Type(), socket)
}

func TestURLsAreDistinctDatabases(t *testing.T) {
	u1, u2 := URL(t), URL(t)
	require.NotEqual(t, u1, u2)
	db1, db2 := open(t, u1), open(t, u2)
	assert.NotEqual(t, queryString(t, db1, "SELECT current_database()"), queryString(t, db2, "SELECT current_database()"))

	_, err := db1.ExecContext(t.Context(), "CREATE TABLE only_in_one (x int)")
	require.NoError(t, err)
	assert.Equal(t, "1", queryString(t, db1, "SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_one'"))
	assert.Equal(t, "0", queryString(t, db2, "SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_one'"))
}

// TestCleanupDropsTheDatabase checks from a second database that a
// subtest's database is gone once the subtest ends, although the subtest left
// a connection to it open.
func TestCleanupDropsTheDatabase(t *testing.T) {
	var name string
	var leftOpen *pgx.Conn
	t.Run("user", func(t *testing.T) {
		u := URL(t)
		conn, err := pgx.Connect(t.Context(), u)
		require.NoError(t, err)
		leftOpen = conn // closed by nobody until the drop: WITH (FORCE) must end it
		require.NoError(t, conn.QueryRow(t.Context(), "SELECT current_database()").Scan(&name))
	})
	require.NotEmpty(t, name)
	require.NotNil(t, leftOpen)
	defer leftOpen.Close(context.Background())
	assert.Error(t, leftOpen.Ping(t.Context()), "the drop ended the connection left open")

	other := open(t, URL(t))
	assert.Equal(t, "0", queryString(t, other, "SELECT count(*) FROM pg_database WHERE datname = $1", name))
}

func TestParallelURLs(t *testing.T) {
	const n = 8
	names := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			u, err := url.Parse(URL(t))
			if assert.NoError(t, err) {
				names[i] = u.Path
			}
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, name := range names {
		assert.False(t, seen[name], "name %s given twice", name)
		seen[name] = true
	}
}

// fakeTB records Fatal instead of failing the test that runs it.
type fakeTB struct {
	testing.TB
	fatal []any
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Fatal(args ...any) {
	f.fatal = args
	runtime.Goexit()
}

func TestURLWithoutRunIsFatal(t *testing.T) {
	c := current.Swap(nil)
	defer current.Store(c)
	f := &fakeTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		URL(f)
	}()
	<-done
	require.Len(t, f.fatal, 1)
	assert.Contains(t, f.fatal[0], "call pgtest.Run(m) from TestMain")
}

func TestBinDirPicksTheHighestVersion(t *testing.T) {
	bin, err := binDir()
	require.NoError(t, err, "Debian's postgresql package is needed")
	assert.FileExists(t, filepath.Join(bin, "initdb"))
	for _, c := range []struct {
		a, b string
		less bool
	}{
		{"9.6", "15", true},
		{"15", "9.6", false},
		{"15", "16", true},
		{"15", "15", false},
		{"9", "9.6", true},
	} {
		a, ok1 := parseVersion(c.a)
		b, ok2 := parseVersion(c.b)
		require.True(t, ok1 && ok2)
		assert.Equal(t, c.less, versionLess(a, b), "%s < %s", c.a, c.b)
	}
	_, ok := parseVersion("main")
	assert.False(t, ok)
}

// BenchmarkURL measures what one URL call costs with its cleanup: CREATE
// DATABASE, then DROP DATABASE ... WITH (FORCE), each on its own connection.
func BenchmarkURL(b *testing.B) {
	c := current.Load()
	for b.Loop() {
		name := pgx.Identifier{"bench_" + strconv.FormatUint(seq.Add(1), 10)}.Sanitize()
		require.NoError(b, c.admin(b.Context(), "CREATE DATABASE "+name))
		require.NoError(b, c.admin(b.Context(), "DROP DATABASE "+name+" WITH (FORCE)"))
	}
}

// BenchmarkStart measures a second cluster's start and stop: initdb, pg_ctl
// start until it accepts connections, pg_ctl stop -m fast, removal.
func BenchmarkStart(b *testing.B) {
	for b.Loop() {
		c, err := start()
		require.NoError(b, err)
		require.NoError(b, c.stop())
	}
}
