package server

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"math"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The data of each dashboard view, read from the store with bounded
// queries.

// viewSource is the ?source= a view is filtered by, "" for every source.
func viewSource(r *http.Request) string { return r.URL.Query().Get("source") }

// sourceFilter is the SQL condition (with its args) that keeps the rows of
// source, or "" for none when source is "".
func (s *Server) sourceFilter(source string) (string, []any) {
	if source == "" {
		return "", nil
	}
	return " AND " + eq("source", source), []any{source}
}

// newestRows returns up to limit of the newest events matching where (SQL
// over the events columns, with args), oldest first.
func (s *Server) newestRows(ctx context.Context, where string, limit int, args ...any) ([]Event, error) {
	q := "SELECT " + eventColumns + " FROM events"
	if where != "" {
		q += " WHERE " + where
	}
	q = "SELECT * FROM (" + q + " ORDER BY id DESC LIMIT ?) AS newest ORDER BY id ASC"
	rows, err := s.db.QueryContext(ctx, q, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		if err := s.scanEvent(ctx, rows, &e, nil, maxListBytes); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// ---- Overview

type overviewData struct {
	Vendors []vendorSummary
	Drift   []driftRow
	// OriginWarnings counts the stored rows warned "origin not allowed"
	// (Labvanced posts from an origin -cors-origin does not allow).
	OriginWarnings int
	Window         int // rows counted, at most summaryWindow
	Truncated      bool
	// Refusals are the refused deliveries since the receiver started,
	// per vendor (refusalOutcomes' order); RefusalKinds names the columns.
	Refusals     []refusalCounts
	RefusalKinds []string
}

type vendorSummary struct {
	Vendor, Source string
	Today, Total   int64
	Duplicates     int64
	Warned         int64
	Last           string
	LastKind       string
}

type driftRow struct {
	Vendor, Path string
	Count        int
	Example      string
	LastID       int64
}

// warningPath is the path of a stored warning ("PATH (offset N)[ unknown]:
// MSG", see warningText) with array indices folded ("/a/3/b" as "/a/*/b"),
// so that one drift shows as one row, and " unknown" kept: an unknown
// member is the usual sign of a vendor's change. A warning without a path
// is its own group, by its text.
func warningPath(w string) string {
	p := ""
	switch {
	case strings.Contains(w, " (offset "):
		p = w[:strings.Index(w, " (offset ")]
	case strings.HasPrefix(w, "/"):
		if i := strings.IndexAny(w, " :"); i > 0 {
			p = w[:i]
		}
	}
	if p == "" {
		return w
	}
	unknown := strings.Contains(w, ") unknown:") || strings.HasPrefix(w[len(p):], " unknown:")
	p = pointerIndexRE.ReplaceAllString(p, "/*")
	if unknown {
		p += " (unknown member)"
	}
	return p
}

// pointerIndexRE matches an array index in a JSON Pointer.
var pointerIndexRE = regexp.MustCompile(`/\d+\b`)

func (s *Server) overviewData(ctx context.Context, r *http.Request) (any, error) {
	srcWhere, srcArgs := s.sourceFilter(viewSource(r))
	var maxID int64
	if err := s.db.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM events").Scan(&maxID); err != nil {
		return nil, err
	}
	from := max(maxID-summaryWindow, 0)
	today := time.Now().Truncate(24 * time.Hour)
	if y, m, d := time.Now().Date(); true {
		today = time.Date(y, m, d, 0, 0, 0, 0, time.Local)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT vendor, source, COUNT(*), CAST(COALESCE(SUM(CASE WHEN received_at >= ? THEN 1 ELSE 0 END), 0) AS BIGINT),
		CAST(COALESCE(SUM(duplicates), 0) AS BIGINT), CAST(COALESCE(SUM(CASE WHEN warnings != '[]' THEN 1 ELSE 0 END), 0) AS BIGINT), MAX(id)
		FROM events WHERE id > ?`+srcWhere+` GROUP BY vendor, source ORDER BY vendor, source`,
		append([]any{today.UTC().Format(timeFormat), from}, srcArgs...)...)
	if err != nil {
		return nil, err
	}
	out := &overviewData{Window: int(min(maxID, summaryWindow)), Truncated: maxID > summaryWindow,
		Refusals: s.metrics.refusals(), RefusalKinds: refusalOutcomes}
	var lastIDs []int64
	for rows.Next() {
		var v vendorSummary
		var last int64
		if err := rows.Scan(&v.Vendor, &v.Source, &v.Total, &v.Today, &v.Duplicates, &v.Warned, &last); err != nil {
			rows.Close()
			return nil, err
		}
		out.Vendors = append(out.Vendors, v)
		lastIDs = append(lastIDs, last)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i, id := range lastIDs {
		err := s.db.QueryRowContext(ctx, "SELECT received_at, kind FROM events WHERE id = ?", id).
			Scan(&out.Vendors[i].Last, &out.Vendors[i].LastKind)
		if err != nil {
			return nil, err
		}
	}
	// The drift panel: the newest warned rows, grouped by vendor and path.
	warned, err := s.db.QueryContext(ctx, `SELECT id, vendor, warnings FROM events
		WHERE id > ? AND warnings != '[]'`+srcWhere+` ORDER BY id DESC LIMIT ?`,
		append(append([]any{from}, srcArgs...), dashboardRows)...)
	if err != nil {
		return nil, err
	}
	defer warned.Close()
	groups := map[[2]string]*driftRow{}
	for warned.Next() {
		var id int64
		var vendor, ws string
		if err := warned.Scan(&id, &vendor, &ws); err != nil {
			return nil, err
		}
		var list []string
		if json.Unmarshal([]byte(ws), &list) != nil {
			continue
		}
		for _, w := range list {
			if strings.Contains(w, "origin not allowed") {
				out.OriginWarnings++
			}
			k := [2]string{vendor, warningPath(w)}
			g := groups[k]
			if g == nil {
				g = &driftRow{Vendor: vendor, Path: k[1], Example: w, LastID: id}
				groups[k] = g
			}
			g.Count++
		}
	}
	if err := warned.Err(); err != nil {
		return nil, err
	}
	for _, g := range groups {
		out.Drift = append(out.Drift, *g)
	}
	sort.Slice(out.Drift, func(i, j int) bool {
		a, b := out.Drift[i], out.Drift[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.Vendor+a.Path < b.Vendor+b.Path
	})
	return out, nil
}

// ---- Petal

// petalChannels are the electrodes in the vendor's order (ch1..ch4).
var petalChannels = []string{"TP9", "AF7", "AF8", "TP10"}

var petalBands = []string{"delta", "theta", "alpha", "beta"}

type petalData struct {
	Bandpower int // messages drawn
	Artifacts int
	Markers   []petalMarker
	Latest    []petalLatest // the last band power message, per channel
	Chart     petalChart
}

type petalMarker struct {
	ID   int64
	Time float64
	Kind string // "blink" or "eye"
	Text string
}

type petalLatest struct {
	Channel string
	Bands   []*float64
	Quality string
}

// petalChart is what the page's charts draw: times in Unix seconds, then
// per channel per band (bandpower) or per channel (quality, 1 good, 0 bad)
// a series of the same length, null for "bad_data".
type petalChart struct {
	Channels []string       `json:"channels"`
	Bands    []string       `json:"bands"`
	BandT    []float64      `json:"band_t"`
	Band     [][][]*float64 `json:"band"` // [channel][band][i]
	QualityT []float64      `json:"quality_t"`
	Quality  [][]*float64   `json:"quality"` // [channel][i]
	MarkerT  []float64      `json:"marker_t"`
	Blink    []*float64     `json:"blink"`
	Eye      []*float64     `json:"eye"`
}

func (d *petalData) chart() any { return d.Chart }

// eegStored is the part of a stored Petal message the view reads.
type eegStored struct {
	Type string `json:"type"`
	Data struct {
		UnixTS    *float64                  `json:"unix_ts"`
		Bandpower map[string]map[string]any `json:"bandpower"`
		Artifact  map[string]any            `json:"artifact_detect"`
		Blink     map[string]any            `json:"blink"`
		Eye       map[string]any            `json:"eye"`
	} `json:"data"`
}

// measurement is a stored measurement: a number, or nil for "bad_data" and
// anything else.
func measurement(v any) *float64 {
	if f, ok := v.(float64); ok {
		return &f
	}
	return nil
}

func receivedUnix(e Event) float64 {
	t, err := time.Parse(time.RFC3339Nano, e.ReceivedAt)
	if err != nil {
		t, _ = time.Parse(timeFormat, e.ReceivedAt)
	}
	return float64(t.UnixNano()) / 1e9
}

// streamGap is the pause between two Petal messages (by their unix_ts)
// that ends a stream.
const streamGap = 5 * time.Minute

// eegMessage is a stored Petal message with its time.
type eegMessage struct {
	id int64
	m  eegStored
	t  float64 // data.unix_ts, or the time received when it has none
}

// currentStream returns the messages of evs in time order after the last
// pause longer than streamGap: the headset's current stream, so that a
// chart's time axis is not stretched over the days between two streams.
func currentStream(evs []Event) []eegMessage {
	var out []eegMessage
	for _, e := range evs {
		var m eegStored
		if json.Unmarshal(e.Event, &m) != nil {
			continue
		}
		t := receivedUnix(e)
		if m.Data.UnixTS != nil && *m.Data.UnixTS > 0 {
			t = *m.Data.UnixTS
		}
		out = append(out, eegMessage{e.ID, m, t})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].t < out[j].t })
	for i := len(out) - 1; i > 0; i-- {
		if out[i].t-out[i-1].t > streamGap.Seconds() {
			return out[i:]
		}
	}
	return out
}

func (s *Server) petalData(ctx context.Context, r *http.Request) (any, error) {
	srcWhere, srcArgs := s.sourceFilter(viewSource(r))
	evs, err := s.newestRows(ctx, "vendor = 'eeg' AND kind IN ('bandpower', 'artifact-detect', 'blink', 'eye')"+srcWhere, dashboardRows, srcArgs...)
	if err != nil {
		return nil, err
	}
	msgs := currentStream(evs)
	d := &petalData{Chart: petalChart{Channels: petalChannels, Bands: petalBands,
		Band: make([][][]*float64, 4), Quality: make([][]*float64, 4)}}
	for c := range 4 {
		d.Chart.Band[c] = make([][]*float64, 4)
	}
	for _, msg := range msgs {
		m, t := msg.m, msg.t
		switch m.Type {
		case "bandpower":
			if len(m.Data.Bandpower) == 0 {
				continue
			}
			d.Bandpower++
			d.Chart.BandT = append(d.Chart.BandT, t)
			d.Latest = d.Latest[:0]
			for c := range 4 {
				ch := m.Data.Bandpower["ch"+strconv.Itoa(c+1)]
				l := petalLatest{Channel: petalChannels[c]}
				for b, band := range petalBands {
					v := measurement(ch[band])
					d.Chart.Band[c][b] = append(d.Chart.Band[c][b], v)
					l.Bands = append(l.Bands, v)
				}
				d.Latest = append(d.Latest, l)
			}
		case "artifact-detect":
			if len(m.Data.Artifact) == 0 {
				continue
			}
			d.Artifacts++
			d.Chart.QualityT = append(d.Chart.QualityT, t)
			for c := range 4 {
				d.Chart.Quality[c] = append(d.Chart.Quality[c], measurement(m.Data.Artifact["ch"+strconv.Itoa(c+1)]))
			}
		case "blink", "eye":
			var v *float64
			if m.Type == "blink" {
				v = measurement(m.Data.Blink["blink"])
			} else {
				v = measurement(m.Data.Eye["eye"])
			}
			var blink, eye *float64
			if m.Type == "blink" {
				blink = v
			} else {
				eye = v
			}
			d.Chart.MarkerT = append(d.Chart.MarkerT, t)
			d.Chart.Blink = append(d.Chart.Blink, blink)
			d.Chart.Eye = append(d.Chart.Eye, eye)
			if v != nil && *v != 0 {
				d.Markers = append(d.Markers, petalMarker{ID: msg.id, Time: t, Kind: m.Type, Text: strconv.FormatFloat(*v, 'g', -1, 64)})
			}
		}
	}
	// The quality of each channel, from the last artifact message.
	if n := len(d.Chart.QualityT); n > 0 {
		for c := range d.Latest {
			q := d.Chart.Quality[c][n-1]
			switch {
			case q == nil:
				d.Latest[c].Quality = "bad_data"
			case *q == 1:
				d.Latest[c].Quality = "good"
			default:
				d.Latest[c].Quality = "artifact"
			}
		}
	}
	if len(d.Markers) > 50 {
		d.Markers = d.Markers[len(d.Markers)-50:]
	}
	slices.Reverse(d.Markers)
	return d, nil
}

// ---- Asleep

// Sleep stages as stored (sleep.SleepStage) and as the hypnogram draws
// them, deep at the bottom, wake at the top, no data below all.
var hypnoLevel = map[int]int{-1: 0, 2: 1, 1: 2, 3: 3, 0: 4}

type asleepData struct {
	Sessions []sleepSession
}

type sleepSession struct {
	Source  string
	Session string
	From    string // "SESSION_COMPLETE", or "INFERENCE_COMPLETE ×N"
	Start   string
	Epochs  int
	Stats   []statItem
	// Levels are the epochs' hypnogram levels (hypnoLevel), 30 s each.
	Levels []int `json:"levels"`
	Last   string
}

type statItem struct{ Name, Value string }

func (d *asleepData) chart() any {
	type c struct {
		Session string `json:"session"`
		Levels  []int  `json:"levels"`
	}
	out := []c{}
	for _, s := range d.Sessions {
		out = append(out, c{s.Session, s.Levels})
	}
	return out
}

// sourcedSession is a session of one source.
type sourcedSession struct{ Source, Session string }

// newestSessions returns the newest n sessions of vendor (the most recent
// delivery first), among its newest dashboardRows*4 rows, of source only
// when source is not "". A session id is the vendor's or its customer's and
// may repeat across sources, so a session is a (source, session) pair.
func (s *Server) newestSessions(ctx context.Context, vendor, source string, n int) ([]sourcedSession, error) {
	srcWhere, srcArgs := s.sourceFilter(source)
	args := append(append([]any{vendor}, srcArgs...), dashboardRows*4, n)
	rows, err := s.db.QueryContext(ctx, `SELECT source, session FROM (SELECT source, session, id FROM events
		WHERE vendor = ? AND session != ''`+srcWhere+` ORDER BY id DESC LIMIT ?) AS newest GROUP BY source, session ORDER BY MAX(id) DESC LIMIT ?`,
		args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []sourcedSession
	for rows.Next() {
		var v sourcedSession
		if err := rows.Scan(&v.Source, &v.Session); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

type sleepStored struct {
	SleepStages     []int `json:"sleep_stages"`
	InferenceSeqNum *int  `json:"inference_seq_num"`
	Session         *struct {
		StartTime   string `json:"start_time"`
		SleepStages []int  `json:"sleep_stages"`
	} `json:"session"`
	Stat map[string]any `json:"stat"`
}

func (s *Server) asleepData(ctx context.Context, r *http.Request) (any, error) {
	ids, err := s.newestSessions(ctx, "sleep", viewSource(r), dashboardSessions)
	if err != nil {
		return nil, err
	}
	d := &asleepData{}
	for _, id := range ids {
		evs, err := s.newestRows(ctx, eq("session", id.Session)+" AND "+eq("source", id.Source)+" AND vendor = 'sleep' AND kind IN ('SESSION_COMPLETE', 'INFERENCE_COMPLETE')",
			dashboardRows, id.Session, id.Source)
		if err != nil {
			return nil, err
		}
		ss := sleepSession{Source: id.Source, Session: id.Session}
		var complete *sleepStored
		type window struct {
			seq    int
			stages []int
		}
		var windows []window
		for _, e := range evs {
			ss.Last = e.ReceivedAt
			var m sleepStored
			if json.Unmarshal(e.Event, &m) != nil {
				continue
			}
			if e.Kind == "SESSION_COMPLETE" {
				complete = &m
			} else if m.InferenceSeqNum != nil {
				windows = append(windows, window{*m.InferenceSeqNum, m.SleepStages})
			}
		}
		var stages []int
		if complete != nil && complete.Session != nil && len(complete.Session.SleepStages) > 0 {
			stages = complete.Session.SleepStages
			ss.From = "SESSION_COMPLETE"
			ss.Start = complete.Session.StartTime
			ss.Stats = sleepStats(complete.Stat)
		} else {
			// Stitch the windows in their order, a missing one as no data.
			sort.SliceStable(windows, func(i, j int) bool { return windows[i].seq < windows[j].seq })
			next := 0
			for _, w := range windows {
				if w.seq < next {
					continue // a repeat
				}
				for ; next < w.seq; next++ {
					for range 10 { // a window is 5 minutes: 10 epochs
						stages = append(stages, -1)
					}
				}
				stages = append(stages, w.stages...)
				next = w.seq + 1
			}
			ss.From = "INFERENCE_COMPLETE ×" + strconv.Itoa(len(windows))
		}
		ss.Levels = make([]int, len(stages))
		for i, st := range stages {
			l, ok := hypnoLevel[st]
			if !ok {
				l = 0
			}
			ss.Levels[i] = l
		}
		ss.Epochs = len(stages)
		d.Sessions = append(d.Sessions, ss)
	}
	return d, nil
}

// sleepStats picks the summary figures from a stored stat object.
func sleepStats(stat map[string]any) []statItem {
	var out []statItem
	dur := func(k, name string) {
		if f, ok := stat[k].(float64); ok {
			out = append(out, statItem{name, (time.Duration(f) * time.Second).String()})
		}
	}
	if f, ok := stat["sleep_efficiency"].(float64); ok {
		out = append(out, statItem{"efficiency", strconv.FormatFloat(f*100, 'f', 0, 64) + " %"})
	}
	dur("sleep_latency", "sleep latency")
	dur("time_in_bed", "in bed")
	dur("time_in_sleep", "asleep")
	dur("time_in_wake", "wake")
	dur("time_in_light", "light")
	dur("time_in_deep", "deep")
	dur("time_in_rem", "REM")
	if f, ok := stat["sleep_cycle_count"].(float64); ok {
		out = append(out, statItem{"cycles", strconv.FormatFloat(f, 'f', 0, 64)})
	}
	return out
}

// ---- WMS

type wmsData struct {
	Sessions []wmsSession
}

type wmsSession struct {
	Source     string
	Session    string
	Events     []wmsEvent
	Gaps, Late int
	Start, End float64
	Warned     int
}

type wmsEvent struct {
	ID       int64
	Time     float64
	Sequence int64
	Event    string
	Severity string
	Verdict  string
	SNR      *float64
	Pct      float64 // position on the timeline, 0 to 100
}

func (d *wmsData) chart() any {
	type c struct {
		Session string    `json:"session"`
		T       []float64 `json:"t"`
		SNR     []float64 `json:"snr"`
	}
	out := []c{}
	for _, s := range d.Sessions {
		x := c{Session: s.Session, T: []float64{}, SNR: []float64{}}
		for _, e := range s.Events {
			if e.SNR != nil {
				x.T = append(x.T, e.Time)
				x.SNR = append(x.SNR, *e.SNR)
			}
		}
		out = append(out, x)
	}
	return out
}

type wmsStored struct {
	Timestamp *float64 `json:"timestamp"`
	Sequence  int64    `json:"sequence"`
	Event     string   `json:"event"`
	Severity  string   `json:"severity"`
	Payload   struct {
		SNR *float64 `json:"snr"`
	} `json:"payload"`
}

func (s *Server) wmsData(ctx context.Context, r *http.Request) (any, error) {
	ids, err := s.newestSessions(ctx, "wms", viewSource(r), dashboardSessions)
	if err != nil {
		return nil, err
	}
	d := &wmsData{}
	for _, id := range ids {
		evs, err := s.newestRows(ctx, eq("session", id.Session)+" AND "+eq("source", id.Source)+" AND vendor = 'wms'", 2000, id.Session, id.Source)
		if err != nil {
			return nil, err
		}
		ws := wmsSession{Source: id.Source, Session: id.Session}
		for _, e := range evs {
			var m wmsStored
			if json.Unmarshal(e.Event, &m) != nil {
				continue
			}
			t := receivedUnix(e)
			if m.Timestamp != nil && *m.Timestamp > 0 {
				t = *m.Timestamp
				if t > 1e12 { // milliseconds
					t /= 1000
				}
			}
			ev := wmsEvent{ID: e.ID, Time: t, Sequence: m.Sequence, Event: m.Event, Severity: strings.ToUpper(m.Severity), Verdict: e.Verdict, SNR: m.Payload.SNR}
			switch {
			case strings.HasPrefix(e.Verdict, "gap"):
				ws.Gaps++
			case e.Verdict == "late":
				ws.Late++
			}
			if len(e.Warnings) > 0 {
				ws.Warned++
			}
			ws.Events = append(ws.Events, ev)
		}
		sort.SliceStable(ws.Events, func(i, j int) bool { return ws.Events[i].Sequence < ws.Events[j].Sequence })
		if len(ws.Events) > 0 {
			ws.Start, ws.End = ws.Events[0].Time, ws.Events[0].Time
			for _, e := range ws.Events {
				ws.Start, ws.End = min(ws.Start, e.Time), max(ws.End, e.Time)
			}
			for i := range ws.Events {
				if ws.End > ws.Start {
					ws.Events[i].Pct = (ws.Events[i].Time - ws.Start) / (ws.End - ws.Start) * 98
				}
			}
		}
		d.Sessions = append(d.Sessions, ws)
	}
	return d, nil
}

// ---- Labvanced

type labvancedData struct {
	// Studies are the participant sessions grouped by study (the source),
	// the study of the newest session first.
	Studies []lvStudy
	Columns []string // the trial variables, in first-seen order
	Trials  []lvTrial
	Uploads []lvUpload
}

type lvStudy struct {
	Source   string
	Sessions []lvSession
}

type lvSession struct {
	Source, Session string
	Subject         string
	Experiment      string
	FirstSession    bool
	Started         string
	Meta            bool
	Tasks, Trials   int
	Finished        string
	Error           string
	Last            string
	Warned          int
	OriginWarned    bool
}

type lvTrial struct {
	ID         int64
	Session    string
	TaskID     string
	RecTaskID  string
	TrialNr    string
	ReceivedAt string
	Values     []string // one per Columns entry
}

type lvUpload struct {
	GUID, Session, Name string
	Size                int64
	SHA256              string
	ReceivedAt          string
}

type lvStored struct {
	SubjectCode    string `json:"subject_code"`
	ExperimentName string `json:"experiment_name"`
	StartTime      string `json:"start_time"`
	EndTime        string `json:"end_time"`
	TaskID         any    `json:"taskId"`
	RecTaskID      any    `json:"recTaskId"`
	TrialNr        any    `json:"trialNr"`
	RecData        *struct {
		Data json.RawMessage `json:"data"`
	} `json:"recData"`
	ErrMsg any `json:"err_msg"`
}

func cellText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// orderedObject returns the members of a JSON object in their order, the
// values as cell text.
func orderedObject(js []byte) (keys []string, vals map[string]string) {
	vals = map[string]string{}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, vals
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			break
		}
		k, _ := t.(string)
		var v any
		if dec.Decode(&v) != nil {
			break
		}
		if n, ok := v.(json.Number); ok {
			v = n.String()
		}
		if _, seen := vals[k]; !seen {
			keys = append(keys, k)
		}
		vals[k] = cellText(v)
	}
	return keys, vals
}

func (s *Server) labvancedData(ctx context.Context, r *http.Request) (any, error) {
	srcWhere, srcArgs := s.sourceFilter(viewSource(r))
	rows, err := s.db.QueryContext(ctx, `SELECT id, kind, session, source, received_at, headers, raw, raw_size, warnings FROM
		(SELECT * FROM events WHERE vendor = 'labvanced'`+srcWhere+` ORDER BY id DESC LIMIT ?) AS newest ORDER BY id ASC`,
		append(srcArgs, dashboardRows*4)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	d := &labvancedData{}
	bySession := map[[2]string]*lvSession{}
	var order [][2]string
	seenCol := map[string]bool{}
	type trialRaw struct {
		t    lvTrial
		vals map[string]string
	}
	var trials []trialRaw
	for rows.Next() {
		var id int64
		var kind, session, source, at, warnings string
		var headers sql.NullString
		var raw sql.RawBytes
		var size sql.NullInt64
		if err := rows.Scan(&id, &kind, &session, &source, &at, &headers, &raw, &size, &warnings); err != nil {
			return nil, err
		}
		if size.Valid {
			if raw, err = s.wholeBody(ctx, id, raw, size.Int64); err != nil {
				return nil, err
			}
		}
		ev, _ := deriveEvent("labvanced", kind, []byte(headers.String), raw) // a row it refuses shows empty
		k := [2]string{source, session}
		ls := bySession[k]
		if ls == nil {
			ls = &lvSession{Source: source, Session: session}
			bySession[k] = ls
			order = append(order, k)
		}
		ls.Last = at
		if warnings != "[]" {
			ls.Warned++
			if strings.Contains(warnings, "origin not allowed") {
				ls.OriginWarned = true
			}
		}
		var m lvStored
		_ = json.Unmarshal([]byte(ev), &m)
		switch kind {
		case "startFirstPlayerSession", "startExpPlayer":
			ls.FirstSession = true
			ls.Subject, ls.Experiment = m.SubjectCode, m.ExperimentName
		case "setPlayerSessionStartedTime":
			ls.Started = m.StartTime
		case "addMetaInfo":
			ls.Meta = true
		case "recordStartTask":
			ls.Tasks++
		case "recordTrial":
			ls.Trials++
			t := lvTrial{ID: id, Session: session, TaskID: cellText(m.TaskID), RecTaskID: cellText(m.RecTaskID), TrialNr: cellText(m.TrialNr), ReceivedAt: at}
			var vals map[string]string
			if m.RecData != nil {
				var keys []string
				keys, vals = orderedObject(m.RecData.Data)
				for _, k := range keys {
					if !seenCol[k] {
						seenCol[k] = true
						d.Columns = append(d.Columns, k)
					}
				}
			}
			trials = append(trials, trialRaw{t, vals})
		case "finishExpSession":
			ls.Finished = m.EndTime
			if ls.Finished == "" {
				ls.Finished = at
			}
		case "errExpSession":
			ls.Error = cellText(m.ErrMsg)
			if ls.Error == "" {
				ls.Error = "error"
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	study := map[string]int{}              // source: index in d.Studies
	for i := len(order) - 1; i >= 0; i-- { // newest first
		ls := *bySession[order[i]]
		j, ok := study[ls.Source]
		if !ok {
			j = len(d.Studies)
			study[ls.Source] = j
			d.Studies = append(d.Studies, lvStudy{Source: ls.Source})
		}
		d.Studies[j].Sessions = append(d.Studies[j].Sessions, ls)
	}
	if len(trials) > 500 {
		trials = trials[len(trials)-500:]
	}
	for i := len(trials) - 1; i >= 0; i-- {
		t := trials[i].t
		for _, c := range d.Columns {
			t.Values = append(t.Values, trials[i].vals[c])
		}
		d.Trials = append(d.Trials, t)
	}
	upWhere := ""
	if srcWhere != "" {
		upWhere = "WHERE event_id IN (SELECT id FROM events WHERE vendor = 'labvanced'" + srcWhere + ")"
	}
	ups, err := s.db.QueryContext(ctx, `SELECT guid, session, original_name, size, sha256, received_at FROM uploads
		`+upWhere+` ORDER BY received_at DESC LIMIT 200`, srcArgs...)
	if err != nil {
		return nil, err
	}
	defer ups.Close()
	for ups.Next() {
		var u lvUpload
		if err := ups.Scan(&u.GUID, &u.Session, &u.Name, &u.Size, &u.SHA256, &u.ReceivedAt); err != nil {
			return nil, err
		}
		d.Uploads = append(d.Uploads, u)
	}
	return d, ups.Err()
}

// ---- Signage

type signageData struct {
	Triggers []signageRow
}

type signageRow struct {
	ID                  int64
	ReceivedAt, EventID string
	SensorID, Sensor    string
	Value               string
	Extra               string
	Warned              int
}

func (s *Server) signageData(ctx context.Context, r *http.Request) (any, error) {
	srcWhere, srcArgs := s.sourceFilter(viewSource(r))
	evs, err := s.newestRows(ctx, "vendor = 'signage'"+srcWhere, 500, srcArgs...)
	if err != nil {
		return nil, err
	}
	d := &signageData{}
	for i := len(evs) - 1; i >= 0; i-- {
		e := evs[i]
		var m map[string]json.RawMessage
		_ = json.Unmarshal(e.Event, &m)
		r := signageRow{ID: e.ID, ReceivedAt: e.ReceivedAt, Warned: len(e.Warnings)}
		_ = json.Unmarshal(m["event_id"], &r.EventID)
		if sd := m["sensor_data"]; len(sd) > 0 && string(sd) != "null" {
			var sm map[string]any
			_ = json.Unmarshal(sd, &sm)
			r.SensorID, r.Sensor, r.Value = cellText(sm["id"]), cellText(sm["event"]), cellText(sm["value"])
			delete(sm, "id")
			delete(sm, "event")
			delete(sm, "value")
			if len(sm) > 0 {
				b, _ := json.Marshal(sm)
				r.Extra = string(b)
			}
		}
		d.Triggers = append(d.Triggers, r)
	}
	return d, nil
}

// ---- Events

type eventsData struct {
	Filter  eventFilter
	Events  []Event
	Vendors []string
	Limit   int
	// Scanned is set when a text search looked at only the newest
	// textScanRows rows that match the other filters.
	Scanned int
}

type eventFilter struct{ Vendor, Kind, Session, Source, Text string }

// textScanRows bounds a text search: it reads at most this many of the
// newest rows matching the indexed filters.
const textScanRows = 50000

func (s *Server) eventsData(ctx context.Context, r *http.Request) (any, error) {
	q := r.URL.Query()
	f := eventFilter{Vendor: q.Get("vendor"), Kind: q.Get("kind"), Session: q.Get("session"), Source: q.Get("source"), Text: q.Get("q")}
	var where []string
	var args []any
	for _, c := range []struct{ col, v string }{{"vendor", f.Vendor}, {"kind", f.Kind}, {"session", f.Session}} {
		if c.v != "" {
			where = append(where, eq(c.col, c.v))
			args = append(args, c.v)
		}
	}
	if f.Source != "" {
		where = append(where, eq("source", f.Source))
		args = append(args, f.Source)
	}
	d := &eventsData{Filter: f, Vendors: s.Vendors(), Limit: 200}
	var evs []Event
	var err error
	if f.Text == "" {
		evs, err = s.newestRows(ctx, strings.Join(where, " AND "), d.Limit, args...)
	} else {
		inner := "SELECT * FROM events"
		if len(where) > 0 {
			inner += " WHERE " + strings.Join(where, " AND ")
		}
		inner += " ORDER BY id DESC LIMIT ?"
		args = append(args, textScanRows)
		query := "SELECT " + eventColumns + " FROM (" + inner + ") AS newest WHERE " + s.db.textMatch() + " ORDER BY id DESC LIMIT ?"
		args = append(append(args, textArgs(f.Text)...), d.Limit)
		d.Scanned = textScanRows
		rows, qerr := s.db.QueryContext(ctx, query, args...)
		if qerr != nil {
			return nil, qerr
		}
		defer rows.Close()
		for rows.Next() {
			var e Event
			if err := s.scanEvent(ctx, rows, &e, nil, maxListBytes); err != nil {
				return nil, err
			}
			evs = append(evs, e)
		}
		err = rows.Err()
		slices.Reverse(evs)
	}
	if err != nil {
		return nil, err
	}
	slices.Reverse(evs) // newest first
	d.Events = evs
	return d, nil
}

// eventDetailData is one event's page.
type eventDetailData struct {
	Event   Event
	Pretty  string
	Raw     string
	RawNote string
}

func (s *Server) eventDetail(ctx context.Context, id int64) (*eventDetailData, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+eventColumns+" FROM events WHERE id = ?", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return &eventDetailData{}, errNotFound
	}
	var e Event
	var raw []byte
	if err := s.scanEvent(ctx, rows, &e, &raw, math.MaxInt64); err != nil {
		return nil, err
	}
	d := &eventDetailData{Event: e}
	var b bytes.Buffer
	if json.Indent(&b, e.Event, "", "  ") == nil {
		d.Pretty = b.String()
	} else {
		d.Pretty = string(e.Event)
	}
	if utf8.Valid(raw) {
		d.Raw = string(raw)
	} else {
		d.Raw = base64.StdEncoding.EncodeToString(raw)
		d.RawNote = "not UTF-8: shown in base64"
	}
	return d, nil
}
