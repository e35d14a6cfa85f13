package server

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks"
	_ "github.com/vendorhooks/vendorhooks/internal/golden" // every test binary must know -update
)

// fakeEvent stands in for a vendor's decoded event in the tests of the
// storage layer, which must not depend on any vendor package.
type fakeEvent struct {
	Session string `json:"session"`
	Seq     int    `json:"seq"`
}

// fakeVendor is a vendor handler built as the library's are: it reads the
// body once, decodes its fakeEvent and calls the store with a
// vendorhooks.Delivery in the context, whose idempotency key is made of the
// session and seq when dedup is set, and empty (as a signage trigger's is)
// otherwise. It answers the stored row's id and whether it was a duplicate.
func fakeVendor(s *Server, dedup bool) http.Handler {
	return s.route("fake", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "read", http.StatusBadRequest)
			return
		}
		var ev fakeEvent
		if err := json.Unmarshal(body, &ev); err != nil {
			http.Error(w, "bad", http.StatusBadRequest)
			return
		}
		d := &vendorhooks.Delivery{
			Vendor:   "fake",
			Kind:     "tick",
			Session:  ev.Session,
			Body:     body,
			Received: time.Now().UTC(),
		}
		if dedup {
			d.IdempotencyKey = fmt.Sprintf("fake:%s/%d", ev.Session, ev.Seq)
		}
		res, err := s.store(vendorhooks.ContextWithDelivery(r.Context(), d), extra{})
		if err != nil {
			http.Error(w, "store", http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "%d %v", res.ID, res.Duplicate)
	}))
}

// decodeFake is the fake vendor's decoder, by which its rows' events are
// derived on read.
func decodeFake(raw []byte) (any, error) {
	var ev fakeEvent
	err := json.Unmarshal(raw, &ev)
	return ev, err
}

func init() { otherDecoders["fake"] = decodeFake }

func openTest(t *testing.T, cfg Config) *Server {
	t.Helper()
	dir := t.TempDir()
	if cfg.DBPath == "" {
		cfg.DBPath = dbFor(t, dir)
	}
	if cfg.UploadsDir == "" {
		// Open's default is beside a SQLite file, but "uploads" in the
		// working directory for PostgreSQL.
		cfg.UploadsDir = filepath.Join(dir, "uploads")
	}
	s, err := Open(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

func post(t *testing.T, h http.Handler, body string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/fake", strings.NewReader(body)))
	return w
}

func TestStoreAndList(t *testing.T) { forBackends(t, testStoreAndList) }

func testStoreAndList(t *testing.T) {
	for _, perRequest := range []bool{false, true} {
		t.Run(fmt.Sprintf("PerRequestTx=%v", perRequest), func(t *testing.T) {
			s := openTest(t, Config{PerRequestTx: perRequest})
			h := fakeVendor(s, false)
			const n = 50
			var wg sync.WaitGroup
			start := make(chan struct{}) // release all senders at once
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					w := post(t, h, fmt.Sprintf(`{"session":"s%d","seq":%d}`, i%2, i))
					assert.Equal(t, http.StatusOK, w.Code, w.Body.String())
				}()
			}
			close(start)
			wg.Wait()
			if perRequest {
				assert.Equal(t, int64(n), s.w.commits.Load(), "one transaction per request")
			} else {
				assert.Less(t, s.w.commits.Load(), int64(n), "concurrent requests share transactions")
			}

			list := getList(t, s, "/events?session=s1&limit=1000")
			require.Len(t, list.Events, n/2)
			seen := map[int]bool{}
			for i, e := range list.Events {
				assert.Equal(t, "fake", e.Vendor)
				assert.Equal(t, "tick", e.Kind)
				assert.Equal(t, "s1", e.Session)
				var ev fakeEvent
				require.NoError(t, json.Unmarshal(e.Event, &ev))
				assert.Equal(t, 1, ev.Seq%2)
				seen[ev.Seq] = true
				if i > 0 {
					assert.Greater(t, e.ID, list.Events[i-1].ID, "oldest first")
				}
			}
			assert.Len(t, seen, n/2)

			// Without after_id: the newest, oldest first; with it: paging.
			newest := getList(t, s, "/events?limit=3")
			require.Len(t, newest.Events, 3)
			assert.Equal(t, int64(n), newest.LastID)
			assert.Equal(t, int64(n-2), newest.Events[0].ID)
			page := getList(t, s, "/events?after_id=10&limit=5")
			require.Len(t, page.Events, 5)
			assert.Equal(t, int64(11), page.Events[0].ID)
			assert.Equal(t, int64(15), page.LastID)
			empty := getList(t, s, fmt.Sprintf("/events?after_id=%d", n))
			assert.Empty(t, empty.Events)
			assert.Equal(t, int64(n), empty.LastID)
		})
	}
}

func getList(t *testing.T, s *Server, target string) EventList {
	t.Helper()
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, readRequest(s, target))
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var list EventList
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &list))
	return list
}

func TestGetEventRaw(t *testing.T) { forBackends(t, testGetEventRaw) }

func testGetEventRaw(t *testing.T) {
	s := openTest(t, Config{})
	body := `{"session":"a",  "seq":7}`
	require.Equal(t, http.StatusOK, post(t, fakeVendor(s, false), body).Code)

	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, readRequest(s, "/events/1"))
	require.Equal(t, http.StatusOK, w.Code)
	var e Event
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &e))
	require.NotNil(t, e.Raw)
	assert.Equal(t, body, *e.Raw, "raw body byte for byte")
	assert.JSONEq(t, `{"session":"a","seq":7}`, string(e.Event))
	assert.Contains(t, w.Body.String(), `"warnings":[]`, "no warnings is an empty array, never null")

	for target, status := range map[string]int{
		"/events/2":           http.StatusNotFound,
		"/events/x":           http.StatusBadRequest,
		"/events?limit=0":     http.StatusBadRequest,
		"/events?after_id=-1": http.StatusBadRequest,
	} {
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, readRequest(s, target))
		assert.Equal(t, status, w.Code, target)
	}
}

func TestDuplicateStoredOnce(t *testing.T) { forBackends(t, testDuplicateStoredOnce) }

func testDuplicateStoredOnce(t *testing.T) {
	s := openTest(t, Config{})
	h := fakeVendor(s, true)
	assert.Equal(t, "1 false", post(t, h, `{"session":"a","seq":0}`).Body.String())
	assert.Equal(t, "2 false", post(t, h, `{"session":"a","seq":1}`).Body.String())
	assert.Equal(t, "1 true", post(t, h, `{"session":"a","seq":0}`).Body.String())
	assert.Len(t, getList(t, s, "/events").Events, 2)
}

func TestGeneratedKeysPersist(t *testing.T) { forBackends(t, testGeneratedKeysPersist) }

func testGeneratedKeysPersist(t *testing.T) {
	dir := t.TempDir()
	path := dbFor(t, dir) // one database: s2 reopens s1's
	uploads := filepath.Join(dir, "uploads")
	s1, err := Open(context.Background(), Config{DBPath: path, UploadsDir: uploads, SignageAPIKeys: []string{"mine", "old"}})
	require.NoError(t, err)
	k1 := s1.Keys()
	require.NoError(t, s1.Close())
	assert.Equal(t, []string{"mine", "old"}, k1.Signage)
	assert.Equal(t, []string{"sleep", "wms"}, k1.Generated)
	require.Len(t, k1.Sleep, 1)
	require.Len(t, k1.WMS, 1)
	assert.NotEqual(t, k1.Sleep[0], k1.WMS[0])

	s2, err := Open(context.Background(), Config{DBPath: path, UploadsDir: uploads})
	require.NoError(t, err)
	defer s2.Close()
	k2 := s2.Keys()
	assert.Equal(t, k1.Sleep, k2.Sleep, "a generated key survives a restart")
	assert.Equal(t, k1.WMS, k2.WMS)
	assert.Equal(t, []string{"sleep", "signage", "wms"}, k2.Generated)

	var banner strings.Builder
	s2.PrintBanner(&banner, "http://127.0.0.1:8080")
	assert.NotContains(t, banner.String(), k2.Sleep[0], "a key generated on an earlier start is not printed again")
	assert.Contains(t, banner.String(), k2.Signage[0], "one generated on this start is")
	assert.Contains(t, banner.String(), "-print-keys")
	assert.Contains(t, banner.String(), "http://127.0.0.1:8080/events")
}

func TestClosedServerFailsWrites(t *testing.T) { forBackends(t, testClosedServerFailsWrites) }

func testClosedServerFailsWrites(t *testing.T) {
	s := openTest(t, Config{})
	h := fakeVendor(s, false)
	require.NoError(t, s.Close())
	assert.Equal(t, http.StatusInternalServerError, post(t, h, `{"session":"a","seq":0}`).Code)
}

// TestDurabilitySettings checks the settings a commit's durability rests
// on: for SQLite, the pragmas every connection runs with and the database
// file's mode; for PostgreSQL, that the server fsyncs and a commit waits for
// the WAL flush.
func TestDurabilitySettings(t *testing.T) { forBackends(t, testDurabilitySettings) }

func testDurabilitySettings(t *testing.T) {
	s := openTest(t, Config{})
	if s.db.pg() {
		for _, setting := range []string{"fsync", "synchronous_commit"} {
			var v string
			require.NoError(t, s.db.QueryRow("SELECT current_setting(?)", setting).Scan(&v))
			assert.Equal(t, "on", v, setting)
		}
		return
	}
	var mode string
	var sync int
	require.NoError(t, s.db.QueryRow("PRAGMA journal_mode").Scan(&mode))
	require.NoError(t, s.db.QueryRow("PRAGMA synchronous").Scan(&sync))
	assert.Equal(t, "wal", mode)
	assert.Equal(t, 2, sync, "synchronous=FULL")
	fi, err := os.Stat(s.cfg.DBPath)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
}

// TestSQLiteOpenedBesideWriter opens a file in rollback mode while
// another connection holds its write lock. Converting it to WAL takes a
// read lock and then asks for the write lock, and SQLite answers such an
// upgrade SQLITE_BUSY at once rather than wait out busy_timeout (to break
// the deadlock of two receivers converting one new file at once, as in
// TestKeysSharedByReceivers): the open must wait for the writer instead.
func TestSQLiteOpenedBesideWriter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.db")
	release := lockedBy(t, path, "CREATE TABLE t (x)", "BEGIN IMMEDIATE")

	opened := make(chan error, 1)
	go func() {
		d, err := openSQLite(t.Context(), path)
		if err == nil {
			d.Close()
		}
		opened <- err
	}()
	select {
	case err := <-opened:
		t.Fatalf("opened while another connection held the write lock: %v", err)
	case <-time.After(200 * time.Millisecond): // long enough to reach the lock
	}
	release()
	require.NoError(t, <-opened)
}

// lockedBy opens a connection of its own to the SQLite file at path and
// runs stmts on it, so that it holds whatever lock they leave it. The
// function it returns closes the connection, which releases the lock.
func lockedBy(t *testing.T, path string, stmts ...string) (release func()) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	conn, err := db.Conn(t.Context())
	require.NoError(t, err)
	for _, q := range stmts {
		_, err = conn.ExecContext(t.Context(), q)
		require.NoError(t, err, q)
	}
	return func() {
		require.NoError(t, conn.Close())
		require.NoError(t, db.Close()) // closes the connection conn gave back
	}
}

func TestListLimitCapped(t *testing.T) { forBackends(t, testListLimitCapped) }

func testListLimitCapped(t *testing.T) {
	s := openTest(t, Config{})
	h := fakeVendor(s, false)
	// 16 senders, so that the rows share commits (one by one, PostgreSQL's
	// 1005 fsyncs took seconds).
	var wg sync.WaitGroup
	next := make(chan int)
	for range 16 {
		wg.Go(func() {
			for i := range next {
				assert.Equal(t, http.StatusOK, post(t, h, fmt.Sprintf(`{"session":"a","seq":%d}`, i)).Code)
			}
		})
	}
	for i := range maxLimit + 5 {
		next <- i
	}
	close(next)
	wg.Wait()
	assert.Len(t, getList(t, s, "/events?limit=5000").Events, maxLimit)
	assert.Len(t, getList(t, s, "/events").Events, defaultLimit)
}

func TestGeneratedKeysReadWhileServing(t *testing.T) {
	forBackends(t, testGeneratedKeysReadWhileServing)
}

func testGeneratedKeysReadWhileServing(t *testing.T) {
	dir := t.TempDir()
	path := dbFor(t, dir)
	pg := isPostgres(path)
	if !pg { // a PostgreSQL database exists before the receiver's first start
		_, err := GeneratedKeys(context.Background(), path)
		assert.ErrorIs(t, err, fs.ErrNotExist)
	}

	s, err := Open(context.Background(), Config{DBPath: path, UploadsDir: filepath.Join(dir, "uploads"), WMSSecrets: []string{"configured"}})
	require.NoError(t, err)
	defer s.Close()
	var before []byte
	if !pg {
		before, err = os.ReadFile(path)
		require.NoError(t, err)
	}

	keys, err := GeneratedKeys(context.Background(), path)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"sleep": s.Keys().Sleep[0], "signage": s.Keys().Signage[0], "admin": s.AdminToken()}, keys,
		"only generated keys are kept, and a configured one is not among them")
	if pg {
		return
	}
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, before, after, "reading the keys leaves the file as it was")
}

// TestGeneratedKeysWaitsForLock reads the keys while another connection
// holds the file in exclusive locking mode, where every other reader is
// answered SQLITE_BUSY: GeneratedKeys waits for the lock, as
// busy_timeout allows, rather than fail at once.
func TestGeneratedKeysWaitsForLock(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "events.db")
	s, err := Open(t.Context(), Config{DBPath: path, UploadsDir: filepath.Join(dir, "uploads")})
	require.NoError(t, err)
	want := s.AdminToken()
	require.NoError(t, s.Close())

	release := lockedBy(t, path, "PRAGMA locking_mode = EXCLUSIVE", "BEGIN IMMEDIATE", "COMMIT")

	type result struct {
		keys map[string]string
		err  error
	}
	read := make(chan result, 1)
	go func() {
		keys, err := GeneratedKeys(t.Context(), path)
		read <- result{keys, err}
	}()
	select {
	case r := <-read:
		t.Fatalf("read the keys while another connection held the file: %v", r.err)
	case <-time.After(200 * time.Millisecond): // long enough to reach the lock
	}
	release()
	r := <-read
	require.NoError(t, r.err)
	assert.Equal(t, want, r.keys["admin"])
}

// TestStoreFromDelivery checks that a stored row's vendor, kind, session,
// received time, raw body and warnings are the Delivery's, that a delivery
// is stored once per idempotency key (every time when it has none), with the
// retries counted on the row, and that store refuses a context without a
// Delivery.
func TestStoreFromDelivery(t *testing.T) { forBackends(t, testStoreFromDelivery) }

func testStoreFromDelivery(t *testing.T) {
	s := openTest(t, Config{})
	_, err := s.store(context.Background(), extra{})
	require.ErrorIs(t, err, errNoDelivery)

	d := &vendorhooks.Delivery{
		Vendor:   "fake",
		Kind:     "tock",
		Session:  "sess",
		Body:     []byte("{\"session\":\"other\",\"seq\":3,\"x\":\"\xff\"}"), // not UTF-8: answered in base64
		Received: time.Date(2025, 1, 15, 2, 50, 29, 123456789, time.UTC),
		Warnings: []vendorhooks.Warning{
			{Path: "/a", Offset: 5, Msg: "want a number, got string; left at 0"},
			{Path: "/b", Offset: -1, Msg: "unknown field, kept", Unknown: true},
			{Offset: -1, Msg: "duplicate key \"a\"; the last value is used"},
		},
	}
	ids := map[bool][]int64{}
	for _, key := range []string{"", "", "fake:same", "fake:same", "fake:same"} {
		d.IdempotencyKey = key
		ctx := vendorhooks.ContextWithDelivery(context.Background(), d)
		res, err := s.store(ctx, extra{})
		require.NoError(t, err)
		keyed := key != ""
		ids[keyed] = append(ids[keyed], res.ID)
		assert.Equal(t, keyed && len(ids[true]) > 1, res.Duplicate)
	}
	assert.NotEqual(t, ids[false][0], ids[false][1], "without a key a repeat is stored again")
	assert.Equal(t, ids[true][0], ids[true][1], "with a key a repeat names the first row")
	assert.Equal(t, ids[true][0], ids[true][2])

	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, readRequest(s, fmt.Sprintf("/events/%d", ids[true][0])))
	require.Equal(t, http.StatusOK, w.Code)
	var e Event
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &e))
	assert.Equal(t, Event{
		ID: ids[true][0], Vendor: "fake", Kind: "tock", Session: "sess",
		ReceivedAt: "2025-01-15T02:50:29.123456789Z", Verdict: "", // only a WMS event has one (trackWMS)
		Event: json.RawMessage(`{"session":"other","seq":3}`),
		Warnings: []string{
			"/a (offset 5): want a number, got string; left at 0",
			"/b unknown: unknown field, kept",
			`duplicate key "a"; the last value is used`,
		},
		Duplicates: 2,
		RawBase64:  base64.StdEncoding.EncodeToString(d.Body),
	}, e)
	assert.Len(t, getList(t, s, "/events").Events, 3)
}

// TestMigrateOldDatabase opens a database made by the first receiver (no
// schema version, no warnings, WMS-only dedup keys, the decoded event
// stored) holding an event whose body is not valid UTF-8, and checks that
// its rows are served with their events derived from the raw bodies by
// today's decoder (valid UTF-8), with no warnings,
// that new events are deduplicated, and that a second start changes
// nothing.
// SQLite only: the first receivers wrote SQLite files; PostgreSQL starts at
// today's schema.
func TestMigrateOldDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	old, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	_, err = old.Exec(migrations[0])
	require.NoError(t, err)
	_, err = old.Exec(`INSERT INTO events (vendor, kind, session, received_at, event, raw) VALUES
		('fake', 'X', 's', '2025-01-15T02:50:29.000000000Z', ?, ?),
		('fake', 'X', 's', '2025-01-15T02:50:29.000000000Z', ?, ?)`,
		"{\"kind\":\"X\"}", []byte("{\"session\":\"caf\xe9\",\"seq\":1}"), `{"a":1}`, []byte(`{"session":"s","seq":2}`))
	require.NoError(t, err)
	_, err = old.Exec(`INSERT INTO uploads VALUES ('g', 's', 'n', 'o', 1, 'h', '2025-01-15T02:50:29.000000000Z')`)
	require.NoError(t, err)
	require.NoError(t, old.Close())

	for range 2 { // the second start finds the database up to date
		s := openTest(t, Config{DBPath: path})
		list := getList(t, s, "/events")
		require.Len(t, list.Events, 2)
		for _, e := range list.Events {
			assert.Equal(t, []string{}, e.Warnings)
			assert.True(t, utf8.Valid(e.Event), "%q", e.Event)
		}
		// derived by the fake vendor's decoder (encoding/json: U+FFFD for
		// the stray byte; the real ones read it as Latin-1)
		assert.JSONEq(t, `{"session":"caf\uFFFD","seq":1}`, string(list.Events[0].Event))
		var version int
		require.NoError(t, s.db.QueryRow("PRAGMA user_version").Scan(&version))
		assert.Equal(t, len(migrations), version)
		var guid string
		require.NoError(t, s.db.QueryRow("SELECT guid FROM uploads WHERE event_id IS NULL").Scan(&guid))
		assert.Equal(t, "g", guid, "an old upload is kept, linked to no event")
		require.NoError(t, s.Close())
	}
	s := openTest(t, Config{DBPath: path})
	h := fakeVendor(s, true)
	assert.Equal(t, "3 false", post(t, h, `{"session":"new","seq":1}`).Body.String())
	assert.Equal(t, "3 true", post(t, h, `{"session":"new","seq":1}`).Body.String(), "a retry is stored once")
}

// TestNewerSchemaRefused checks that a database of a newer receiver is not
// opened (and so not written): SQLite's user_version, PostgreSQL's
// schema_version.
func TestNewerSchemaRefused(t *testing.T) { forBackends(t, testNewerSchemaRefused) }

func testNewerSchemaRefused(t *testing.T) {
	dir := t.TempDir()
	path := dbFor(t, dir)
	cfg := Config{DBPath: path, UploadsDir: filepath.Join(dir, "uploads")}
	if isPostgres(path) {
		s := openTest(t, cfg)
		_, err := s.db.Exec("UPDATE schema_version SET version = ?", len(pgMigrations)+1)
		require.NoError(t, err)
		require.NoError(t, s.Close())
	} else {
		db, err := sql.Open("sqlite", path)
		require.NoError(t, err)
		_, err = db.Exec(fmt.Sprintf("PRAGMA user_version = %d", len(migrations)+1))
		require.NoError(t, err)
		require.NoError(t, db.Close())
	}
	_, err := Open(context.Background(), cfg)
	assert.ErrorContains(t, err, "newer than this receiver")
}

// TestDBPathWithURICharacters opens a database whose file name holds the
// characters an SQLite URI gives a meaning to, and checks that the file
// named is the one written. SQLite only: about SQLite's file URIs.
func TestDBPathWithURICharacters(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a#b?c%41.db")
	s := openTest(t, Config{DBPath: path, UploadsDir: filepath.Join(dir, "up")})
	require.Equal(t, http.StatusOK, post(t, fakeVendor(s, false), `{"session":"a","seq":1}`).Code)
	require.NoError(t, s.Close())
	names := []string{}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.ElementsMatch(t, []string{"a#b?c%41.db", "up"}, names, "no other file is written")
	keys, err := GeneratedKeys(context.Background(), path)
	require.NoError(t, err)
	assert.Len(t, keys, 4, "three vendors' keys and the admin token")
}

// TestKeysSharedByReceivers starts four receivers at once on one database,
// as several behind a load balancer do: all of them serve with the same
// generated keys and admin token (the database's), and exactly one of them
// generated each, so only one banner prints it.
func TestKeysSharedByReceivers(t *testing.T) { forBackends(t, testKeysSharedByReceivers) }

func testKeysSharedByReceivers(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{DBPath: dbFor(t, dir), UploadsDir: filepath.Join(dir, "uploads")}
	servers := make([]*Server, 4)
	var wg sync.WaitGroup
	for i := range servers {
		wg.Go(func() {
			s, err := Open(context.Background(), cfg)
			if assert.NoError(t, err) {
				t.Cleanup(func() { s.Close() })
				servers[i] = s
			}
		})
	}
	wg.Wait()
	generated := map[string]int{}
	for _, s := range servers {
		require.NotNil(t, s)
		assert.Equal(t, servers[0].Keys(), s.Keys())
		assert.Equal(t, servers[0].AdminToken(), s.AdminToken())
		for name, gen := range s.fresh {
			if gen {
				generated[name]++
			}
		}
	}
	assert.Equal(t, map[string]int{"sleep": 1, "signage": 1, "wms": 1, "admin": 1}, generated)
	keys, err := GeneratedKeys(context.Background(), cfg.DBPath)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{
		"sleep": servers[0].Keys().Sleep[0], "signage": servers[0].Keys().Signage[0],
		"wms": servers[0].Keys().WMS[0], "admin": servers[0].AdminToken(),
	}, keys)
}
