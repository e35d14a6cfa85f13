package server

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vendorhooks/vendorhooks/eeg"
	"github.com/vendorhooks/vendorhooks/sleep"
)

// The exports are CSV files (UTF-8, RFC 4180 quoting by encoding/csv, a
// header row first) streamed from the store: rows are written as the query
// yields them, so an answer's size is not bounded by memory. Every export
// needs the admin token and takes ?source= (a source's rows only; absent or
// empty, every source's). Times are RFC 3339 in UTC. A query that fails
// before the header is answered 500; one that fails later ends the answer
// early (the log says why), which a reader sees as a file cut short.
//
//	GET /export/labvanced/trials.csv?session=&source=
//	GET /export/eeg/bandpower.csv?source=
//	GET /export/sleep/epochs.csv?session=&source=  (session required)
//	GET /export/wms/events.csv?session=&source=    (session required)
func (s *Server) mountExports(mux *http.ServeMux) {
	for path, h := range map[string]func(http.ResponseWriter, *http.Request){
		"GET /export/labvanced/trials.csv": s.exportTrials,
		"GET /export/eeg/bandpower.csv":    s.exportBandpower,
		"GET /export/sleep/epochs.csv":     s.exportEpochs,
		"GET /export/wms/events.csv":       s.exportWMS,
	} {
		mux.Handle(path, s.requireToken(http.HandlerFunc(h)))
	}
}

// exportQuery is the stored events an export reads: one vendor's kinds
// (nil: all), filtered by the request's session and source, oldest first.
type exportQuery struct {
	vendor  string
	kinds   []string
	session string // "" for every session
	source  string // "" for every source
	maxID   int64  // > 0: rows up to this id only
}

// exportRow is one stored event as an export reads it.
type exportRow struct {
	ID       int64
	Kind     string
	Received string // received_at, RFC 3339 in UTC
	Verdict  string
	Event    []byte // the event's JSON, derived from the raw body (deriveEvent)
}

// eachRow calls fn with each row of q, streaming: the row's bytes are valid
// until fn returns. It stops at fn's first error.
func (s *Server) eachRow(ctx context.Context, q exportQuery, fn func(*exportRow) error) error {
	where := []string{"vendor = ?"}
	args := []any{q.vendor}
	if len(q.kinds) > 0 {
		where = append(where, "kind IN (?"+strings.Repeat(", ?", len(q.kinds)-1)+")")
		for _, k := range q.kinds {
			args = append(args, k)
		}
	}
	if q.session != "" {
		where, args = append(where, eq("session", q.session)), append(args, q.session)
	}
	if q.source != "" {
		where, args = append(where, eq("source", q.source)), append(args, q.source)
	}
	if q.maxID > 0 {
		where, args = append(where, "id <= ?"), append(args, q.maxID)
	}
	rows, err := s.db.QueryContext(ctx, "SELECT id, kind, received_at, verdict, headers, raw, raw_size FROM events WHERE "+
		strings.Join(where, " AND ")+" ORDER BY id", args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var r exportRow
	var headers sql.NullString
	var raw sql.RawBytes
	var size sql.NullInt64
	for rows.Next() {
		if err := rows.Scan(&r.ID, &r.Kind, &r.Received, &r.Verdict, &headers, &raw, &size); err != nil {
			return err
		}
		if size.Valid {
			if raw, err = s.wholeBody(ctx, r.ID, raw, size.Int64); err != nil {
				return err
			}
		}
		r.Event, _ = deriveEvent(q.vendor, r.Kind, []byte(headers.String), raw) // nil for a row the library refuses
		if err := fn(&r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// csvExport is one export's answer being written.
type csvExport struct {
	s   *Server
	w   http.ResponseWriter
	r   *http.Request
	csv *csv.Writer
	n   int // rows written since the last flush
}

// startCSV answers 200 with a CSV file called name and its header row.
func (s *Server) startCSV(w http.ResponseWriter, r *http.Request, name string, header []string) *csvExport {
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	e := &csvExport{s: s, w: w, r: r, csv: csv.NewWriter(w)}
	e.write(header)
	return e
}

// write writes one row; every 256 rows it flushes, so a long export reaches
// the reader as it is made.
func (e *csvExport) write(row []string) {
	_ = e.csv.Write(row) // a failed write shows in Error at the next flush
	if e.n++; e.n >= 256 {
		e.flush()
	}
}

func (e *csvExport) flush() {
	e.csv.Flush()
	e.n = 0
	_ = http.NewResponseController(e.w).Flush()
}

// end flushes the rest and logs err (the reason the rows stop, if any).
func (e *csvExport) end(err error) {
	e.flush()
	if err == nil {
		err = e.csv.Error()
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		e.s.log.ErrorContext(e.r.Context(), "export cut short", "path", e.r.URL.Path, "error", err)
	}
}

// requireSession reads the session parameter an export needs; false means
// the request was answered 400.
func requireSession(w http.ResponseWriter, r *http.Request) (string, bool) {
	session := r.URL.Query().Get("session")
	if session == "" {
		writeError(w, http.StatusBadRequest, "session: required")
	}
	return session, session != ""
}

// trialFixed are the trials export's first columns, in order.
var trialFixed = []string{"expSessionNr", "recTaskId", "taskId", "trialNr", "received_at"}

// storedTrial is what the trials export reads of a stored recordTrial.
type storedTrial struct {
	ExpSessionNr string                         `json:"expSessionNr"`
	RecTaskID    json.Number                    `json:"recTaskId"`
	TaskID       string                         `json:"taskId"`
	TrialNr      json.Number                    `json:"trialNr"`
	RecData      struct{ Data json.RawMessage } `json:"recData"`
}

// exportTrials answers GET /export/labvanced/trials.csv: one row per stored
// recordTrial (session=, an expSessionNr, for one session's), with the
// columns trialFixed, then one per recData.data variable, the union over
// the rows in the order first seen. A variable's cell is its text when it
// is a string, empty when null or absent, and its JSON otherwise (an array
// of clicks). It reads the rows twice, first for the columns, then to write
// them, up to the last row the first pass saw; only the column names are
// kept in memory.
func (s *Server) exportTrials(w http.ResponseWriter, r *http.Request) {
	q := exportQuery{vendor: "labvanced", kinds: []string{"recordTrial"},
		session: r.URL.Query().Get("session"), source: r.URL.Query().Get("source")}
	var columns []string
	index := map[string]int{}
	err := s.eachRow(r.Context(), q, func(row *exportRow) error {
		q.maxID = row.ID
		var t storedTrial
		if json.Unmarshal(row.Event, &t) != nil {
			return nil // not a trial this export can read: no columns
		}
		return eachMember(t.RecData.Data, func(name string, _ json.RawMessage) {
			if _, ok := index[name]; !ok {
				index[name] = len(columns)
				columns = append(columns, name)
			}
		})
	})
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	e := s.startCSV(w, r, "trials.csv", append(slices.Clone(trialFixed), columns...))
	if q.maxID == 0 {
		e.end(nil)
		return
	}
	row := make([]string, len(trialFixed)+len(columns))
	err = s.eachRow(r.Context(), q, func(stored *exportRow) error {
		clear(row)
		var t storedTrial
		if json.Unmarshal(stored.Event, &t) == nil {
			row[0], row[1], row[2], row[3] = t.ExpSessionNr, t.RecTaskID.String(), t.TaskID, t.TrialNr.String()
			_ = eachMember(t.RecData.Data, func(name string, v json.RawMessage) {
				if i, ok := index[name]; ok {
					row[len(trialFixed)+i] = cell(v)
				}
			})
		}
		row[4] = stored.Received
		e.write(row)
		return nil
	})
	e.end(err)
}

// eachMember calls fn with each member of the JSON object obj, in order.
// Anything but an object (null, absent) has none.
func eachMember(obj json.RawMessage, fn func(name string, v json.RawMessage)) error {
	dec := json.NewDecoder(bytes.NewReader(obj))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("recData.data: %w", err)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return fmt.Errorf("recData.data: %w", err)
		}
		fn(tok.(string), v)
	}
	return nil
}

// cell is the CSV text of the JSON value v: a string's text, empty for
// null, the JSON itself for anything else.
func cell(v json.RawMessage) string {
	if len(v) > 0 && v[0] == '"' {
		var s string
		if json.Unmarshal(v, &s) == nil {
			return s
		}
	}
	if string(v) == "null" {
		return ""
	}
	return string(v)
}

// exportBandpower answers GET /export/eeg/bandpower.csv: one row per
// channel of each stored bandpower message, with its unix_ts as the time
// (RFC 3339) and the four band powers, a "bad_data" value as an empty cell.
// The Aux channel is written when the message has it.
func (s *Server) exportBandpower(w http.ResponseWriter, r *http.Request) {
	q := exportQuery{vendor: "eeg", kinds: []string{eeg.KindBandpower}, source: r.URL.Query().Get("source")}
	e := s.startCSV(w, r, "bandpower.csv", []string{"time", "channel", "delta", "theta", "alpha", "beta"})
	err := s.eachRow(r.Context(), q, func(row *exportRow) error {
		ev, err := eeg.Decode(row.Event)
		bp, ok := ev.(*eeg.Bandpower)
		if err != nil || !ok {
			return nil
		}
		t := ""
		if !bp.Time.IsZero() {
			t = bp.Time.UTC().Format(time.RFC3339Nano)
		}
		p := bp.Power
		for _, c := range []struct {
			name string
			b    *eeg.Bands
		}{{"TP9", &p.TP9}, {"AF7", &p.AF7}, {"AF8", &p.AF8}, {"TP10", &p.TP10}, {"Aux", p.Aux}} {
			if c.b == nil {
				continue
			}
			e.write([]string{t, c.name, eegCell(c.b.Delta), eegCell(c.b.Theta), eegCell(c.b.Alpha), eegCell(c.b.Beta)})
		}
		return nil
	})
	e.end(err)
}

// eegCell is a band power's text, empty for bad_data.
func eegCell(v eeg.Value) string {
	f, ok := v.Float()
	if !ok {
		return ""
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// storedSleep is what the epochs export reads of a stored Asleep event.
type storedSleep struct {
	InferenceSeqNum int                  `json:"inference_seq_num"`
	SleepStages     []sleep.SleepStage   `json:"sleep_stages"`
	SnoringStages   []sleep.SnoringStage `json:"snoring_stages"`
	BreathStages    []sleep.BreathStage  `json:"breath_stages"`
	Session         *struct {
		Start         time.Time            `json:"start_time"`
		SleepStages   []sleep.SleepStage   `json:"sleep_stages"`
		SnoringStages []sleep.SnoringStage `json:"snoring_stages"`
		BreathStages  []sleep.BreathStage  `json:"breath_stages"`
	} `json:"session"`
}

// epochsPerWindow is the step of INFERENCE_COMPLETE's inference_seq_num:
// 5 minutes of 30-second epochs.
const epochsPerWindow = int(5 * time.Minute / sleep.EpochDuration)

// exportEpochs answers GET /export/sleep/epochs.csv?session=: one row per
// 30-second epoch of the session, with its start, its stage's name
// ("wake", "light", "deep", "REM", "no data"), snoring ("snoring", "no
// snoring") and breath ("stable", "unstable"), empty where the report has
// no such list.
//
// The stages are the newest SESSION_COMPLETE's, laid out from its session
// start. Without one, they are stitched from the session's
// INFERENCE_COMPLETE windows: the window numbered n (inference_seq_num)
// ends at epoch 10(n+1), a newer window overwrites the epochs it shares
// with an older one, and epochs no window covers are "no data". A window
// has no start time, so the session's start is then taken as the receipt
// of its newest window less the epochs before that window's end: an
// estimate, good to the vendor's delay in posting. This export keeps one
// session's stage lists in memory (a night is about 1,000 epochs).
func (s *Server) exportEpochs(w http.ResponseWriter, r *http.Request) {
	session, ok := requireSession(w, r)
	if !ok {
		return
	}
	q := exportQuery{vendor: "sleep", kinds: []string{sleep.KindSessionComplete, sleep.KindInferenceComplete},
		session: session, source: r.URL.Query().Get("source")}
	var (
		start           time.Time
		stages          []sleep.SleepStage
		snoring         []sleep.SnoringStage
		breath          []sleep.BreathStage
		complete        bool
		newestReceived  time.Time
		newestWindowEnd int
	)
	err := s.eachRow(r.Context(), q, func(row *exportRow) error {
		kind := row.Kind
		var st storedSleep
		if json.Unmarshal(row.Event, &st) != nil {
			return nil
		}
		if kind == sleep.KindSessionComplete && st.Session != nil {
			complete = true
			start, stages, snoring, breath = st.Session.Start, st.Session.SleepStages, st.Session.SnoringStages, st.Session.BreathStages
			return nil
		}
		if complete || kind != sleep.KindInferenceComplete || st.InferenceSeqNum < 0 {
			return nil
		}
		end := (st.InferenceSeqNum + 1) * epochsPerWindow
		from := end - len(st.SleepStages)
		stages = place(stages, st.SleepStages, from, sleep.StageNoData)
		snoring = place(snoring, st.SnoringStages, end-len(st.SnoringStages), -1)
		breath = place(breath, st.BreathStages, end-len(st.BreathStages), -1)
		if t, err := time.Parse(timeFormat, row.Received); err == nil && end >= newestWindowEnd {
			newestReceived, newestWindowEnd = t, end
		}
		return nil
	})
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	if !complete && newestWindowEnd > 0 {
		start = newestReceived.Add(-time.Duration(newestWindowEnd) * sleep.EpochDuration)
	}
	e := s.startCSV(w, r, "epochs.csv", []string{"start", "stage", "snoring", "breath"})
	for i, st := range stages {
		row := []string{start.Add(time.Duration(i) * sleep.EpochDuration).UTC().Format(time.RFC3339), st.String(), "", ""}
		if i < len(snoring) && snoring[i] >= 0 {
			row[2] = snoring[i].String()
		}
		if i < len(breath) && breath[i] >= 0 {
			row[3] = breath[i].String()
		}
		e.write(row)
	}
	e.end(nil)
}

// place writes window into list from epoch from on (a negative from drops
// the window's first values), growing list with fill.
func place[T any](list, window []T, from int, fill T) []T {
	for i, v := range window {
		at := from + i
		if at < 0 {
			continue
		}
		for len(list) <= at {
			list = append(list, fill)
		}
		list[at] = v
	}
	return list
}

// storedWMS is what the WMS export reads of a stored event.
type storedWMS struct {
	Timestamp *int64          `json:"timestamp"`
	Sequence  int64           `json:"sequence"`
	Event     string          `json:"event"`
	Severity  string          `json:"severity"`
	Payload   json.RawMessage `json:"payload"`
}

// exportWMS answers GET /export/wms/events.csv?session=: one row per stored
// event of the WMS session, oldest first: its time (RFC 3339, empty without
// a timestamp), sequence number, code, severity, the tracker's verdict as
// stored, and its payload as JSON (empty without one).
func (s *Server) exportWMS(w http.ResponseWriter, r *http.Request) {
	session, ok := requireSession(w, r)
	if !ok {
		return
	}
	q := exportQuery{vendor: "wms", session: session, source: r.URL.Query().Get("source")}
	e := s.startCSV(w, r, "events.csv", []string{"time", "sequence", "code", "severity", "verdict", "payload"})
	err := s.eachRow(r.Context(), q, func(row *exportRow) error {
		var ev storedWMS
		if json.Unmarshal(row.Event, &ev) != nil {
			return nil
		}
		t := ""
		if ev.Timestamp != nil {
			t = time.Unix(*ev.Timestamp, 0).UTC().Format(time.RFC3339)
		}
		var payload bytes.Buffer
		if len(ev.Payload) > 0 && string(ev.Payload) != "null" {
			_ = json.Compact(&payload, ev.Payload)
		}
		e.write([]string{t, strconv.FormatInt(ev.Sequence, 10), ev.Event, ev.Severity, row.Verdict, payload.String()})
		return nil
	})
	e.end(err)
}
