package server_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/eeg/eegtest"
	"github.com/vendorhooks/vendorhooks/examples/receiver/server"
	"github.com/vendorhooks/vendorhooks/labvanced/labvancedtest"
	"github.com/vendorhooks/vendorhooks/sleep/sleeptest"
	"github.com/vendorhooks/vendorhooks/wms"
	"github.com/vendorhooks/vendorhooks/wms/wmstest"
)

// getCSV fetches target with the admin token and parses it as CSV: every
// row must have as many cells as the header (encoding/csv checks), so the
// file opens as a table.
func (e *env) getCSV(t *testing.T, target string) [][]string {
	t.Helper()
	resp, err := e.srv.Client().Get(e.srv.URL + target)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, target)
	assert.Equal(t, "text/csv; charset=utf-8", resp.Header.Get("Content-Type"))
	rows, err := csv.NewReader(resp.Body).ReadAll()
	require.NoError(t, err, target)
	return rows
}

// trial is a recordTrial payload as the player sends it in JSON.
func trial(session string, task, nr int, data map[string]any) map[string]any {
	return map[string]any{
		"expId": 4711, "expSessionNr": session, "recTaskId": task, "taskId": fmt.Sprintf("task-%d", task),
		"trialNr": nr, "recData": map[string]any{"data": data, "scope": "trial"},
	}
}

// TestExportTrials posts trials of two sessions and two studies, with
// different variables and a value holding a comma, a quote and non-ASCII
// text, and checks the trials CSV cell by cell: all sessions, one
// session, one study.
func TestExportTrials(t *testing.T) { server.ForBackends(t, testExportTrials) }

func testExportTrials(t *testing.T) {
	e := newEnv(t)
	tricky := `said "hi", then left — café ✓`
	for _, c := range []struct {
		path    string
		payload map[string]any
	}{
		{"/labvanced/recordTrial", trial("100", 7, 1, map[string]any{"word": "GREEN", "rt": "512"})},
		{"/labvanced/recordTrial", trial("100", 7, 2, map[string]any{"rt": "480", "note": tricky, "clicks": []string{"120", "305"}})},
		{"/labvanced/study-b/recordTrial", trial("200", 9, 1, map[string]any{"word": "RED", "empty": nil})},
		{"/labvanced/startExpPlayer", labvancedtest.Payload("startExpPlayer")}, // not a trial
	} {
		status, answer := e.do(t, labvancedtest.NewJSONRequest(e.srv.URL+c.path, c.payload))
		require.Equal(t, http.StatusOK, status, answer)
	}
	received := map[string]string{} // by session/trial
	for _, ev := range e.events(t, "kind=recordTrial") {
		var tr struct {
			TrialNr int `json:"trialNr"`
		}
		require.NoError(t, json.Unmarshal(ev.Event, &tr))
		received[fmt.Sprintf("%s/%d", ev.Session, tr.TrialNr)] = ev.ReceivedAt
	}
	require.Len(t, received, 3)

	header := []string{"expSessionNr", "recTaskId", "taskId", "trialNr", "received_at"}
	assert.Equal(t, [][]string{
		append(header, "rt", "word", "clicks", "note", "empty"),
		{"100", "7", "task-7", "1", received["100/1"], "512", "GREEN", "", "", ""},
		{"100", "7", "task-7", "2", received["100/2"], "480", "", `["120","305"]`, tricky, ""},
		{"200", "9", "task-9", "1", received["200/1"], "", "RED", "", "", ""},
	}, e.getCSV(t, "/export/labvanced/trials.csv"))
	assert.Equal(t, [][]string{
		append(header, "rt", "word", "clicks", "note"),
		{"100", "7", "task-7", "1", received["100/1"], "512", "GREEN", "", ""},
		{"100", "7", "task-7", "2", received["100/2"], "480", "", `["120","305"]`, tricky},
	}, e.getCSV(t, "/export/labvanced/trials.csv?session=100"))
	assert.Equal(t, [][]string{
		append(header, "empty", "word"), // first seen in the stored JSON's order
		{"200", "9", "task-9", "1", received["200/1"], "", "RED"},
	}, e.getCSV(t, "/export/labvanced/trials.csv?source=study-b"))
	assert.Equal(t, [][]string{header}, e.getCSV(t, "/export/labvanced/trials.csv?session=nope"))

	// The quoting is RFC 4180's: the cell in quotes, its quotes doubled.
	resp, err := e.srv.Client().Get(e.srv.URL + "/export/labvanced/trials.csv?session=100")
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Contains(t, string(raw), `,"said ""hi"", then left — café ✓"`+"\n")
}

// TestExportBandpower posts a Petal band power message, and one with a
// "bad_data" value on another source, and checks the CSV cell by cell.
func TestExportBandpower(t *testing.T) { server.ForBackends(t, testExportBandpower) }

func testExportBandpower(t *testing.T) {
	e := newEnv(t)
	body := readInput(t, "eeg", "real-bandpower")
	bad := strings.Replace(strings.Replace(string(body), `"id": 1042`, `"id": 1043`, 1),
		`"ch2": {"delta": 1.4022`, `"ch2": {"delta": "bad_data"`, 1)
	for _, c := range []struct{ path, body string }{{"/eeg/", string(body)}, {"/eeg/headset-2/", bad}} {
		status, answer := e.do(t, eegtest.NewRequest(e.srv.URL+c.path, []byte(c.body)))
		require.Equal(t, http.StatusOK, status, answer)
	}
	const at = "2021-10-04T10:38:50.865Z" // unix_ts 1633343930.865
	header := []string{"time", "channel", "delta", "theta", "alpha", "beta"}
	good := [][]string{
		{at, "TP9", "1.5513", "1.0925", "0.8412", "0.3127"},
		{at, "AF7", "1.4022", "0.9831", "0.7712", "0.2954"},
		{at, "AF8", "1.3877", "0.9911", "0.754", "0.2811"},
		{at, "TP10", "1.601", "1.1209", "0.8833", "0.3341"},
	}
	withBad := [][]string{good[0], {at, "AF7", "", "0.9831", "0.7712", "0.2954"}, good[2], good[3]}
	assert.Equal(t, append(append([][]string{header}, good...), withBad...), e.getCSV(t, "/export/eeg/bandpower.csv"))
	assert.Equal(t, append([][]string{header}, withBad...), e.getCSV(t, "/export/eeg/bandpower.csv?source=headset-2"),
		"bad_data is an empty cell")
}

// TestExportEpochsComplete exports the sample SESSION_COMPLETE: one row per
// 30-second epoch from the session's start, with stage, snoring and breath
// names.
func TestExportEpochsComplete(t *testing.T) { server.ForBackends(t, testExportEpochsComplete) }

func testExportEpochsComplete(t *testing.T) {
	e := newEnv(t)
	status, answer := e.do(t, sleeptest.NewRequest(e.srv.URL+"/sleep/", readInput(t, "sleep", "session_complete_v3"), sleepKey))
	require.Equal(t, http.StatusOK, status, answer)
	rows := e.getCSV(t, "/export/sleep/epochs.csv?session="+sleeptest.SessionID)
	require.Len(t, rows, 21)
	assert.Equal(t, []string{"start", "stage", "snoring", "breath"}, rows[0])
	assert.Equal(t, []string{"2025-01-15T14:00:00Z", "wake", "no snoring", "stable"}, rows[1])
	assert.Equal(t, []string{"2025-01-15T14:02:00Z", "light", "no snoring", "stable"}, rows[5])
	assert.Equal(t, []string{"2025-01-15T14:04:00Z", "light", "snoring", "stable"}, rows[9])
	assert.Equal(t, []string{"2025-01-15T14:05:00Z", "deep", "snoring", "stable"}, rows[11])
	assert.Equal(t, []string{"2025-01-15T14:05:30Z", "deep", "no snoring", "stable"}, rows[12])
	assert.Equal(t, []string{"2025-01-15T14:08:00Z", "REM", "no snoring", "stable"}, rows[17])
	assert.Equal(t, []string{"2025-01-15T14:09:30Z", "wake", "no snoring", "unstable"}, rows[20])

	assert.Len(t, e.getCSV(t, "/export/sleep/epochs.csv?session=nope"), 1, "a session with no report: the header only")
	resp, err := e.srv.Client().Get(e.srv.URL + "/export/sleep/epochs.csv")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "session is required")
}

// TestExportEpochsStitched exports a session that has only
// INFERENCE_COMPLETE windows: 0 and 2 (10 epochs each) and a repeat of 0
// with other stages. Window 1 is missing (no data), the newer window 0
// wins, and the start is the newest window's receipt less 30 epochs.
func TestExportEpochsStitched(t *testing.T) { server.ForBackends(t, testExportEpochsStitched) }

func testExportEpochsStitched(t *testing.T) {
	e := newEnv(t)
	window := func(seq, stage int) []byte {
		stages := make([]int, 10)
		snoring := make([]int, 10)
		for i := range stages {
			stages[i] = stage
		}
		snoring[9] = 1
		b, err := json.Marshal(map[string]any{"event": "INFERENCE_COMPLETE", "version": "V3", "data": map[string]any{
			"user_id": sleeptest.UserID, "session_id": "night-1", "seq_num": seq * 5, "inference_seq_num": seq,
			"sleep_stages": stages, "snoring_stages": snoring,
		}})
		require.NoError(t, err)
		return b
	}
	for _, b := range [][]byte{window(0, 1), window(2, 2), window(0, 3)} {
		status, answer := e.do(t, sleeptest.NewRequest(e.srv.URL+"/sleep/", b, sleepKey))
		require.Equal(t, http.StatusOK, status, answer)
	}
	evs := e.events(t, "session=night-1")
	require.Len(t, evs, 3)
	newest, err := time.Parse(time.RFC3339Nano, evs[1].ReceivedAt) // window 2
	require.NoError(t, err)
	start := newest.Add(-30 * 30 * time.Second)
	rows := e.getCSV(t, "/export/sleep/epochs.csv?session=night-1")
	require.Len(t, rows, 31)
	for i, row := range rows[1:] {
		want := []string{start.Add(time.Duration(i) * 30 * time.Second).UTC().Format(time.RFC3339), "", "no snoring", ""}
		switch {
		case i < 10:
			want[1] = "REM" // window 0's repeat
		case i < 20:
			want[1], want[2] = "no data", ""
		default:
			want[1] = "deep"
		}
		if i == 9 || i == 29 {
			want[2] = "snoring"
		}
		assert.Equal(t, want, row, "epoch %d", i)
	}
}

// TestExportWMS exports a WMS session with a gap, on two configs: one row per
// event with its verdict and payload JSON, the other config's left out when
// source= names one.
func TestExportWMS(t *testing.T) { server.ForBackends(t, testExportWMS) }

func testExportWMS(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		path string
		ev   wms.Event
	}{
		{"/wms/", wmstest.Event(wms.CodeWMSLoaded, 0)},
		{"/wms/", wmstest.Event(wms.CodeIntermediateResults, 1)},
		{"/wms/", wmstest.Event(wms.CodeLowSNR, 3)},
		{"/wms/other/", wmstest.Event(wms.CodeWMSLoaded, 0)},
	} {
		status, answer := e.do(t, wmstest.NewRequest(e.srv.URL+c.path, wmstest.Body(c.ev), wmsSecret))
		require.Equal(t, http.StatusOK, status, answer)
	}
	ts := func(seq int64) string { return time.Unix(1689684577+seq, 0).UTC().Format(time.RFC3339) }
	header := []string{"time", "sequence", "code", "severity", "verdict", "payload"}
	other := []string{ts(0), "0", "WMS_LOADED", "INFO", "in order", ""}
	assert.Equal(t, [][]string{
		header,
		{ts(0), "0", "WMS_LOADED", "INFO", "in order", ""},
		{ts(1), "1", "INTERMEDIATE_RESULTS", string(wms.CodeIntermediateResults.Severity()), "in order",
			`{"measurementId":"fbfbec8f-cb05-4288-99e5-5e219648399a","snr":100,"sequence":1}`},
		{ts(3), "3", "LOW_SNR", string(wms.CodeLowSNR.Severity()), "gap (missing 2..2)", `{"details":"LOW_SNR"}`},
		other,
	}, e.getCSV(t, "/export/wms/events.csv?session="+wmstest.SessionID))
	assert.Equal(t, [][]string{header, other}, e.getCSV(t, "/export/wms/events.csv?source=other&session="+wmstest.SessionID))
}

// TestExportsNeedToken checks that every export answers 401 without the
// admin token.
func TestExportsNeedToken(t *testing.T) { server.ForBackends(t, testExportsNeedToken) }

func testExportsNeedToken(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{
		"/export/labvanced/trials.csv", "/export/eeg/bandpower.csv",
		"/export/sleep/epochs.csv?session=s", "/export/wms/events.csv?session=s",
	} {
		resp, err := http.Get(e.srv.URL + path)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, path)
	}
}
