package server

import "database/sql"

// What the external tests (package server_test) use of the internal ones.
var (
	ForBackends = forBackends
	DBFor       = dbFor
)

// Backend names s's database: "sqlite" or "postgres".
func Backend(s *Server) string { return s.db.backend }

// QueryRow runs query (? placeholders, numbered for PostgreSQL) on s's
// database, so that a test reads stored rows the same way on both backends.
func QueryRow(s *Server, query string, args ...any) *sql.Row { return s.db.QueryRow(query, args...) }

// Exec runs a statement on s's database, on a connection of the pool (not
// the writer's), as another client of the database would.
func Exec(s *Server, query string, args ...any) error {
	_, err := s.db.Exec(query, args...)
	return err
}

// DBSize returns the bytes s's database takes: SQLite's pages in use, or
// PostgreSQL's pg_database_size.
func DBSize(s *Server) (int64, error) {
	var n int64
	if s.db.pg() {
		err := s.db.QueryRow("SELECT pg_database_size(current_database())").Scan(&n)
		return n, err
	}
	var count, size int64
	if err := s.db.QueryRow("PRAGMA page_count").Scan(&count); err != nil {
		return 0, err
	}
	err := s.db.QueryRow("PRAGMA page_size").Scan(&size)
	return count * size, err
}

// Listening reports whether s listens for the other receivers' deliveries
// (PostgreSQL).
func Listening(s *Server) bool { return s.listening.Load() }
