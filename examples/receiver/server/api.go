package server

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
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
	Source     string          `json:"source,omitempty"` // the mount's name segment (/wms/<config>/...), absent for none
	ReceivedAt string          `json:"received_at"`
	Verdict    string          `json:"verdict,omitempty"`
	Event      json.RawMessage `json:"event"`
	// Warnings are the decoder's findings about what it delivered anyway
	// (an unknown field, a value of another type, text that was not
	// UTF-8), one string each naming the path: "PATH (offset N): MSG",
	// with " unknown" before the colon for an unknown member. Never null.
	Warnings []string `json:"warnings"`
	// Duplicates counts the retries of this delivery (the same
	// idempotency key) that were answered 2xx and not stored again.
	Duplicates int64 `json:"duplicates,omitempty"`
	// Raw is the body as it arrived (GET /events/{id} only): as text when it
	// is UTF-8, otherwise in RawBase64.
	Raw       *string `json:"raw,omitempty"`
	RawBase64 string  `json:"raw_base64,omitempty"`
}

// EventList is the answer of GET /events.
type EventList struct {
	Events []Event `json:"events"`
	// LastID is the id of the last event listed (or after_id when none
	// is): pass it as after_id to get the next page. A page holds at most
	// limit events and ends once it holds 4 MiB of them (maxListBytes).
	LastID int64 `json:"last_id"`
}

// listEvents answers GET /events?vendor=&kind=&session=&q=&source=&after_id=&limit=,
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
	for _, f := range []string{"vendor", "kind", "session", "source"} {
		if v := q.Get(f); v != "" {
			where = append(where, eq(f, v))
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
	where, args = s.db.textFilter(q.Get("q"), where, args)
	query := "SELECT " + eventColumns + " FROM events"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	if afterID >= 0 {
		query += " ORDER BY id ASC LIMIT ?"
	} else {
		query = "SELECT * FROM (" + query + " ORDER BY id DESC LIMIT ?) AS newest ORDER BY id ASC"
	}
	args = append(args, limit)
	ctx, cancel := queryContext(r)
	defer cancel()
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	defer rows.Close()
	// The answer is streamed, each event marshalled as it is read, and the
	// page ends at limit events or once it holds maxListBytes, whichever
	// comes first (a page always holds at least one event, so paging with
	// last_id makes progress). An error after the first event cuts the
	// answer short: the client sees a broken connection, never a short
	// list it would take for whole.
	lastID := max(afterID, 0)
	var bw *bufio.Writer
	// begin starts the answer, buffered by size bytes.
	begin := func(size int) {
		writeStreamHeader(w)
		bw = bufio.NewWriterSize(w, size)
		bw.WriteString(`{"events":[`)
	}
	// fail answers err with a 500 while nothing is written, and else
	// breaks the connection.
	fail := func(err error) {
		if bw == nil {
			s.internalError(w, r, err)
			return
		}
		panic(http.ErrAbortHandler)
	}
	written := 0
	for written < maxListBytes && rows.Next() {
		var e Event
		if err := s.scanEvent(ctx, rows, &e, nil, maxListBytes); err != nil {
			fail(err)
			return
		}
		if bw == nil {
			begin(64 << 10)
		} else {
			bw.WriteByte(',')
		}
		n, err := writeEvent(bw, &e, nil)
		if err != nil {
			panic(http.ErrAbortHandler)
		}
		written += n + 1
		lastID = e.ID
	}
	if err := rows.Err(); err != nil {
		fail(err)
		return
	}
	if bw == nil {
		begin(4 << 10)
	}
	fmt.Fprintf(bw, `],"last_id":%d}`+"\n", lastID)
	bw.Flush() //nolint:errcheck // the client went away: nothing to answer
}

// maxListBytes caps the events of one GET /events page: a page ends after
// the event that reaches it.
const maxListBytes = 4 << 20

// getEvent answers GET /events/{id} with the event and its raw body.
func (s *Server) getEvent(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		writeError(w, http.StatusBadRequest, "id: want an integer")
		return
	}
	ctx, cancel := queryContext(r)
	defer cancel()
	rows, err := s.db.QueryContext(ctx, "SELECT "+eventColumns+" FROM events WHERE id = ?", id)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	defer rows.Close()
	// The body is read (from its parts, for a long one) and decoded: the
	// answer needs the event and the body whole, and streams both.
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			s.internalError(w, r, err)
			return
		}
		writeError(w, http.StatusNotFound, "no event "+strconv.FormatInt(id, 10))
		return
	}
	var e Event
	var raw []byte
	if err := s.scanEvent(ctx, rows, &e, &raw, math.MaxInt64); err != nil {
		s.internalError(w, r, err)
		return
	}
	writeStreamHeader(w)
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := writeEvent(bw, &e, raw); err == nil {
		bw.WriteByte('\n')
		bw.Flush() //nolint:errcheck // the client went away: nothing to answer
	}
}

// writeStreamHeader starts a 200 JSON answer whose body is written as it is
// made: an error after this point can only cut the answer short, which the
// client sees as a broken connection, not as a complete answer.
func writeStreamHeader(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
}

// writeEvent writes e as the JSON of Event, with the raw body when raw is
// not nil, and returns the bytes written. The event's JSON (valid JSON the
// library made) is written as it is and the raw body streamed, as a string
// in "raw" when it is UTF-8, else in base64 in "raw_base64": through
// encoding/json each would be copied and compacted again, which for a
// 30 MiB body cost hundreds of MiB.
func writeEvent(w *bufio.Writer, e *Event, raw []byte) (int, error) {
	head, err := marshalJSON(eventHead{e.ID, e.Vendor, e.Kind, e.Session, e.Source, e.ReceivedAt, e.Verdict})
	if err != nil {
		return 0, err
	}
	tail, err := marshalJSON(eventTail{e.Warnings, e.Duplicates})
	if err != nil {
		return 0, err
	}
	n := 0
	n += must(w.Write(head[:len(head)-1])) // without its closing brace
	n += must(w.WriteString(`,"event":`))
	event := e.Event
	if len(event) == 0 {
		event = json.RawMessage("null")
	}
	n += must(w.Write(event))
	n += must(w.WriteString(","))
	n += must(w.Write(tail[1 : len(tail)-1])) // without its braces
	switch {
	case raw == nil:
	case utf8.Valid(raw):
		n += must(w.WriteString(`,"raw":"`))
		n += writeJSONStringBody(w, raw)
		n += must(w.WriteString(`"`))
	default:
		n += must(w.WriteString(`,"raw_base64":"`))
		enc := base64.NewEncoder(base64.StdEncoding, w)
		enc.Write(raw)
		enc.Close()
		n += base64.StdEncoding.EncodedLen(len(raw))
		n += must(w.WriteString(`"`))
	}
	_, err = w.WriteString("}")
	return n + 1, err
}

// must returns the count of a write to a bufio.Writer, whose error is
// returned again by its next write and by Flush.
func must(n int, _ error) int { return n }

// eventHead and eventTail are the members of Event's JSON before and after
// "event", in its order.
type eventHead struct {
	ID         int64  `json:"id"`
	Vendor     string `json:"vendor"`
	Kind       string `json:"kind"`
	Session    string `json:"session,omitempty"`
	Source     string `json:"source,omitempty"`
	ReceivedAt string `json:"received_at"`
	Verdict    string `json:"verdict,omitempty"`
}

type eventTail struct {
	Warnings   []string `json:"warnings"`
	Duplicates int64    `json:"duplicates,omitempty"`
}

// writeJSONStringBody writes the valid UTF-8 text s as the inside of a JSON
// string, escaping what JSON requires (quote, backslash, control
// characters) and nothing else, in one pass and without a copy of s, and
// returns the bytes written.
func writeJSONStringBody(w *bufio.Writer, s []byte) int {
	const hex = "0123456789abcdef"
	n, start := 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		n += must(w.Write(s[start:i]))
		switch c {
		case '"', '\\':
			n += must(w.Write([]byte{'\\', c}))
		case '\n':
			n += must(w.WriteString(`\n`))
		case '\r':
			n += must(w.WriteString(`\r`))
		case '\t':
			n += must(w.WriteString(`\t`))
		default:
			n += must(w.Write([]byte{'\\', 'u', '0', '0', hex[c>>4], hex[c&0xF]}))
		}
		start = i + 1
	}
	return n + must(w.Write(s[start:]))
}

// eventColumns are the columns scanEvent reads, in its order.
const eventColumns = "id, vendor, kind, session, received_at, verdict, warnings, duplicates, source, headers, raw, raw_size"

// scanEvent reads eventColumns into e, deriving its event from the raw body
// (deriveEvent), and stores the raw body in *raw when raw is not nil (valid
// until the next call of row.Next). A row the library now refuses is read
// with a null event and a warning saying so, not as an error: the row is
// still there. A body longer than maxBody is neither read whole nor
// decoded (a list's page is capped in bytes, and one such event would
// break the cap): its event is null, with a warning naming its size.
func (s *Server) scanEvent(ctx context.Context, row *sql.Rows, e *Event, raw *[]byte, maxBody int64) error {
	var warnings string
	var headers sql.NullString
	var first sql.RawBytes // the driver's bytes until the next row: not copied
	var size sql.NullInt64
	if err := row.Scan(&e.ID, &e.Vendor, &e.Kind, &e.Session, &e.ReceivedAt, &e.Verdict, &warnings, &e.Duplicates,
		&e.Source, &headers, &first, &size); err != nil {
		return err
	}
	e.Warnings = []string{}
	if err := json.Unmarshal([]byte(warnings), &e.Warnings); err != nil {
		return fmt.Errorf("event %d: warnings: %w", e.ID, err)
	}
	if size.Int64 > maxBody {
		e.Event = json.RawMessage("null")
		e.Warnings = append(e.Warnings, fmt.Sprintf("event: not shown in lists: its body is %d bytes (GET /events/%d shows it)", size.Int64, e.ID))
		return nil
	}
	body := []byte(first)
	if size.Valid {
		var err error
		if body, err = s.wholeBody(ctx, e.ID, first, size.Int64); err != nil {
			return err
		}
	}
	ev, err := deriveEvent(e.Vendor, e.Kind, []byte(headers.String), body)
	if err != nil {
		e.Event = json.RawMessage("null")
		e.Warnings = append(e.Warnings, "event: "+err.Error())
	} else {
		e.Event = validUTF8(ev)
	}
	if raw != nil {
		*raw = body
	}
	return nil
}

// validUTF8 returns the event JSON js with every byte that is not part of
// valid UTF-8 read as Latin-1 (each byte its own code point), the vendor
// packages' rule for text, so that the answer is valid UTF-8 JSON even for
// an event stored before the decoders applied it (an Unknown kept a raw
// message verbatim). Outside strings JSON is ASCII, so only string contents
// change.
func validUTF8(js []byte) []byte {
	if utf8.Valid(js) {
		return js
	}
	b := make([]byte, 0, len(js)+8)
	for i := 0; i < len(js); {
		r, n := utf8.DecodeRune(js[i:])
		if r == utf8.RuneError && n == 1 {
			r = rune(js[i])
		}
		b = utf8.AppendRune(b, r)
		i += n
	}
	return b
}

func (s *Server) internalError(w http.ResponseWriter, r *http.Request, err error) {
	s.log.ErrorContext(r.Context(), "query failed", "path", r.URL.Path, "error", err)
	writeError(w, http.StatusInternalServerError, "internal error")
}

// writeJSON answers v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := marshalJSON(v)
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
