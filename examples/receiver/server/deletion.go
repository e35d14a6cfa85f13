package server

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/vendorhooks/vendorhooks/labvanced"
)

// Deleted is the answer of DELETE /sessions/{vendor}/{session}: what was
// removed.
type Deleted struct {
	Vendor  string `json:"vendor"`
	Session string `json:"session"`
	Source  string `json:"source,omitempty"` // the ?source= given; empty: every source
	Events  int64  `json:"events"`           // rows removed from events
	Uploads int64  `json:"uploads"`          // rows removed from uploads
	Files   int    `json:"files"`            // uploaded files removed from the uploads directory
}

// deleteTimeout bounds the deletion's transaction.
const deleteTimeout = 30 * time.Second

// deleteSession answers DELETE /sessions/{vendor}/{session}[?source=] (behind
// requireToken), for a participant who withdraws: it removes every stored
// event of that vendor and session (of one source when ?source= is given,
// else of all), the uploads rows linked to them, a WMS session's sequence
// state, and then the uploads' files, and logs what it removed. The rows go in one transaction; the files are
// removed after it committed, so a failure leaves files without rows (logged,
// and named in the answer's count) rather than rows without files. 404 when
// nothing matches. A vendor that retries a removed delivery later has it
// stored again: its dedup key went with the row.
func (s *Server) deleteSession(w http.ResponseWriter, r *http.Request) {
	d := Deleted{Vendor: r.PathValue("vendor"), Session: r.PathValue("session"), Source: r.URL.Query().Get("source")}
	ctx, cancel := context.WithTimeout(r.Context(), deleteTimeout)
	defer cancel()
	files, err := s.deleteRows(ctx, &d, r.URL.Query().Has("source"))
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	if d.Events == 0 {
		writeError(w, http.StatusNotFound, "no stored events of "+d.Vendor+" session "+quoteShort(d.Session))
		return
	}
	store := labvanced.DirStore(s.cfg.UploadsDir)
	for _, name := range files {
		err := store.Remove(context.WithoutCancel(ctx), name)
		switch {
		case err == nil:
			d.Files++
		case errors.Is(err, fs.ErrNotExist):
		default:
			s.log.ErrorContext(ctx, "removing a deleted session's file", "file", name, "error", err)
		}
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "session deleted",
		slog.String("vendor", d.Vendor), slog.String("session", d.Session), slog.String("source", d.Source),
		slog.Int64("events", d.Events), slog.Int64("uploads", d.Uploads), slog.Int("files", d.Files),
		slog.String("remote", r.RemoteAddr))
	writeJSON(w, http.StatusOK, d)
}

// deleteRows removes d's rows in one transaction and returns the stored
// names of the uploads' files.
func (s *Server) deleteRows(ctx context.Context, d *Deleted, bySource bool) ([]string, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	match := "SELECT id FROM events WHERE vendor = ? AND " + eq("session", d.Session)
	args := []any{d.Vendor, d.Session}
	if bySource {
		match += " AND " + eq("source", d.Source)
		args = append(args, d.Source)
	}
	rows, err := tx.QueryContext(ctx, "SELECT stored_name FROM uploads WHERE event_id IN ("+match+")", args...)
	if err != nil {
		return nil, err
	}
	var files []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return nil, err
		}
		files = append(files, name)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM raw_parts WHERE event_id IN ("+match+")", args...); err != nil {
		return nil, err
	}
	res, err := tx.ExecContext(ctx, "DELETE FROM uploads WHERE event_id IN ("+match+")", args...)
	if err != nil {
		return nil, err
	}
	d.Uploads, _ = res.RowsAffected()
	res, err = tx.ExecContext(ctx, "DELETE FROM events WHERE id IN ("+match+")", args...)
	if err != nil {
		return nil, err
	}
	d.Events, _ = res.RowsAffected()
	if d.Vendor == "wms" && d.Events > 0 {
		// The session's sequence state goes too: it names the session,
		// and a session sent again after its deletion starts over, as a
		// new one, instead of being judged against what was removed.
		forget := "DELETE FROM wms_sessions WHERE session = ?"
		fargs := []any{d.Session}
		if bySource {
			forget += " AND source = ?"
			fargs = append(fargs, d.Source)
		}
		if _, err := tx.ExecContext(ctx, forget, fargs...); err != nil {
			return nil, err
		}
	}
	return files, tx.Commit()
}

// quoteShort quotes s, cut to about 32 bytes.
func quoteShort(s string) string {
	if len(s) <= 32 {
		return strconv.Quote(s)
	}
	i := 32
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return strconv.Quote(s[:i]) + "..."
}
