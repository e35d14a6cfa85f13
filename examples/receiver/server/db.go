package server

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
)

// The two backends a receiver stores in.
const (
	backendSQLite   = "sqlite"
	backendPostgres = "postgres"
)

// isPostgres reports whether a Config.DBPath names a PostgreSQL database
// (a postgres:// or postgresql:// URL) rather than a SQLite file.
func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// db is the receiver's database, SQLite or PostgreSQL. Every query is
// written once, with ? placeholders, in the SQL both engines share; db
// numbers the placeholders for PostgreSQL ($1, $2, ...). What differs
// (opening, migrations, the writer's locking, live notifications) is in
// store_sqlite.go and store_postgres.go.
type db struct {
	*sql.DB
	backend string // backendSQLite or backendPostgres
}

// openDatabase opens the database dsn names: a PostgreSQL URL, or else a
// SQLite file path. Either is brought to its backend's last schema version.
func openDatabase(ctx context.Context, dsn string) (*db, error) {
	if isPostgres(dsn) {
		return openPostgres(ctx, dsn)
	}
	return openSQLite(ctx, dsn)
}

func (d *db) pg() bool { return d.backend == backendPostgres }

// q returns query in the backend's placeholder syntax.
func (d *db) q(query string) string {
	if d.pg() {
		return numberPlaceholders(query)
	}
	return query
}

// contains is the backend's condition "column holds the bytes of the next
// argument" (case-sensitive, no pattern characters): SQLite's instr works on
// text and blobs alike, PostgreSQL's strpos on text and position on bytea.
func (d *db) contains(column string, blob bool) string {
	switch {
	case !d.pg():
		return "instr(" + column + ", ?) > 0"
	case blob:
		return "position(? IN " + column + ") > 0"
	default:
		return "strpos(" + column + ", ?) > 0"
	}
}

func (d *db) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return d.DB.QueryContext(ctx, d.q(query), args...)
}

func (d *db) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return d.DB.QueryRowContext(ctx, d.q(query), args...)
}

func (d *db) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return d.DB.ExecContext(ctx, d.q(query), args...)
}

func (d *db) Query(query string, args ...any) (*sql.Rows, error) {
	return d.QueryContext(context.Background(), query, args...)
}

func (d *db) QueryRow(query string, args ...any) *sql.Row {
	return d.QueryRowContext(context.Background(), query, args...)
}

func (d *db) Exec(query string, args ...any) (sql.Result, error) {
	return d.ExecContext(context.Background(), query, args...)
}

// BeginTx starts a transaction whose statements are rewritten as db's are.
func (d *db) BeginTx(ctx context.Context, opts *sql.TxOptions) (*tx, error) {
	t, err := d.DB.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &tx{Tx: t, d: d}, nil
}

// tx is a transaction of a db.
type tx struct {
	*sql.Tx
	d *db
}

func (t *tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.Tx.QueryContext(ctx, t.d.q(query), args...)
}

func (t *tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return t.Tx.QueryRowContext(ctx, t.d.q(query), args...)
}

func (t *tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.Tx.ExecContext(ctx, t.d.q(query), args...)
}

// numberPlaceholders replaces each ? outside a quoted literal or identifier
// by $1, $2, ... in order.
func numberPlaceholders(query string) string {
	if !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	var quote byte // the quote character of the literal we are in, or 0
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0 // a doubled quote closes and reopens: same result
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// beginOn starts a transaction on conn, whose statements are rewritten as
// db's are.
func (d *db) beginOn(ctx context.Context, conn *sql.Conn) (*tx, error) {
	t, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	return &tx{Tx: t, d: d}, nil
}

// eq is the condition "column = ?" for the value v. For session and source,
// which are indexed only where not empty (SQLite migration 10, PostgreSQL
// 2), it adds the index's own condition when v is not empty: neither
// planner can tell from a placeholder that its value is not empty, and
// without that term neither would use the index.
func eq(column, v string) string {
	if v != "" && (column == "session" || column == "source") {
		return column + " = ? AND " + column + " != ''"
	}
	return column + " = ?"
}
