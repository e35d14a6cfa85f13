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
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver (pure Go, no cgo)
)

// schema creates the tables on first start. Every statement is idempotent.
const schema = `
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
);
`

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
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	// Reads run beside the single writer (WAL); a few connections suffice.
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	if _, err := db.ExecContext(ctx, schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("creating schema in %s: %w", path, err)
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
	DedupKey string // non-empty: a second event with this key is not stored
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
	done   chan writeResult // buffered: the writer never blocks on it
}

// writeResult is what the writer answers once the transaction holding the
// write has committed (or failed).
type writeResult struct {
	ID        int64 // the event's row id (the existing one for a duplicate)
	Duplicate bool  // the event's dedup key was already stored
	Err       error
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
	stmts    [3]*sql.Stmt
	queue    chan *write
	stop     chan struct{}
	wg       sync.WaitGroup
	maxBatch int
	once     sync.Once
	commits  atomic.Int64 // transactions committed, for tests
}

// The writer's statements, prepared once.
const (
	insertEvent = iota
	insertUpload
	findDuplicate
)

var writerSQL = [...]string{
	insertEvent: `INSERT INTO events (vendor, kind, session, received_at, event, raw, verdict, dedup_key)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedup_key) DO NOTHING`,
	insertUpload: `INSERT INTO uploads (guid, session, stored_name, original_name, size, sha256, received_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
	findDuplicate: "SELECT id FROM events WHERE dedup_key = ?",
}

func newWriter(ctx context.Context, db *sql.DB, maxBatch int) (*writer, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	w := &writer{db: db, conn: conn, queue: make(chan *write), stop: make(chan struct{}), maxBatch: maxBatch}
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
			results[i] = insert(&stmts, wr)
		}
		if err := tx.Commit(); err != nil {
			return err
		}
		w.commits.Add(1)
		return nil
	}()
	for i, wr := range batch {
		if err != nil {
			results[i] = writeResult{Err: fmt.Errorf("server: commit: %w", err)}
		}
		wr.done <- results[i]
	}
}

func insert(stmts *[len(writerSQL)]*sql.Stmt, wr *write) writeResult {
	if u := wr.upload; u != nil {
		_, err := stmts[insertUpload].Exec(
			u.GUID, u.Session, u.StoredName, u.OriginalName, u.Size, u.SHA256, u.Received.UTC().Format(timeFormat))
		if err != nil {
			return writeResult{Err: fmt.Errorf("server: storing upload: %w", err)}
		}
	}
	e := wr.event
	if e == nil {
		return writeResult{}
	}
	var dedup any
	if e.DedupKey != "" {
		dedup = e.DedupKey
	}
	res, err := stmts[insertEvent].Exec(
		e.Vendor, e.Kind, e.Session, e.Received.UTC().Format(timeFormat), string(e.Event), e.Raw, e.Verdict, dedup)
	if err != nil {
		return writeResult{Err: fmt.Errorf("server: storing event: %w", err)}
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var id int64
		if err := stmts[findDuplicate].QueryRow(e.DedupKey).Scan(&id); err != nil {
			return writeResult{Err: fmt.Errorf("server: finding duplicate: %w", err)}
		}
		return writeResult{ID: id, Duplicate: true}
	}
	id, err := res.LastInsertId()
	if err != nil {
		return writeResult{Err: err}
	}
	return writeResult{ID: id}
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
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
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
