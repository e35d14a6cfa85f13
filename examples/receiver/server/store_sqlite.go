package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"modernc.org/sqlite" // registers the "sqlite" database/sql driver (pure Go, no cgo)
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
	// 6: the decoded event is no longer stored but derived from the raw
	// body on read (see derive.go), which halves what an event costs and
	// shows old rows as the current library decodes them. headers are the
	// request headers decoding needs (a JSON object: Labvanced's
	// Content-Type, Asleep's x-user-id), NULL for none and for rows stored
	// before.
	`
ALTER TABLE events ADD COLUMN headers TEXT;
ALTER TABLE events DROP COLUMN event;`,
	// 7: dedup_key holds dedupDigest, a 16-byte blob (a TEXT column
	// stores a blob as such), instead of the key's text; digestKeys
	// converts the keys stored before, so that their retries still find
	// them.
	``,
	// 8: a body longer than rawPartBytes is stored in parts: its first
	// rawPartBytes in raw, its size in raw_size (NULL for a body whole in
	// raw), the rest in raw_parts, numbered from 1.
	`
ALTER TABLE events ADD COLUMN raw_size INTEGER;
CREATE TABLE raw_parts (
	event_id INTEGER NOT NULL REFERENCES events (id),
	n        INTEGER NOT NULL,
	part     BLOB NOT NULL,
	PRIMARY KEY (event_id, n)
);`,
	// 9: two indexes fewer, each a cost on every insert (the writer's
	// B-tree work and WAL pages): every filter of /events alone still
	// has its index ending in id (events_vendor, events_kind,
	// events_session, events_source_id), and a query with two filters
	// walks the index of one of them.
	`
DROP INDEX events_vendor_kind;
DROP INDEX events_source;`,
	// 10: session and source are indexed only where not empty, so that
	// a row without them (every Petal message, every row of a receiver
	// without sources) costs two index entries fewer; a query uses
	// these indexes through the term eq adds.
	`
DROP INDEX events_session;
CREATE INDEX events_session ON events (session, id) WHERE session != '';
DROP INDEX events_source_id;
CREATE INDEX events_source_id ON events (source, id) WHERE source != '';`,
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
		if i+1 == 7 {
			if err := digestKeys(ctx, tx); err != nil {
				return fmt.Errorf("migrating schema to version 7: %w", err)
			}
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

// digestKeys replaces every dedup key stored as text by its dedupDigest
// (migration 7).
func digestKeys(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, "SELECT id, dedup_key FROM events WHERE typeof(dedup_key) = 'text'")
	if err != nil {
		return err
	}
	type key struct {
		id  int64
		key string
	}
	var keys []key
	for rows.Next() {
		var k key
		if err := rows.Scan(&k.id, &k.key); err != nil {
			rows.Close()
			return err
		}
		keys = append(keys, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, k := range keys {
		if _, err := tx.ExecContext(ctx, "UPDATE events SET dedup_key = ? WHERE id = ?", dedupDigest(k.key), k.id); err != nil {
			return err
		}
	}
	return nil
}

// timeFormat is how instants are stored: UTC, fixed width, so that text
// order is time order.
const timeFormat = "2006-01-02T15:04:05.000000000Z"

// sqliteBusyTimeout is how long, in milliseconds, a SQLite statement waits
// for a lock another connection holds.
const sqliteBusyTimeout = 10000

// openSQLite opens the database file in WAL mode with synchronous=FULL, so
// that a committed transaction is on disk before Commit returns.
func openSQLite(ctx context.Context, path string) (*db, error) {
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
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "busy_timeout("+strconv.Itoa(sqliteBusyTimeout)+")")
	q.Add("_pragma", "foreign_keys(ON)")
	// Statement and savepoint journals in memory, not in temporary files:
	// the writer's savepoint around each multi-row insert wrote its
	// journal through a file (20 µs per event).
	q.Add("_pragma", "temp_store(MEMORY)")
	// A checkpoint every 10,000 pages (about 40 MiB of WAL) copies a page
	// updated by many commits once rather than once per 1,000 pages.
	q.Add("_pragma", "wal_autocheckpoint(10000)")
	q.Set("_txlock", "immediate")
	sdb, err := sql.Open("sqlite", fileURI(path, q.Encode()))
	if err != nil {
		return nil, err
	}
	d := &db{DB: sdb, backend: backendSQLite}
	// Reads run beside the single writer (WAL); a few connections suffice.
	sdb.SetMaxOpenConns(8)
	sdb.SetMaxIdleConns(8)
	if err := toWAL(ctx, sdb); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := migrate(ctx, sdb); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return d, nil
}

// toWAL puts the database in WAL mode, which the file keeps for every
// later connection. Receivers converting a new file at the same moment
// can deadlock in SQLite (each holds a read lock and wants the write
// lock), and SQLite answers SQLITE_BUSY at once to break it rather than
// wait out busy_timeout; so toWAL tries again on SQLITE_BUSY, until
// busy_timeout has passed (TestSQLiteOpenedBesideWriter,
// TestKeysSharedByReceivers).
func toWAL(ctx context.Context, sdb *sql.DB) error {
	ctx, cancel := context.WithTimeout(ctx, sqliteBusyTimeout*time.Millisecond)
	defer cancel()
	for wait := time.Millisecond; ; wait = min(2*wait, 50*time.Millisecond) {
		var mode string
		err := sdb.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode)
		var serr *sqlite.Error
		switch {
		case err == nil && mode != "wal":
			return fmt.Errorf("journal_mode is %q, want wal", mode)
		case err == nil:
			return nil
		case !errors.As(err, &serr) || serr.Code()&0xff != sqliteBusy:
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
}

// sqliteBusy is SQLITE_BUSY, the primary result code of an extended one
// such as SQLITE_BUSY_SNAPSHOT.
const sqliteBusy = 5

// fileURI is the SQLite URI of the file at path with query. '%', '?' and
// '#' in the path are escaped: SQLite would read them as an escape, the
// start of the query and of a fragment, and open another file ("a#b.db"
// as "a").
func fileURI(path, query string) string {
	return "file:" + uriEscaper.Replace(path) + "?" + query
}

var uriEscaper = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")

// GeneratedKeys returns the keys a receiver generated and kept in its
// database, by vendor ("sleep", "signage", "wms"): the SQLite file at dsn, or
// the PostgreSQL database a postgres:// URL names. It opens a file read-only
// and changes nothing, so it is safe while receivers run; it is how a tool
// on the same machine, such as examples/simulate, finds the keys. A missing
// file gives an error that wraps fs.ErrNotExist.
func GeneratedKeys(ctx context.Context, dsn string) (map[string]string, error) {
	var sdb *sql.DB
	var err error
	if isPostgres(dsn) {
		sdb, err = sql.Open("pgx", dsn)
	} else {
		if _, err := os.Stat(dsn); err != nil {
			return nil, err
		}
		// busy_timeout: a reader of a WAL file may find it busy for a
		// moment, as while another connection recovers or resets the WAL.
		sdb, err = sql.Open("sqlite", fileURI(dsn, "mode=ro&_pragma=busy_timeout("+strconv.Itoa(sqliteBusyTimeout)+")"))
	}
	if err != nil {
		return nil, err
	}
	defer sdb.Close()
	rows, err := sdb.QueryContext(ctx, "SELECT name, value FROM secrets")
	if err != nil {
		return nil, fmt.Errorf("%s: reading keys: %w", redactDSN(dsn), err)
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
