package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/vendorhooks/vendorhooks"
)

// health is the writer's state as the requests see it: whether the last
// write committed, and since when it has not. Its zero value is healthy
// with no write yet.
type health struct {
	mu        sync.Mutex
	lastOK    time.Time // when a write last committed
	failing   error     // the last write's error while writes fail, else nil
	since     time.Time // when writes started failing
	failures  int64     // writes failed since then
	lastError time.Time
}

// storeFailed records and logs err, the error of a write of the delivery d,
// with its cause. A write given up because its request ended (or because
// the Server is closing) says nothing about the store and is only logged.
func (s *Server) storeFailed(ctx context.Context, d *vendorhooks.Delivery, err error) {
	s.log.LogAttrs(ctx, slog.LevelError, "store failed",
		slog.String("vendor", d.Vendor), slog.String("kind", d.Kind), slog.String("session", d.Session),
		slog.String("error", err.Error()))
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, errClosed) {
		return
	}
	h := &s.health
	h.mu.Lock()
	defer h.mu.Unlock()
	now := time.Now()
	if h.failing == nil {
		h.since = now
		h.failures = 0
	}
	h.failing, h.lastError = err, now
	h.failures++
}

// storeOK records a committed write.
func (s *Server) storeOK() {
	h := &s.health
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lastOK, h.failing = time.Now(), nil
}

// Health is the answer of GET /healthz.
type Health struct {
	Status  string   `json:"status"` // "ok", or "failing" (503) while the store cannot commit
	Vendors []string `json:"vendors"`
	Writer  struct {
		// State is "ok", "failing" (the last write did not commit) or
		// "closed".
		State      string `json:"state"`
		Commits    int64  `json:"commits"`                 // transactions committed since start
		LastCommit string `json:"last_commit,omitempty"`   // when a write last committed
		Error      string `json:"error,omitempty"`         // the last failure's cause
		Since      string `json:"failing_since,omitempty"` // when writes started failing
		Failures   int64  `json:"failures,omitempty"`      // writes failed since then
	} `json:"writer"`
}

// healthz answers GET /healthz (no token: it shows no stored data and no
// secret beyond the store's error): 200 while the store commits, 503 from
// the first write that could not commit (a full disk, a read-only file)
// until one commits again, and once the Server is closed. It does not wait
// for a database connection, so readers holding them all cannot make it
// fail.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	var out Health
	out.Vendors = s.mounted
	out.Writer.Commits = s.w.commits.Load()
	h := &s.health
	h.mu.Lock()
	if !h.lastOK.IsZero() {
		out.Writer.LastCommit = h.lastOK.UTC().Format(time.RFC3339Nano)
	}
	switch {
	case s.closed():
		out.Writer.State = "closed"
	case h.failing != nil:
		out.Writer.State = "failing"
		out.Writer.Error = h.failing.Error()
		out.Writer.Since = h.since.UTC().Format(time.RFC3339Nano)
		out.Writer.Failures = h.failures
	default:
		out.Writer.State = "ok"
	}
	h.mu.Unlock()
	status := http.StatusOK
	out.Status = "ok"
	if out.Writer.State != "ok" {
		status, out.Status = http.StatusServiceUnavailable, out.Writer.State
	}
	writeJSON(w, status, out)
}

// closed reports whether the writer has stopped.
func (s *Server) closed() bool {
	select {
	case <-s.w.stop:
		return true
	default:
		return false
	}
}

// queryTimeout bounds a query of /events and /events/{id}: a read that
// would take longer (a text search over a huge store) is answered 500 and
// frees its connection.
const queryTimeout = 10 * time.Second

func queryContext(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), queryTimeout)
}

// textFilter adds /events?q=text to a query's conditions: the text, as is
// (no pattern characters), in the raw body, kind, session or warnings.
// The search may scan, so it is bounded: it looks only at the newest
// textScanRows rows that match the other filters (the dashboard's event
// log has the same bound), and the query has queryTimeout.
func (d *db) textFilter(text string, where []string, args []any) ([]string, []any) {
	if text == "" {
		return where, args
	}
	inner := "SELECT id FROM events"
	if len(where) > 0 {
		inner += " WHERE " + strings.Join(where, " AND ")
	}
	floor := "id >= (SELECT COALESCE(MIN(id), 0) FROM (" + inner + " ORDER BY id DESC LIMIT ?) AS newest)"
	out := append(append([]any(nil), args...), args...)
	out = append(append(out, textScanRows), textArgs(text)...)
	return append(where, floor, d.textMatch()), out
}

// textMatch is the condition of a text search: the text (case-sensitive,
// no pattern characters) in the raw body, kind, session or warnings; its
// arguments are textArgs.
func (d *db) textMatch() string {
	return "(" + d.contains("raw", true) + " OR " + d.contains("kind", false) + " OR " +
		d.contains("session", false) + " OR " + d.contains("warnings", false) + ")"
}

// textArgs are the arguments of textMatch for text.
func textArgs(text string) []any {
	return []any{[]byte(text), text, text, text}
}
