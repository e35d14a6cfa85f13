package server

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver (pure Go, no cgo)
)

// migrations bring a database from PRAGMA user_version i to i+1, in order.
// openDB runs the missing ones in one transaction, so a database is at one
// version or another, never between; a database of a newer receiver (a
// version past the last) is refused rather than written.
//
// Append to the list, never change a step that shipped: a database made by
// an older receiver is brought up to date by the steps it has not run.
var migrations = [...]string{
	// 1: the first receiver's tables. Databases it made record version 0
	// with these tables in place; IF NOT EXISTS makes the step a no-op for
	// them. dedup_key was used by WMS only.
	`
CREATE TABLE IF NOT EXISTS events (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	vendor      TEXT NOT NULL,
	kind        TEXT NOT NULL,
	session     TEXT NOT NULL DEFAULT '',
	received_at TEXT NOT NULL,
	event       TEXT NOT NULL,
	raw         BLOB NOT NULL,
	verdict     TEXT NOT NULL DEFAULT '',
	dedup_key   TEXT UNIQUE
);
CREATE INDEX IF NOT EXISTS events_vendor_kind ON events (vendor, kind, id);
CREATE INDEX IF NOT EXISTS events_session ON events (session, id);
CREATE TABLE IF NOT EXISTS uploads (
	guid          TEXT PRIMARY KEY,
	session       TEXT NOT NULL,
	stored_name   TEXT NOT NULL,
	original_name TEXT NOT NULL,
	size          INTEGER NOT NULL,
	sha256        TEXT NOT NULL,
	received_at   TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS secrets (
	name       TEXT PRIMARY KEY,
	value      TEXT NOT NULL,
	created_at TEXT NOT NULL
);`,
	// 2: every vendor's Delivery.IdempotencyKey goes in dedup_key (no
	// change of schema: rows stored before keep theirs, NULL for all but
	// WMS, so a retry of one of them arriving after the upgrade is stored
	// once more, and never again); the decoder's warnings (a JSON array of
	// strings) and the count of retries answered as duplicates of the row;
	// the event row of an upload, so that a retried upload finds the file
	// stored first (NULL for uploads stored before).
	`
ALTER TABLE events ADD COLUMN warnings TEXT NOT NULL DEFAULT '[]';
ALTER TABLE events ADD COLUMN duplicates INTEGER NOT NULL DEFAULT 0;
ALTER TABLE uploads ADD COLUMN event_id INTEGER REFERENCES events (id);
CREATE INDEX IF NOT EXISTS uploads_event ON uploads (event_id);`,
	// 3: the source (the name segment of the mount a row came in on, ''
	// for none; see sourced) and deduplication per source: the unique
	// constraint on dedup_key becomes one on (source, dedup_key). SQLite
	// cannot drop a column's UNIQUE, so the table is rebuilt, ids and the
	// AUTOINCREMENT high-water mark kept; uploads.event_id points at the
	// rebuilt table by name (migrate runs with foreign keys off, and checks
	// them before it commits).
	`
CREATE TABLE events_v3 (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	vendor      TEXT NOT NULL,
	kind        TEXT NOT NULL,
	session     TEXT NOT NULL DEFAULT '',
	received_at TEXT NOT NULL,
	event       TEXT NOT NULL,
	raw         BLOB NOT NULL,
	verdict     TEXT NOT NULL DEFAULT '',
	dedup_key   TEXT,
	warnings    TEXT NOT NULL DEFAULT '[]',
	duplicates  INTEGER NOT NULL DEFAULT 0,
	source      TEXT NOT NULL DEFAULT ''
);
INSERT INTO events_v3 (id, vendor, kind, session, received_at, event, raw, verdict, dedup_key, warnings, duplicates)
	SELECT id, vendor, kind, session, received_at, event, raw, verdict, dedup_key, warnings, duplicates FROM events;
DELETE FROM sqlite_sequence WHERE name = 'events_v3';
INSERT INTO sqlite_sequence (name, seq) SELECT 'events_v3', seq FROM sqlite_sequence WHERE name = 'events';
DROP TABLE events;
ALTER TABLE events_v3 RENAME TO events;
CREATE INDEX events_vendor_kind ON events (vendor, kind, id);
CREATE INDEX events_session ON events (session, id);
CREATE INDEX events_source ON events (source, vendor, id);
CREATE UNIQUE INDEX events_source_dedup ON events (source, dedup_key);`,
	// 4: an index per filter of /events, ending in id, so that each one
	// alone finds its newest rows without a scan or a sort
	// (events_vendor_kind serves vendor with kind, events_session session;
	// events_source and events_source_dedup do not end in id).
	`
CREATE INDEX IF NOT EXISTS events_vendor ON events (vendor, id);
CREATE INDEX IF NOT EXISTS events_kind ON events (kind, id);
CREATE INDEX IF NOT EXISTS events_source_id ON events (source, id);`,
	// 5: each WMS session's sequence state, per source (see trackWMS):
	// the number expected next, the runs of missing numbers below it (a
	// JSON array of [first, last] pairs, at most 256) and the number below
	// which runs were trimmed. Sessions live before the upgrade start
	// again (their next event is a gap from 0), as they did at a restart.
	`
CREATE TABLE wms_sessions (
	source  TEXT NOT NULL,
	session TEXT NOT NULL,
	next    INTEGER NOT NULL,
	trimmed INTEGER NOT NULL DEFAULT 0,
	holes   TEXT NOT NULL DEFAULT '[]',
	PRIMARY KEY (source, session)
) WITHOUT ROWID;`,
}

// migrate brings db to the last version of migrations. It runs them with
// foreign keys off, as SQLite's procedure for rebuilding a table says
// (dropping a parent table would otherwise count its children as
// violations), and commits only when PRAGMA foreign_key_check finds none.
func migrate(ctx context.Context, db *sql.DB) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	// Outside a transaction, where the pragma takes effect; set back
	// before the connection returns to the pool.
	if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
		return err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA foreign_keys = ON") //nolint:errcheck // checked by the pool's next use

	tx, err := conn.BeginTx(ctx, nil) // BEGIN IMMEDIATE (_txlock): one migrator at a time
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	var version int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return err
	}
	if version > len(migrations) {
		return fmt.Errorf("schema version %d is newer than this receiver's (%d)", version, len(migrations))
	}
	if version == len(migrations) {
		return nil
	}
	for i := version; i < len(migrations); i++ {
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			return fmt.Errorf("migrating schema to version %d: %w", i+1, err)
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(migrations))); err != nil {
		return err
	}
	var table string
	switch err := tx.QueryRowContext(ctx, "PRAGMA foreign_key_check").Scan(&table, new(any), new(any), new(any)); {
	case err == nil:
		return fmt.Errorf("migrating schema: a row of %s points at no row", table)
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}
	return tx.Commit()
}

// timeFormat is how instants are stored: UTC, fixed width, so that text
// order is time order.
const timeFormat = "2006-01-02T15:04:05.000000000Z"

// openDB opens the database file in WAL mode with synchronous=FULL, so that a
// committed transaction is on disk before Commit returns.
func openDB(ctx context.Context, path string) (*sql.DB, error) {
	// Create the file first, so that it (and the -wal and -shm files SQLite
	// gives the same mode) is readable by its owner only.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	f.Close()
	if err := restrictMode(path); err != nil { // O_CREATE's mode applies only to a new file
		return nil, err
	}
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", fileURI(path, q.Encode()))
	if err != nil {
		return nil, err
	}
	// Reads run beside the single writer (WAL); a few connections suffice.
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	if err := migrate(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		db.Close()
		return nil, err
	}
	if mode != "wal" {
		db.Close()
		return nil, fmt.Errorf("%s: journal_mode is %q, want wal", path, mode)
	}
	return db, nil
}

// fileURI is the SQLite URI of the file at path with query. '%', '?' and
// '#' in the path are escaped: SQLite would read them as an escape, the
// start of the query and of a fragment, and open another file ("a#b.db"
// as "a").
func fileURI(path, query string) string {
	return "file:" + uriEscaper.Replace(path) + "?" + query
}

var uriEscaper = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")

// secret returns the stored secret called name, generating and storing a
// random one when there is none. generated reports whether this call made it.
func secret(ctx context.Context, db *sql.DB, name string) (value string, generated bool, err error) {
	err = db.QueryRowContext(ctx, "SELECT value FROM secrets WHERE name = ?", name).Scan(&value)
	if err == nil {
		return value, false, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", false, err
	}
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", false, err
	}
	value = name + "_" + hex.EncodeToString(b[:])
	_, err = db.ExecContext(ctx, "INSERT INTO secrets (name, value, created_at) VALUES (?, ?, ?)",
		name, value, time.Now().UTC().Format(timeFormat))
	if err != nil {
		return "", false, err
	}
	return value, true, nil
}

// eventRow is one accepted event as stored.
type eventRow struct {
	Vendor   string
	Kind     string
	Session  string
	Received time.Time
	Event    []byte // canonical JSON of the decoded event
	Raw      []byte // the request body as it arrived
	Verdict  string // WMS sequence verdict, else empty
	Warnings []byte // the decoder's warnings, a JSON array of strings
	// DedupKey is the Delivery's IdempotencyKey: a second event with the
	// same key is not stored but counted on the first row. Empty (signage
	// triggers, which are commands) stores every event.
	DedupKey string
	// Source is the name segment of the mount the event came in on
	// (/wms/<config>/, ...), empty for none. Deduplication is per source.
	Source string
}

// uploadRow is one stored upload.
type uploadRow struct {
	GUID         string
	Session      string
	StoredName   string
	OriginalName string
	Size         int64
	SHA256       string
	Received     time.Time
}

// write is one request's rows waiting for the writer.
type write struct {
	event  *eventRow
	upload *uploadRow
	wms    *wmsSeq          // a WMS event: the writer tracks its sequence (trackWMS)
	done   chan writeResult // buffered: the writer never blocks on it
}

// writeResult is what the writer answers once the transaction holding the
// write has committed (or failed).
type writeResult struct {
	ID        int64 // the event's row id (the existing one for a duplicate)
	Duplicate bool  // the event's dedup key was already stored
	// Upload is, for a duplicate upload, the upload stored with the first
	// row (its GUID and StoredName); this write's upload row was not
	// stored. Nil otherwise.
	Upload *uploadRow
	// Verdict is a WMS event's sequence verdict, as stored with its row.
	Verdict string
	Err     error
}

// errClosed is returned for writes submitted after Close.
var errClosed = errors.New("server: closed")

// writer owns all writes to the database. In group mode it commits every
// write waiting at the moment it starts a transaction in that one
// transaction (up to maxBatch), so concurrent requests share one fsync; with
// maxBatch 1 each request has its own transaction.
type writer struct {
	db       *sql.DB
	conn     *sql.Conn // the writer's own connection: its statements stay prepared
	stmts    [len(writerSQL)]*sql.Stmt
	queue    chan *write
	stop     chan struct{}
	wg       sync.WaitGroup
	maxBatch int
	observe  func(n int, took time.Duration) // called after each commit of n writes
	once     sync.Once
	commits  atomic.Int64 // transactions committed, for tests
}

// The writer's statements, prepared once.
const (
	insertEvent = iota
	insertUpload
	findDuplicate
	countDuplicate
	findUpload
	loadWMS
	saveWMS
	numStatements
)

var writerSQL = [numStatements]string{
	insertEvent: `INSERT INTO events (vendor, kind, session, received_at, event, raw, verdict, warnings, dedup_key, source)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, dedup_key) DO NOTHING`,
	insertUpload: `INSERT INTO uploads (guid, session, stored_name, original_name, size, sha256, received_at, event_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
	findDuplicate:  "SELECT id FROM events WHERE source = ? AND dedup_key = ?",
	countDuplicate: "UPDATE events SET duplicates = duplicates + 1 WHERE id = ?",
	findUpload:     "SELECT guid, stored_name FROM uploads WHERE event_id = ?",
	loadWMS:        "SELECT next, trimmed, holes FROM wms_sessions WHERE source = ? AND session = ?",
	saveWMS: `INSERT INTO wms_sessions (source, session, next, trimmed, holes) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (source, session) DO UPDATE SET next = excluded.next, trimmed = excluded.trimmed, holes = excluded.holes`,
}

func newWriter(ctx context.Context, db *sql.DB, maxBatch int, observe func(n int, took time.Duration)) (*writer, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	w := &writer{db: db, conn: conn, queue: make(chan *write), stop: make(chan struct{}), maxBatch: maxBatch, observe: observe}
	for i, q := range writerSQL {
		if w.stmts[i], err = db.PrepareContext(ctx, q); err != nil {
			conn.Close()
			return nil, err
		}
	}
	w.wg.Add(1)
	go w.run()
	return w, nil
}

// submit hands wr to the writer and waits until its transaction committed.
// It keeps waiting when ctx ends after the writer took the write, so that the
// answer never hides a stored event.
func (w *writer) submit(ctx context.Context, wr *write) writeResult {
	wr.done = make(chan writeResult, 1)
	select {
	case w.queue <- wr:
	case <-w.stop:
		return writeResult{Err: errClosed}
	case <-ctx.Done():
		return writeResult{Err: ctx.Err()}
	}
	return <-wr.done
}

// close stops the writer after the batch in progress and waits for it.
func (w *writer) close() {
	w.once.Do(func() {
		close(w.stop)
		w.wg.Wait()
		for _, st := range w.stmts {
			st.Close()
		}
		w.conn.Close()
	})
}

func (w *writer) run() {
	defer w.wg.Done()
	batch := make([]*write, 0, w.maxBatch)
	for {
		select {
		case <-w.stop:
			return
		case wr := <-w.queue:
			batch = append(batch[:0], wr)
		}
	gather:
		for len(batch) < w.maxBatch {
			select {
			case wr := <-w.queue:
				batch = append(batch, wr)
			default:
				break gather
			}
		}
		w.commit(batch)
	}
}

// commit writes batch in one transaction and answers every write in it. A
// write whose statement fails is answered with its error and the others
// still commit (SQLite undoes only the failed statement).
func (w *writer) commit(batch []*write) {
	results := make([]writeResult, len(batch))
	start := time.Now()
	err := func() error {
		ctx := context.Background()
		tx, err := w.conn.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback() //nolint:errcheck // a no-op after Commit
		var stmts [len(writerSQL)]*sql.Stmt
		for i, st := range w.stmts {
			stmts[i] = tx.StmtContext(ctx, st)
		}
		for i, wr := range batch {
			if wr.upload == nil && wr.wms == nil {
				results[i] = insert(&stmts, wr)
				continue
			}
			// An upload is two rows, and a WMS event a row and its
			// session's state: a savepoint makes them one write, so the
			// event row never stays without its upload when the write
			// fails (and the handler removes the file), nor a session's
			// state without its event.
			results[i] = insertAll(ctx, tx, &stmts, wr)
		}
		if err := tx.Commit(); err != nil {
			return err
		}
		w.commits.Add(1)
		w.observe(len(batch), time.Since(start))
		return nil
	}()
	for i, wr := range batch {
		if err != nil {
			results[i] = writeResult{Err: fmt.Errorf("server: commit: %w", err)}
		}
		wr.done <- results[i]
	}
}

// insert writes wr's event and, unless the event is a duplicate, its upload
// (linked to the event's row). A duplicate adds one to the first row's
// duplicates count; for an upload it names the upload stored first.
func insert(stmts *[len(writerSQL)]*sql.Stmt, wr *write) writeResult {
	e := wr.event
	var dedup any // NULL: SQLite's UNIQUE lets any number of rows have none
	if e.DedupKey != "" {
		dedup = e.DedupKey
	}
	warnings := e.Warnings
	if warnings == nil {
		warnings = []byte("[]")
	}
	if wr.wms != nil {
		v, err := trackWMS(stmts, e.Source, wr.wms)
		if err != nil {
			return writeResult{Err: err}
		}
		e.Verdict = v
	}
	res, err := stmts[insertEvent].Exec(e.Vendor, e.Kind, e.Session, e.Received.UTC().Format(timeFormat),
		string(e.Event), e.Raw, e.Verdict, string(warnings), dedup, e.Source)
	if err != nil {
		return writeResult{Err: fmt.Errorf("server: storing event: %w", err)}
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return duplicate(stmts, wr)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return writeResult{Err: err}
	}
	if err := insertUploadRow(stmts, wr.upload, id); err != nil {
		return writeResult{Err: err}
	}
	return writeResult{ID: id, Verdict: e.Verdict}
}

// insertAll is insert inside a savepoint: on an error, none of wr's rows
// remain.
func insertAll(ctx context.Context, tx *sql.Tx, stmts *[len(writerSQL)]*sql.Stmt, wr *write) writeResult {
	if _, err := tx.ExecContext(ctx, "SAVEPOINT write"); err != nil {
		return writeResult{Err: fmt.Errorf("server: %w", err)}
	}
	res := insert(stmts, wr)
	end := "RELEASE write"
	if res.Err != nil {
		end = "ROLLBACK TO write; RELEASE write"
	}
	if _, err := tx.ExecContext(ctx, end); err != nil && res.Err == nil {
		res = writeResult{Err: fmt.Errorf("server: %w", err)}
	}
	return res
}

// duplicate answers wr, whose event's dedup key is stored already: it counts
// the retry on the stored row and finds the upload stored with it.
func duplicate(stmts *[len(writerSQL)]*sql.Stmt, wr *write) writeResult {
	var id int64
	if err := stmts[findDuplicate].QueryRow(wr.event.Source, wr.event.DedupKey).Scan(&id); err != nil {
		return writeResult{Err: fmt.Errorf("server: finding duplicate: %w", err)}
	}
	if _, err := stmts[countDuplicate].Exec(id); err != nil {
		return writeResult{Err: fmt.Errorf("server: counting duplicate: %w", err)}
	}
	res := writeResult{ID: id, Duplicate: true}
	if wr.upload == nil {
		return res
	}
	first := &uploadRow{}
	err := stmts[findUpload].QueryRow(id).Scan(&first.GUID, &first.StoredName)
	switch {
	case err == nil:
		res.Upload = first
	case errors.Is(err, sql.ErrNoRows):
		// The first row has no upload (not possible for rows this
		// receiver stored: both go in one transaction). Keep this one's
		// file rather than answer with none.
		if err := insertUploadRow(stmts, wr.upload, id); err != nil {
			return writeResult{Err: err}
		}
	default:
		return writeResult{Err: fmt.Errorf("server: finding the first upload: %w", err)}
	}
	return res
}

func insertUploadRow(stmts *[len(writerSQL)]*sql.Stmt, u *uploadRow, eventID int64) error {
	if u == nil {
		return nil
	}
	_, err := stmts[insertUpload].Exec(
		u.GUID, u.Session, u.StoredName, u.OriginalName, u.Size, u.SHA256, u.Received.UTC().Format(timeFormat), eventID)
	if err != nil {
		return fmt.Errorf("server: storing upload: %w", err)
	}
	return nil
}

// GeneratedKeys returns the keys a receiver generated and kept in the
// database file at path, by vendor ("sleep", "signage", "wms"). It opens the
// file read-only and changes nothing, so it is safe while the receiver runs;
// it is how a tool on the same machine, such as examples/simulate, finds the
// keys. A missing file gives an error that wraps fs.ErrNotExist.
func GeneratedKeys(ctx context.Context, path string) (map[string]string, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", fileURI(path, "mode=ro"))
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "SELECT name, value FROM secrets")
	if err != nil {
		return nil, fmt.Errorf("%s: reading keys: %w", path, err)
	}
	defer rows.Close()
	keys := map[string]string{}
	for rows.Next() {
		var name, value string
		if err := rows.Scan(&name, &value); err != nil {
			return nil, err
		}
		keys[name] = value
	}
	return keys, rows.Err()
}
