package server

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/vendorhooks/vendorhooks/examples/internal/pgtest"
)

// TestMain starts the PostgreSQL server the backend table's postgres cases
// use (one per test binary; each test gets a database of its own). A missing
// server fails the tests.
func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

// backendOf maps the name of each backend subtest forBackends started to its
// backend.
var backendOf sync.Map

// forBackends runs f as two subtests, "sqlite" and "postgres": every storage
// and end-to-end test runs on both backends, against a real server. Inside
// f (and its subtests) openTest and newEnv open the subtest's backend.
func forBackends(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	for _, b := range []string{backendSQLite, backendPostgres} {
		t.Run(b, func(t *testing.T) {
			backendOf.Store(t.Name(), b)
			f(t)
		})
	}
}

// dbFor returns the Config.DBPath a test's receiver uses: a fresh database
// on the test cluster inside a postgres case of forBackends, otherwise a
// SQLite file in dir.
func dbFor(t testing.TB, dir string) string {
	for name := t.Name(); ; {
		if b, ok := backendOf.Load(name); ok {
			if b == backendPostgres {
				return pgtest.URL(t)
			}
			break
		}
		i := strings.LastIndexByte(name, '/')
		if i < 0 {
			break
		}
		name = name[:i]
	}
	return filepath.Join(dir, "events.db")
}
