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
// /events, alone, as listEvents builds it (eq), and for the dashboard's
// session queries: an index, never a scan of the table, and no sort. The
// session and source indexes are partial (migration 10), so this fails
// when a query lacks the term eq adds. SQLite only: EXPLAIN QUERY PLAN is
// SQLite's, and PostgreSQL's planner scans a table this small whatever the
// indexes.
func TestEventsFiltersIndexed(t *testing.T) {
	s := openTest(t, Config{})
	plan := func(query string, args ...any) string {
		t.Helper()
		rows, err := s.db.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+query, args...)
		require.NoError(t, err)
		defer rows.Close()
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			require.NoError(t, rows.Scan(&id, &parent, &notused, &detail))
			plan = append(plan, detail)
		}
		require.NoError(t, rows.Err())
		return strings.Join(plan, "; ")
	}
	for _, c := range []struct{ col, index string }{
		{"vendor", "events_vendor"}, {"kind", "events_kind"}, {"session", "events_session"}, {"source", "events_source_id"},
	} {
		p := plan("SELECT "+eventColumns+" FROM events WHERE "+eq(c.col, "x")+" ORDER BY id DESC LIMIT 100", "x")
		assert.Contains(t, p, "USING INDEX "+c.index, "?%s=: %s", c.col, p)
		assert.NotContains(t, p, "TEMP B-TREE", "?%s= needs no sort: %s", c.col, p)
	}
	p := plan("SELECT id FROM events WHERE "+eq("session", "s1")+" AND "+eq("source", "")+" AND vendor = 'wms' ORDER BY id DESC LIMIT 10", "s1", "")
	assert.Contains(t, p, "USING INDEX events_session", "a dashboard session view: %s", p)
	p = plan("SELECT id FROM events WHERE vendor = ? AND session != '' ORDER BY id DESC LIMIT 10", "wms")
	assert.Contains(t, p, "USING INDEX events_vendor", "the dashboard's newest sessions: %s", p)
	assert.NotContains(t, p, "TEMP B-TREE", "the dashboard's newest sessions: %s", p)
}
