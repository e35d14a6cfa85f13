package server_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/examples/receiver/server"
	"github.com/vendorhooks/vendorhooks/labvanced/labvancedtest"
	"github.com/vendorhooks/vendorhooks/wms/wmstest"
)

// retryCase is one vendor request that can be sent again.
type retryCase struct {
	vendor, path string
	body         []byte
	header       http.Header
	answer       string // the vendor's 2xx body, for the first request and its retry
}

func retryCases(t *testing.T) []retryCase {
	jsonHeader := http.Header{"Content-Type": {"application/json"}}
	with := func(k, v string) http.Header {
		h := jsonHeader.Clone()
		h.Set(k, v)
		return h
	}
	wmsBody := readInput(t, "wms", "spec-body")
	return []retryCase{
		{"eeg", "/eeg/", readInput(t, "eeg", benchEEGCase), jsonHeader, `{"ok":true}`},
		{"sleep", "/sleep/", readInput(t, "sleep", "session_complete_v3"), with("x-api-key", sleepKey), `{"ok":true}`},
		{"labvanced", "/labvanced/recordTrial", readInput(t, "labvanced", "recordTrial.form"),
			http.Header{"Content-Type": {labvancedtest.FormContentType}}, `{"success":true}`},
		{"labvanced", "/labvanced/recordTrial", readInput(t, "labvanced", "recordTrial.json"), jsonHeader, `{"success":true}`},
		{"wms", "/wms/", wmsBody, with("X-WMS-Content-MAC", wmstest.Sign(wmsBody, wmsSecret)), `{"ok":true}`},
	}
}

// send posts c to the receiver and returns the status and answer.
func (c retryCase) send(t *testing.T, e *env) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.path, bytes.NewReader(c.body))
	require.NoError(t, err)
	req.Header = c.header.Clone()
	return e.do(t, req)
}

// TestRetriesStoredOnce sends each vendor's good body twice: the retry gets
// the vendor's 2xx, and the delivery is stored once, with the retry counted
// on its row.
func TestRetriesStoredOnce(t *testing.T) { server.ForBackends(t, testRetriesStoredOnce) }

func testRetriesStoredOnce(t *testing.T) {
	for _, c := range retryCases(t) {
		t.Run(c.vendor+c.path, func(t *testing.T) {
			e := newEnv(t)
			for range 2 {
				status, answer := c.send(t, e)
				require.Equal(t, http.StatusOK, status, answer)
				assert.JSONEq(t, c.answer, answer)
			}
			evs := e.events(t, "")
			require.Len(t, evs, 1, "a retry is stored once")
			assert.Equal(t, c.vendor, evs[0].Vendor)
			assert.Equal(t, int64(1), evs[0].Duplicates, "the retry is counted")
		})
	}
}

// TestConcurrentRetriesStoredOnce sends each body from several senders at
// once, so that copies meet in one group transaction: still one row.
func TestConcurrentRetriesStoredOnce(t *testing.T) {
	server.ForBackends(t, testConcurrentRetriesStoredOnce)
}

func testConcurrentRetriesStoredOnce(t *testing.T) {
	e := newEnv(t)
	const copies = 8
	cases := retryCases(t)
	var wg sync.WaitGroup
	for _, c := range cases {
		for range copies {
			wg.Go(func() {
				status, answer := c.send(t, e)
				assert.Equal(t, http.StatusOK, status, answer)
			})
		}
	}
	wg.Wait()
	evs := e.events(t, "")
	require.Len(t, evs, len(cases))
	for _, ev := range evs {
		assert.Equal(t, int64(copies-1), ev.Duplicates, "%s %s", ev.Vendor, ev.Kind)
	}
}

// TestSignageTriggersNotDeduplicated checks that two equal signage triggers
// are two rows: a trigger is a command, not a retried message.
func TestSignageTriggersNotDeduplicated(t *testing.T) {
	server.ForBackends(t, testSignageTriggersNotDeduplicated)
}

func testSignageTriggersNotDeduplicated(t *testing.T) {
	e := newEnv(t)
	body := []byte(`{"event_id": "show-menu"}`)
	for range 2 {
		req := mustRequest(t, signageRoute, body)
		req.Header.Set("X-Webhook-Apikey", signageKey)
		status, answer := e.do(t, req)
		require.Equal(t, http.StatusOK, status, answer)
		assert.JSONEq(t, `{"message":"success"}`, answer)
	}
	evs := e.events(t, "vendor=signage")
	require.Len(t, evs, 2)
	assert.Zero(t, evs[0].Duplicates)
	assert.Zero(t, evs[1].Duplicates)
}

// TestUploadRetryStoredOnce uploads the same file twice for one session:
// one event, one uploads row and one file remain, and the retry's answer
// names the file stored first (the handler's second copy is removed).
func TestUploadRetryStoredOnce(t *testing.T) { server.ForBackends(t, testUploadRetryStoredOnce) }

func testUploadRetryStoredOnce(t *testing.T) {
	e := newEnv(t)
	file := bytes.Repeat([]byte("webm"), 10_000)
	type answer struct {
		GUID string `json:"file_guid"`
		Name string `json:"file_name"`
	}
	var answers []answer
	for range 2 {
		req := labvancedtest.NewUploadRequest(e.srv.URL+"/labvanced/file_upload", "777002", "rec.webm", bytes.NewReader(file))
		req.RequestURI = ""
		resp, err := e.srv.Client().Do(req)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		var a answer
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&a))
		resp.Body.Close()
		answers = append(answers, a)
	}
	assert.Equal(t, answers[0], answers[1], "the retry is answered with the first upload")

	evs := e.events(t, "vendor=labvanced")
	require.Len(t, evs, 1)
	assert.Equal(t, int64(1), evs[0].Duplicates)
	checkUpload(t, e, answers[0].GUID, answers[0].Name, "777002")
	files, err := os.ReadDir(e.cfg.UploadsDir)
	require.NoError(t, err)
	require.Len(t, files, 1, "the retry's second copy of the file is removed")
	assert.Equal(t, answers[0].Name, files[0].Name())

	var rows int
	require.NoError(t, server.QueryRow(e.s, "SELECT count(*) FROM uploads").Scan(&rows))
	assert.Equal(t, 1, rows, "no second uploads row")

	// A different file under the same name is a new upload.
	req := labvancedtest.NewUploadRequest(e.srv.URL+"/labvanced/file_upload", "777002", "rec.webm", bytes.NewReader(append(file, '!')))
	req.RequestURI = ""
	resp, err := e.srv.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Len(t, e.events(t, "vendor=labvanced"), 2)
}
