package server_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/examples/receiver/server"
	"github.com/vendorhooks/vendorhooks/labvanced/labvancedtest"
)

// TestStoredJSONNotHTMLEscaped: the stored warnings and the /events answers
// keep '<', '>' and '&' as they are, not as \u003c, \u003e and \u0026 (six
// bytes each), and the decoded event is not stored at all, so that a body of
// '<' costs what it weighs: the database grows by about the body once.
func TestStoredJSONNotHTMLEscaped(t *testing.T) { server.ForBackends(t, testStoredJSONNotHTMLEscaped) }

func testStoredJSONNotHTMLEscaped(t *testing.T) {
	e := newEnv(t)
	p := labvancedtest.Payload("recordTrial")
	p["expSessionNr"] = "555001"
	p["recData"].(map[string]any)["data"].(map[string]any)["html"] = "<b>&</b>"
	status, answer := e.do(t, labvancedtest.NewFormRequest("/labvanced/recordTrial", p))
	require.Equal(t, http.StatusOK, status, answer)

	evs := e.events(t, "session=555001")
	require.Len(t, evs, 1)
	_, list := e.do(t, getRequest(t, "/events?session=555001"))
	_, one := e.do(t, getRequest(t, "/events/"+strconv.FormatInt(evs[0].ID, 10)))
	for _, ans := range []string{list, one} {
		assert.Contains(t, ans, `"html":"<b>&</b>"`)
		assert.NotContains(t, ans, `\u003c`)
		assert.NotContains(t, ans, `\u0026`)
	}

	// A body of 100,000 '<' grows the database by about its size once
	// (the raw body), not by six times it in an escaped event.
	const n = 100_000
	body := `{"expId":4711,"expSessionNr":"555002","recTaskId":1,"taskId":"t","trialNr":1,"recData":{"data":{"v":"` +
		strings.Repeat("<", n) + `"}}}`
	pages := func() int64 {
		n, err := server.DBSize(e.s)
		require.NoError(t, err)
		return n
	}
	before := pages()
	req, err := http.NewRequest(http.MethodPost, "/labvanced/recordTrial", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", labvancedtest.Origin)
	status, answer = e.do(t, req)
	require.Equal(t, http.StatusOK, status, answer)
	var rawLen int64
	require.NoError(t, server.QueryRow(e.s, "SELECT length(raw) FROM events WHERE session = '555002'").Scan(&rawLen))
	growth := pages() - before
	t.Logf("body %d bytes: raw %d bytes, database grew %d bytes", len(body), rawLen, growth)
	assert.Equal(t, int64(len(body)), rawLen)
	assert.Less(t, growth, int64(len(body))*3/2, "the database grows by the raw body, about the body's size")
}

func getRequest(t *testing.T, target string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, target, nil)
	require.NoError(t, err)
	return req
}
