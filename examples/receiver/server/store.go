package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// secret returns the stored secret called name, generating and storing a
// random one when there is none. generated reports whether this call made
// it. Receivers starting at once on one database agree: the first insert
// wins and every one of them reads the stored value.
func secret(ctx context.Context, d *db, name string) (value string, generated bool, err error) {
	err = d.QueryRowContext(ctx, "SELECT value FROM secrets WHERE name = ?", name).Scan(&value)
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
	res, err := d.ExecContext(ctx, "INSERT INTO secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
		name, name+"_"+hex.EncodeToString(b[:]), time.Now().UTC().Format(timeFormat))
	if err != nil {
		return "", false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return "", false, err
	}
	if err := d.QueryRowContext(ctx, "SELECT value FROM secrets WHERE name = ?", name).Scan(&value); err != nil {
		return "", false, err
	}
	return value, n == 1, nil
}

// eventRow is one accepted event as stored.
type eventRow struct {
	Vendor   string
	Kind     string
	Session  string
	Received time.Time
	Raw      []byte // the request body as it arrived; the event is derived from it on read (derive.go)
	// Headers are the request headers decoding needs (see
	// decodeHeaders), a JSON object, nil for none (stored as NULL).
	Headers  []byte
	Verdict  string // WMS sequence verdict, else empty
	Warnings []byte // the decoder's warnings, a JSON array of strings
	// Dedup is the dedupDigest of the Delivery's IdempotencyKey, made by
	// the request's goroutine rather than the writer's: a second event
	// with the same key is not stored but counted on the first row. Nil
	// (signage triggers, which are commands) stores every event.
	Dedup []byte
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

// dedupDigest is the stored form of an idempotency key: the first 16 bytes
// of its SHA-256, a blob. A key such as "eeg:" and 64 hex digits would cost
// 68 bytes twice per row (the column and the unique index, whose random
// order leaves its pages partly empty); 128 bits keep an accidental
// collision out of reach (about 2^64 keys for an even chance).
func dedupDigest(key string) []byte {
	sum := sha256.Sum256([]byte(key))
	return sum[:16]
}

// write is one request's rows waiting for the writer.
type write struct {
	event  *eventRow
	upload *uploadRow
	wms    *wmsSeq          // a WMS event: the writer tracks its sequence (trackWMS)
	done   chan writeResult // buffered: the writer never blocks on it
}

// plain reports whether w is one event row alone, with a dedup key: the
// writer inserts such writes many to a statement.
func (w *write) plain() bool {
	return w.upload == nil && w.wms == nil && w.event.Dedup != nil && len(w.event.Raw) <= rawPartBytes
}

// rawPartBytes is the most of a body one row holds: a longer body is stored
// as its first rawPartBytes in events.raw and the rest in raw_parts, one row
// per rawPartBytes. Each statement then binds at most this much, which the
// SQLite driver copies and SQLite copies again into its record: a 30 MiB
// body bound whole cost about 90 MiB of memory beside the body itself.
const rawPartBytes = 1 << 20

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

// writer owns this receiver's writes to the database. In group mode it
// commits every write waiting at the moment it starts a transaction in that
// one transaction (up to maxBatch), so concurrent requests share one commit
// (one fsync); with maxBatch 1 each request has its own transaction.
//
// Within a transaction, event rows with a dedup key are inserted up to
// maxRowsPerInsert to a statement (INSERT ... ON CONFLICT DO NOTHING
// RETURNING, which skips a stored key where COPY would fail), each such
// statement in a savepoint: when one fails, its rows are written again one by
// one, so that a row that fails on its own fails alone (PostgreSQL aborts a
// whole transaction at a failed statement otherwise). Uploads, WMS events
// and rows without a key are written one by one, each in a savepoint.
type writer struct {
	db       *db
	conn     *sql.Conn // the writer's own connection, on which its statements are prepared once
	stmts    [numStatements]*sql.Stmt
	multi    map[int]*sql.Stmt // multi-row inserts by row count, prepared on first use
	queue    chan *write
	stop     chan struct{}
	wg       sync.WaitGroup
	maxBatch int
	observe  func(n int, took time.Duration) // called after each commit of n writes
	// instance names this receiver in its notifications (PostgreSQL),
	// so that its own listener skips them.
	instance string
	once     sync.Once
	commits  atomic.Int64 // transactions committed, for tests
}

// maxRowsPerInsert bounds the rows of one multi-row insert: 64 rows of 10
// values stay far below both engines' limits on parameters.
const maxRowsPerInsert = 64

// The writer's statements, prepared once.
const (
	insertEvent = iota
	insertUpload
	findDuplicate
	countDuplicate
	findUpload
	loadWMS
	saveWMS
	lockWMS
	insertPart
	numStatements
)

// eventInsertColumns are the columns an event insert sets, in order.
const eventInsertColumns = "vendor, kind, session, received_at, raw, raw_size, verdict, warnings, dedup_key, source, headers"

// eventInsertValues is the placeholders of one row of eventInsertColumns.
const eventInsertValues = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"

var writerSQL = [numStatements]string{
	insertEvent: `INSERT INTO events (` + eventInsertColumns + `)
		VALUES ` + eventInsertValues + ` ON CONFLICT (source, dedup_key) DO NOTHING RETURNING id`,
	insertUpload: `INSERT INTO uploads (guid, session, stored_name, original_name, size, sha256, received_at, event_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
	findDuplicate:  "SELECT id FROM events WHERE source = ? AND dedup_key = ?",
	countDuplicate: "UPDATE events SET duplicates = duplicates + 1 WHERE id = ?",
	findUpload:     "SELECT guid, stored_name FROM uploads WHERE event_id = ?",
	loadWMS:        "SELECT next, trimmed, holes FROM wms_sessions WHERE source = ? AND session = ?",
	saveWMS: `INSERT INTO wms_sessions (source, session, next, trimmed, holes) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (source, session) DO UPDATE SET next = excluded.next, trimmed = excluded.trimmed, holes = excluded.holes`,
	// lockWMS makes the session's row exist and locks it until commit
	// (PostgreSQL: an upsert that updates locks the row, new or not).
	lockWMS: `INSERT INTO wms_sessions (source, session, next) VALUES (?, ?, 0)
		ON CONFLICT (source, session) DO UPDATE SET next = wms_sessions.next`,
	insertPart: "INSERT INTO raw_parts (event_id, n, part) VALUES (?, ?, ?)",
}

func newWriter(ctx context.Context, d *db, maxBatch int, instance string, observe func(n int, took time.Duration)) (*writer, error) {
	conn, err := d.Conn(ctx)
	if err != nil {
		return nil, err
	}
	w := &writer{db: d, conn: conn, multi: map[int]*sql.Stmt{}, queue: make(chan *write), stop: make(chan struct{}),
		maxBatch: maxBatch, observe: observe, instance: instance}
	for i, q := range writerSQL {
		// Prepared on the pool, not on conn: Tx.StmtContext re-prepares a
		// statement of a Conn in every transaction, while one of the pool
		// is prepared once per connection and reused (25 µs per event).
		if w.stmts[i], err = d.PrepareContext(ctx, d.q(q)); err != nil {
			conn.Close()
			return nil, err
		}
	}
	w.wg.Add(1)
	go w.run()
	return w, nil
}

// multiInsert returns the statement inserting n event rows, preparing it on
// the writer's connection the first time.
func (w *writer) multiInsert(ctx context.Context, n int) (*sql.Stmt, error) {
	if st, ok := w.multi[n]; ok {
		return st, nil
	}
	var b strings.Builder
	b.WriteString("INSERT INTO events (" + eventInsertColumns + ") VALUES ")
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(eventInsertValues)
	}
	b.WriteString(" ON CONFLICT (source, dedup_key) DO NOTHING RETURNING id, source, dedup_key")
	st, err := w.db.PrepareContext(ctx, w.db.q(b.String())) // on the pool: see newWriter
	if err != nil {
		return nil, err
	}
	w.multi[n] = st
	return st, nil
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
		for _, st := range w.multi {
			st.Close()
		}
		w.conn.Close()
	})
}

func (w *writer) run() {
	defer w.wg.Done()
	batch := make([]*write, 0, w.maxBatch)
	linger := time.NewTimer(0)
	<-linger.C
	last := 0 // the size of the last batch
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
		// Under load (the last batch held several writes), wait up to
		// lingerFor for as many writes again as the last batch held: a
		// commit costs about as much for 16 rows as for 32 (its WAL
		// write, its fsync), so while the writer is the bottleneck a
		// fuller batch is more events per second; an idle receiver
		// commits at once.
		if last >= lingerFrom && len(batch) < min(2*last, w.maxBatch) && w.maxBatch > 1 {
			linger.Reset(lingerFor)
		wait:
			for len(batch) < min(2*last, w.maxBatch) {
				select {
				case wr := <-w.queue:
					batch = append(batch, wr)
				case <-linger.C:
					break wait
				}
			}
			if !linger.Stop() {
				select {
				case <-linger.C:
				default:
				}
			}
		}
		last = len(batch)
		w.commit(batch)
	}
}

// lingerFrom and lingerFor tune run's wait for a fuller batch: from a last
// batch of lingerFrom writes, for at most lingerFor. In BenchmarkThroughput
// (SQLite, 64 senders) 500 µs gave 0.43–0.48x of the bare handler, with 17
// events and 2.2 ms per commit; 1 ms gave 0.41–0.43x (25 events, 2.9 ms:
// every write of a batch waited the whole linger), 300 µs about as much as
// 500, and no linger 0.42–0.43x (9 events per commit).
const (
	lingerFrom = 4
	lingerFor  = 500 * time.Microsecond
)

// commit writes batch in one transaction and answers every write in it. A
// write that fails on its own is answered with its error and the others
// still commit; when the commit fails, every write is answered with that
// error.
func (w *writer) commit(batch []*write) {
	results := make([]writeResult, len(batch))
	start := time.Now()
	err := func() error {
		ctx := context.Background()
		t, err := w.db.beginOn(ctx, w.conn)
		if err != nil {
			return err
		}
		defer t.Rollback() //nolint:errcheck // a no-op after Commit
		var stmts [numStatements]*sql.Stmt
		for i, st := range w.stmts {
			stmts[i] = t.StmtContext(ctx, st)
		}
		locked := w.lockSessions(ctx, t, &stmts, batch, results)
		var plain []int
		for i, wr := range batch {
			switch {
			case results[i].Err != nil: // its WMS session could not be locked
			case wr.plain():
				plain = append(plain, i)
			default:
				results[i] = insertOne(ctx, t, &stmts, wr, locked)
			}
		}
		for chunk := range slices.Chunk(plain, maxRowsPerInsert) {
			w.insertMany(ctx, t, &stmts, batch, chunk, results)
		}
		if err := w.notify(ctx, t, batch, results); err != nil {
			return err
		}
		if err := t.Commit(); err != nil {
			return err
		}
		w.truncateWAL(ctx, batch)
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

// bigBatchBytes is the body bytes in one batch from which the writer, on
// SQLite, checkpoints and truncates the WAL after the commit.
const bigBatchBytes = 4 << 20

// truncateWAL checkpoints a SQLite database and truncates its WAL after a
// batch of more than bigBatchBytes of bodies: the WAL holds every page a
// transaction wrote, and SQLite reuses the file rather than shrink it, so a
// 30 MiB body would otherwise cost its size twice on disk for good. It is a
// best effort: with a reader in the way the WAL stays as it is until a later
// checkpoint.
func (w *writer) truncateWAL(ctx context.Context, batch []*write) {
	if w.db.pg() {
		return
	}
	n := 0
	for _, wr := range batch {
		n += len(wr.event.Raw)
	}
	if n > bigBatchBytes {
		// Without waiting: TRUNCATE waits for readers (an export may read
		// for minutes) as long as busy_timeout allows, which would hold up
		// every write behind it.
		w.conn.ExecContext(ctx, "PRAGMA busy_timeout = 0")                                //nolint:errcheck // best effort, see above
		w.conn.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")                        //nolint:errcheck
		w.conn.ExecContext(ctx, "PRAGMA busy_timeout = "+strconv.Itoa(sqliteBusyTimeout)) //nolint:errcheck
	}
}

// lockSessions locks, on PostgreSQL, the state row of every WMS session the
// batch touches, in (source, session) order, so that receivers committing
// batches that share sessions wait for each other instead of deadlocking;
// the rows stay locked until commit, which makes each session's verdicts
// those of one tracker however its events are spread over receivers. A
// session that cannot be locked fails its writes (in results). It returns
// the sessions locked. SQLite needs no row locks: a transaction there holds
// the whole database (BEGIN IMMEDIATE).
func (w *writer) lockSessions(ctx context.Context, t *tx, stmts *[numStatements]*sql.Stmt, batch []*write, results []writeResult) map[[2]string]bool {
	if !w.db.pg() {
		return nil
	}
	var keys [][2]string
	for _, wr := range batch {
		if wr.wms != nil {
			keys = append(keys, [2]string{pgText(wr.event.Source), pgText(wr.wms.session)})
		}
	}
	if len(keys) == 0 {
		return nil
	}
	slices.SortFunc(keys, func(a, b [2]string) int {
		if c := strings.Compare(a[0], b[0]); c != 0 {
			return c
		}
		return strings.Compare(a[1], b[1])
	})
	keys = slices.Compact(keys)
	locked := make(map[[2]string]bool, len(keys))
	for _, k := range keys {
		err := savepoint(ctx, t, func() error {
			_, err := stmts[lockWMS].ExecContext(ctx, k[0], k[1])
			return err
		})
		if err != nil {
			for i, wr := range batch {
				if wr.wms != nil && pgText(wr.event.Source) == k[0] && pgText(wr.wms.session) == k[1] {
					results[i] = writeResult{Err: fmt.Errorf("server: locking the WMS session: %w", err)}
				}
			}
			continue
		}
		locked[k] = true
	}
	return locked
}

// savepoint runs fn inside a savepoint of t and undoes what fn did when it
// fails, leaving t usable (on PostgreSQL too).
func savepoint(ctx context.Context, t *tx, fn func() error) error {
	if _, err := t.ExecContext(ctx, "SAVEPOINT write"); err != nil {
		return fmt.Errorf("server: %w", err)
	}
	if err := fn(); err != nil {
		if _, rerr := t.ExecContext(ctx, "ROLLBACK TO SAVEPOINT write"); rerr != nil {
			return errors.Join(err, rerr)
		}
		if _, rerr := t.ExecContext(ctx, "RELEASE SAVEPOINT write"); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}
	if _, err := t.ExecContext(ctx, "RELEASE SAVEPOINT write"); err != nil {
		return fmt.Errorf("server: %w", err)
	}
	return nil
}

// insertMany inserts the plain writes batch[i] for i in idx with one
// statement, and answers each in results: the new row's id, or for a key
// stored before (or twice in idx) the first row, counted as a duplicate.
// When the statement fails, each write is inserted alone (insertOne), so that
// only the ones that fail by themselves fail.
func (w *writer) insertMany(ctx context.Context, t *tx, stmts *[numStatements]*sql.Stmt, batch []*write, idx []int, results []writeResult) {
	ids := make(map[[2]string]int64, len(idx))
	// On PostgreSQL a failed statement aborts the transaction unless a
	// savepoint catches it; SQLite undoes the failed statement alone.
	guard := savepoint
	if !w.db.pg() {
		guard = func(_ context.Context, _ *tx, fn func() error) error { return fn() }
	}
	err := guard(ctx, t, func() error {
		st, err := w.multiInsert(ctx, len(idx))
		if err != nil {
			return err
		}
		args := make([]any, 0, 11*len(idx))
		for _, i := range idx {
			args = w.db.eventArgs(args, batch[i].event)
		}
		rows, err := t.StmtContext(ctx, st).QueryContext(ctx, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var source string
			var digest []byte
			if err := rows.Scan(&id, &source, &digest); err != nil {
				return err
			}
			ids[[2]string{source, string(digest)}] = id
		}
		return rows.Err()
	})
	if err != nil {
		for _, i := range idx {
			results[i] = insertOne(ctx, t, stmts, batch[i], nil)
		}
		return
	}
	for _, i := range idx {
		e := batch[i].event
		k := [2]string{w.db.text(e.Source), string(e.Dedup)}
		if id, ok := ids[k]; ok {
			results[i] = writeResult{ID: id}
			delete(ids, k) // a second write with this key is its duplicate
			continue
		}
		wr := batch[i]
		if err := savepoint(ctx, t, func() error {
			results[i] = duplicate(ctx, w.db, stmts, wr)
			return results[i].Err
		}); err != nil {
			results[i] = writeResult{Err: err}
		}
	}
}

// insertOne writes wr alone, in a savepoint: its event, its WMS session's
// new state and its upload, or none of them. locked names the WMS sessions
// lockSessions locked (nil on SQLite, where none needs to be).
func insertOne(ctx context.Context, t *tx, stmts *[numStatements]*sql.Stmt, wr *write, locked map[[2]string]bool) writeResult {
	var res writeResult
	err := savepoint(ctx, t, func() error {
		res = insert(ctx, t.d, stmts, wr)
		return res.Err
	})
	if err != nil {
		return writeResult{Err: err}
	}
	return res
}

// eventArgs appends e's values for eventInsertColumns to args.
func (d *db) eventArgs(args []any, e *eventRow) []any {
	var dedup any // NULL: the unique index lets any number of rows have none
	if e.Dedup != nil {
		dedup = e.Dedup
	}
	var headers any
	if e.Headers != nil {
		headers = d.text(string(e.Headers))
	}
	warnings := "[]"
	if e.Warnings != nil {
		warnings = d.text(string(e.Warnings))
	}
	raw := e.Raw
	if raw == nil {
		raw = []byte{}
	}
	var size any // NULL: the body is whole in raw
	if len(raw) > rawPartBytes {
		raw, size = raw[:rawPartBytes], int64(len(raw))
	}
	return append(args, d.text(e.Vendor), d.text(e.Kind), d.text(e.Session), e.Received.UTC().Format(timeFormat),
		raw, size, d.text(e.Verdict), warnings, dedup, d.text(e.Source), headers)
}

// text returns s as the backend's text columns hold it (see pgText).
func (d *db) text(s string) string {
	if d.pg() {
		return pgText(s)
	}
	return s
}

// insert writes wr's event and, unless the event is a duplicate, its upload
// (linked to the event's row). A duplicate adds one to the first row's
// duplicates count; for an upload it names the upload stored first. The
// caller runs it in a savepoint.
func insert(ctx context.Context, d *db, stmts *[numStatements]*sql.Stmt, wr *write) writeResult {
	e := wr.event
	if wr.wms != nil {
		v, err := trackWMS(ctx, stmts, d.text(e.Source), d.text(wr.wms.session), wr.wms.seq)
		if err != nil {
			return writeResult{Err: err}
		}
		e.Verdict = v
	}
	var id int64
	err := stmts[insertEvent].QueryRowContext(ctx, d.eventArgs(nil, e)...).Scan(&id)
	switch {
	case errors.Is(err, sql.ErrNoRows): // ON CONFLICT DO NOTHING: the key is stored
		res := duplicate(ctx, d, stmts, wr)
		res.Verdict = e.Verdict
		return res
	case err != nil:
		return writeResult{Err: fmt.Errorf("server: storing event: %w", err)}
	}
	for n, off := 1, rawPartBytes; off < len(e.Raw); n, off = n+1, off+rawPartBytes {
		part := e.Raw[off:min(off+rawPartBytes, len(e.Raw))]
		if _, err := stmts[insertPart].ExecContext(ctx, id, n, part); err != nil {
			return writeResult{Err: fmt.Errorf("server: storing event: %w", err)}
		}
	}
	if err := insertUploadRow(ctx, d, stmts, wr.upload, id); err != nil {
		return writeResult{Err: err}
	}
	return writeResult{ID: id, Verdict: e.Verdict}
}

// duplicate answers wr, whose event's dedup key is stored already: it counts
// the retry on the stored row and finds the upload stored with it.
func duplicate(ctx context.Context, d *db, stmts *[numStatements]*sql.Stmt, wr *write) writeResult {
	var id int64
	if err := stmts[findDuplicate].QueryRowContext(ctx, d.text(wr.event.Source), wr.event.Dedup).Scan(&id); err != nil {
		return writeResult{Err: fmt.Errorf("server: finding duplicate: %w", err)}
	}
	if _, err := stmts[countDuplicate].ExecContext(ctx, id); err != nil {
		return writeResult{Err: fmt.Errorf("server: counting duplicate: %w", err)}
	}
	res := writeResult{ID: id, Duplicate: true}
	if wr.upload == nil {
		return res
	}
	first := &uploadRow{}
	err := stmts[findUpload].QueryRowContext(ctx, id).Scan(&first.GUID, &first.StoredName)
	switch {
	case err == nil:
		res.Upload = first
	case errors.Is(err, sql.ErrNoRows):
		// The first row has no upload (not possible for rows this
		// receiver stored: both go in one transaction). Keep this one's
		// file rather than answer with none.
		if err := insertUploadRow(ctx, d, stmts, wr.upload, id); err != nil {
			return writeResult{Err: err}
		}
	default:
		return writeResult{Err: fmt.Errorf("server: finding the first upload: %w", err)}
	}
	return res
}

func insertUploadRow(ctx context.Context, d *db, stmts *[numStatements]*sql.Stmt, u *uploadRow, eventID int64) error {
	if u == nil {
		return nil
	}
	_, err := stmts[insertUpload].ExecContext(ctx, d.text(u.GUID), d.text(u.Session), d.text(u.StoredName),
		d.text(u.OriginalName), u.Size, u.SHA256, u.Received.UTC().Format(timeFormat), eventID)
	if err != nil {
		return fmt.Errorf("server: storing upload: %w", err)
	}
	return nil
}

// notify announces, on PostgreSQL, the batch's stored deliveries to every
// receiver's live view in t (NOTIFY is delivered at commit, and not at all
// if t rolls back). SQLite has one receiver per file, which publishes its
// own.
func (w *writer) notify(ctx context.Context, t *tx, batch []*write, results []writeResult) error {
	if !w.db.pg() {
		return nil
	}
	var events []liveEvent
	for i, wr := range batch {
		if results[i].Err != nil {
			continue
		}
		events = append(events, liveEvent{ID: results[i].ID, Vendor: wr.event.Vendor, Kind: wr.event.Kind,
			Session: cut(wr.event.Session, 256), Duplicate: results[i].Duplicate})
	}
	// A payload must stay under 8000 bytes: at most 20 events of at most
	// about 360 bytes each.
	for chunk := range slices.Chunk(events, 20) {
		b, err := json.Marshal(livePayload{From: w.instance, Events: chunk})
		if err != nil {
			return err
		}
		if _, err := t.ExecContext(ctx, "SELECT pg_notify(?, ?)", liveChannel, pgText(string(b))); err != nil {
			return fmt.Errorf("server: notifying: %w", err)
		}
	}
	return nil
}

// livePayload is one notification of committed deliveries.
type livePayload struct {
	From   string      `json:"from"` // the instance of the receiver that stored them
	Events []liveEvent `json:"events"`
}

// cut returns s cut to at most n bytes, on a UTF-8 boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// maxStoredBody bounds the size a row may claim for its body: no vendor
// package accepts more than this, so a larger raw_size is not trusted to
// allocate.
const maxStoredBody = 1 << 30

// wholeBody returns the body of event id whose first rawPartBytes are first
// and whose size is size, read from raw_parts.
func (s *Server) wholeBody(ctx context.Context, id int64, first []byte, size int64) ([]byte, error) {
	if size < int64(len(first)) || size > maxStoredBody {
		return nil, fmt.Errorf("event %d: stored body size %d", id, size)
	}
	body := make([]byte, 0, size)
	body = append(body, first...)
	rows, err := s.db.QueryContext(ctx, "SELECT part FROM raw_parts WHERE event_id = ? ORDER BY n", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var part sql.RawBytes
		if err := rows.Scan(&part); err != nil {
			return nil, err
		}
		if int64(len(body)+len(part)) > size {
			return nil, fmt.Errorf("event %d: its parts exceed its size %d", id, size)
		}
		body = append(body, part...)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if int64(len(body)) != size {
		return nil, fmt.Errorf("event %d: %d of its %d bytes stored", id, len(body), size)
	}
	return body, nil
}
