package server_test

import (
	"bytes"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/examples/receiver/server"
)

// TestWarningsStored sends bodies that are delivered with warnings (an eeg
// message with a field Petal does not document, an Asleep report whose
// sleep_cycle is a number) and checks that each is stored, with its
// warnings naming the path, in /events and /events/{id}.
func TestWarningsStored(t *testing.T) { server.ForBackends(t, testWarningsStored) }

func testWarningsStored(t *testing.T) {
	e := newEnv(t)
	eegBody := bytes.Replace(readInput(t, "eeg", benchEEGCase), []byte("{"), []byte(`{"firmware": "2.1", `), 1)
	sleepBody := regexp.MustCompile(`(?s)"sleep_cycle": \[.*?\]`).
		ReplaceAll(readInput(t, "sleep", "session_complete_v3"), []byte(`"sleep_cycle": 4`))
	require.Contains(t, string(sleepBody), `"sleep_cycle": 4`)
	for _, c := range []struct {
		vendor, path string
		body         []byte
		header       http.Header
		path0        string // the path the warning names
	}{
		{"eeg", "/eeg/", eegBody, nil, "/firmware"},
		{"sleep", "/sleep/", sleepBody, http.Header{"X-Api-Key": {sleepKey}}, "/sleep_cycle"},
	} {
		t.Run(c.vendor, func(t *testing.T) {
			req := mustRequest(t, c.path, c.body)
			for k, v := range c.header {
				req.Header[k] = v
			}
			status, answer := e.do(t, req)
			require.Equal(t, http.StatusOK, status, answer)
			evs := e.events(t, "vendor="+c.vendor)
			require.Len(t, evs, 1)
			require.NotEmpty(t, evs[0].Warnings, "a tolerated body's warnings are stored")
			assert.Contains(t, strings.Join(evs[0].Warnings, "\n"), c.path0)
			got := e.event(t, evs[0].ID)
			assert.Equal(t, evs[0].Warnings, got.Warnings)
			assert.Equal(t, c.body, storedRaw(t, got))
		})
	}
}
