package server_test

import (
	"bufio"
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/eeg/eegtest"
	"github.com/vendorhooks/vendorhooks/examples/receiver/server"
	"github.com/vendorhooks/vendorhooks/labvanced/labvancedtest"
	"github.com/vendorhooks/vendorhooks/sleep/sleeptest"
	"github.com/vendorhooks/vendorhooks/wms"
	"github.com/vendorhooks/vendorhooks/wms/wmstest"
)

// scrape fetches /metrics with the admin token and returns each sample by
// its series ("name{label="value",...}", labels in the order the client
// writes them: sorted by name).
func (e *env) scrape(t *testing.T) map[string]float64 {
	t.Helper()
	resp, err := e.srv.Client().Get(e.srv.URL + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("Content-Type"), "text/plain")
	samples := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		require.Positive(t, i, line)
		v, err := strconv.ParseFloat(line[i+1:], 64)
		require.NoError(t, err, line)
		samples[line[:i]] = v
	}
	require.NoError(t, sc.Err())
	return samples
}

func deliveries(vendor, outcome string) string {
	return `vendorhooks_deliveries_total{outcome="` + outcome + `",vendor="` + vendor + `"}`
}

// TestMetricsMatchStoredRows sends a mixed run (stored, duplicate, with
// warnings, malformed, unauthorized, too large, unsupported encoding, a bad
// source name, a CORS preflight, and one failed write after the store is
// closed) and checks the counters against the stored rows and the
// requests sent.
func TestMetricsMatchStoredRows(t *testing.T) { server.ForBackends(t, testMetricsMatchStoredRows) }

func testMetricsMatchStoredRows(t *testing.T) {
	e := newEnv(t)
	sleepBody := readInput(t, "sleep", "session_complete_v3")
	eegBody := readInput(t, "eeg", "real-bandpower")
	withUnknown := trial("300", 5, 1, map[string]any{"rt": "400"})
	withUnknown["newField"] = "drift"
	gz := eegtest.NewRequest(e.srv.URL+"/eeg/", eegBody)
	gz.Header.Set("Content-Encoding", "br")
	requests := map[string]int{}
	for _, c := range []struct {
		vendor string
		req    *http.Request
		want   int
	}{
		{"sleep", sleeptest.NewRequest(e.srv.URL+"/sleep/", sleepBody, sleepKey), http.StatusOK},
		{"sleep", sleeptest.NewRequest(e.srv.URL+"/sleep/", sleepBody, sleepKey), http.StatusOK}, // a retry
		{"sleep", sleeptest.NewRequest(e.srv.URL+"/sleep/app-2/", sleepBody, sleepKey), http.StatusOK},
		{"sleep", sleeptest.NewRequest(e.srv.URL+"/sleep/", []byte(`{"event":`), sleepKey), http.StatusBadRequest},
		{"sleep", sleeptest.NewRequest(e.srv.URL+"/sleep/", sleepBody, "wrong"), http.StatusUnauthorized},
		{"wms", wmstest.NewRequest(e.srv.URL+"/wms/", wmstest.Body(wmstest.Event(wms.CodeWMSLoaded, 0)), "wrong"), http.StatusUnauthorized},
		{"wms", wmstest.NewRequest(e.srv.URL+"/wms/", wmstest.Body(wmstest.Event(wms.CodeWMSLoaded, 0)), wmsSecret), http.StatusOK},
		{"wms", wmstest.NewRequest(e.srv.URL+"/wms/a!b/", wmstest.Body(wmstest.Event(wms.CodeWMSLoaded, 1)), wmsSecret), http.StatusNotFound},
		{"eeg", eegtest.NewRequest(e.srv.URL+"/", eegBody), http.StatusOK},
		{"eeg", eegtest.NewRequest(e.srv.URL+"/eeg/", bytes.Repeat([]byte(" "), 1<<20+1)), http.StatusRequestEntityTooLarge},
		{"eeg", gz, http.StatusUnsupportedMediaType},
		{"labvanced", labvancedtest.NewJSONRequest(e.srv.URL+"/labvanced/recordTrial", withUnknown), http.StatusOK},
		{"labvanced", labvancedtest.NewPreflight(e.srv.URL+"/labvanced/recordTrial", labvancedtest.Origin), http.StatusNoContent},
	} {
		status, answer := e.do(t, c.req)
		require.Equal(t, c.want, status, "%s %s: %s", c.vendor, c.req.URL.Path, answer)
		requests[c.vendor]++
	}

	stored := map[string]float64{}
	dups := map[string]float64{}
	warnings := map[string]float64{}
	for _, ev := range e.events(t, "") {
		stored[ev.Vendor]++
		dups[ev.Vendor] += float64(ev.Duplicates)
		warnings[ev.Vendor] += float64(len(ev.Warnings))
	}
	require.Positive(t, warnings["labvanced"], "the unknown member is a warning")

	// A write the store cannot commit is a failure (and the sender's 500).
	require.NoError(t, e.s.Close())
	status, _ := e.do(t, eegtest.NewRequest(e.srv.URL+"/eeg/", eegBody))
	require.Equal(t, http.StatusInternalServerError, status)
	requests["eeg"]++

	m := e.scrape(t)
	for _, vendor := range []string{"eeg", "sleep", "labvanced", "wms", "signage"} {
		assert.Equal(t, stored[vendor], m[deliveries(vendor, "stored")], "%s stored", vendor)
		assert.Equal(t, dups[vendor], m[deliveries(vendor, "duplicate")], "%s duplicate", vendor)
		assert.Equal(t, warnings[vendor], m[`vendorhooks_warnings_total{vendor="`+vendor+`"}`], "%s warnings", vendor)
		assert.Equal(t, float64(requests[vendor]), m[`vendorhooks_request_seconds_count{vendor="`+vendor+`"}`], "%s requests", vendor)
	}
	assert.Equal(t, map[string]float64{"sleep": 2, "eeg": 1, "labvanced": 1, "wms": 1}, stored)
	assert.Equal(t, float64(1), dups["sleep"])
	for series, want := range map[string]float64{
		deliveries("sleep", "malformed"):    1,
		deliveries("sleep", "unauthorized"): 1,
		deliveries("wms", "unauthorized"):   1,
		deliveries("wms", "not_found"):      1,
		deliveries("eeg", "too_large"):      1,
		deliveries("eeg", "unsupported"):    1,
		deliveries("eeg", "failed"):         1,
		deliveries("labvanced", "failed"):   0, // the preflight is no delivery
		deliveries("signage", "stored"):     0, // every series exists before its first count
	} {
		v, ok := m[series]
		assert.True(t, ok, "%s is exported", series)
		assert.Equal(t, want, v, series)
	}
	// Every write that committed is in one batch: stored rows and retries.
	assert.Equal(t, float64(6), m["vendorhooks_commit_batch_size_sum"])
	assert.Equal(t, m["vendorhooks_commit_batch_size_count"], m["vendorhooks_commit_seconds_count"])
	assert.Positive(t, m["vendorhooks_commit_seconds_count"])
	assert.Positive(t, m["go_goroutines"], "the Go runtime collectors")

	resp, err := http.Get(e.srv.URL + "/metrics")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "the token is required")
}
