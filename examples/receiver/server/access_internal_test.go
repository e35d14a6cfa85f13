package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readRequest is a GET of target as a reader of s sends it: to localhost,
// with the admin token.
func readRequest(s *Server, target string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "http://localhost"+target, nil)
	r.Header.Set("Authorization", "Bearer "+s.AdminToken())
	return r
}

// TestEventsFiltersIndexed checks SQLite's plan for each filter of
// /events, alone, as listEvents builds it: an index, never a scan of the
// table. SQLite only: EXPLAIN QUERY PLAN is SQLite's, and PostgreSQL's
// planner scans a table this small whatever the indexes.
func TestEventsFiltersIndexed(t *testing.T) {
	s := openTest(t, Config{})
	for _, col := range []string{"vendor", "kind", "session", "source"} {
		rows, err := s.db.QueryContext(context.Background(),
			"EXPLAIN QUERY PLAN SELECT "+eventColumns+" FROM events WHERE "+col+" = ? ORDER BY id DESC LIMIT 100", "x")
		require.NoError(t, err)
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			require.NoError(t, rows.Scan(&id, &parent, &notused, &detail))
			plan = append(plan, detail)
		}
		require.NoError(t, rows.Err())
		rows.Close()
		p := strings.Join(plan, "; ")
		assert.Contains(t, p, "USING INDEX", "?%s=: %s", col, p)
		assert.NotContains(t, p, "TEMP B-TREE", "?%s= needs no sort: %s", col, p)
	}
}
