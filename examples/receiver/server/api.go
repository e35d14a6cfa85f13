package server

import (
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits of GET /events.
const (
	defaultLimit = 100
	maxLimit     = 1000
)

// Event is one stored event as GET /events and GET /events/{id} answer it.
type Event struct {
	ID         int64           `json:"id"`
	Vendor     string          `json:"vendor"`
	Kind       string          `json:"kind"`
	Session    string          `json:"session,omitempty"`
	ReceivedAt string          `json:"received_at"`
	Verdict    string          `json:"verdict,omitempty"`
	Event      json.RawMessage `json:"event"`
	// Raw is the body as it arrived (GET /events/{id} only): as text when it
	// is UTF-8, otherwise in RawBase64.
	Raw       *string `json:"raw,omitempty"`
	RawBase64 string  `json:"raw_base64,omitempty"`
}

// EventList is the answer of GET /events.
type EventList struct {
	Events []Event `json:"events"`
	// LastID is the id of the last event listed (or after_id when none
	// is): pass it as after_id to get the next page.
	LastID int64 `json:"last_id"`
}

// listEvents answers GET /events?vendor=&kind=&session=&after_id=&limit=,
// oldest first. Without after_id it lists the newest limit events; with it,
// the first limit events after that id.
func (s *Server) listEvents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := defaultLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, "limit: want a positive integer")
			return
		}
		limit = min(n, maxLimit)
	}
	var where []string
	var args []any
	for _, f := range []string{"vendor", "kind", "session"} {
		if v := q.Get(f); v != "" {
			where = append(where, f+" = ?")
			args = append(args, v)
		}
	}
	var afterID int64 = -1
	if v := q.Get("after_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, "after_id: want a non-negative integer")
			return
		}
		afterID = n
		where = append(where, "id > ?")
		args = append(args, n)
	}
	query := "SELECT id, vendor, kind, session, received_at, verdict, event FROM events"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	if afterID >= 0 {
		query += " ORDER BY id ASC LIMIT ?"
	} else {
		query = "SELECT * FROM (" + query + " ORDER BY id DESC LIMIT ?) ORDER BY id ASC"
	}
	args = append(args, limit)
	rows, err := s.db.QueryContext(r.Context(), query, args...)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	defer rows.Close()
	list := EventList{Events: []Event{}, LastID: max(afterID, 0)}
	for rows.Next() {
		var e Event
		var ev string
		if err := rows.Scan(&e.ID, &e.Vendor, &e.Kind, &e.Session, &e.ReceivedAt, &e.Verdict, &ev); err != nil {
			s.internalError(w, r, err)
			return
		}
		e.Event = json.RawMessage(ev)
		list.Events = append(list.Events, e)
		list.LastID = e.ID
	}
	if err := rows.Err(); err != nil {
		s.internalError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list)
}

// getEvent answers GET /events/{id} with the event and its raw body.
func (s *Server) getEvent(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		writeError(w, http.StatusBadRequest, "id: want an integer")
		return
	}
	var e Event
	var ev string
	var raw []byte
	err = s.db.QueryRowContext(r.Context(),
		"SELECT id, vendor, kind, session, received_at, verdict, event, raw FROM events WHERE id = ?", id).
		Scan(&e.ID, &e.Vendor, &e.Kind, &e.Session, &e.ReceivedAt, &e.Verdict, &ev, &raw)
	if errors.Is(err, sql.ErrNoRows) {
		writeError(w, http.StatusNotFound, "no event "+strconv.FormatInt(id, 10))
		return
	}
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	e.Event = json.RawMessage(ev)
	if utf8.Valid(raw) {
		str := string(raw)
		e.Raw = &str
	} else {
		e.RawBase64 = base64.StdEncoding.EncodeToString(raw)
	}
	writeJSON(w, http.StatusOK, e)
}

func (s *Server) internalError(w http.ResponseWriter, r *http.Request, err error) {
	s.log.ErrorContext(r.Context(), "query failed", "path", r.URL.Path, "error", err)
	writeError(w, http.StatusInternalServerError, "internal error")
}

// writeJSON answers v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"internal error"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// writeError answers {"error": msg} with status, the vendor handlers' shape.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, struct {
		Error string `json:"error"`
	}{msg})
}
