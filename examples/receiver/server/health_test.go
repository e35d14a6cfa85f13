package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/examples/receiver/server"
)

// eegMessage is a Petal message that differs for each n (not a retry).
func eegMessage(t *testing.T, n int) []byte {
	t.Helper()
	return bytes.Replace(readInput(t, "eeg", benchEEGCase), []byte(`"id": 1042`), []byte(fmt.Sprintf(`"id": %d`, n)), 1)
}

// TestHealthzWhenCommitsFail makes every commit fail (another connection
// adds a trigger whose row breaks a deferred foreign key, checked at
// COMMIT, on SQLite and on PostgreSQL alike): the vendor gets 500, /healthz answers 503 with the writer's
// state and the cause, and the log names the cause; once commits succeed
// again, /healthz is 200.
func TestHealthzWhenCommitsFail(t *testing.T) { server.ForBackends(t, testHealthzWhenCommitsFail) }

func testHealthzWhenCommitsFail(t *testing.T) {
	var logs syncBuffer
	e := newEnv(t, func(c *server.Config) { c.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	health := func() (int, server.Health) {
		resp, err := http.Get(e.srv.URL + "/healthz")
		require.NoError(t, err)
		defer resp.Body.Close()
		var h server.Health
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&h))
		return resp.StatusCode, h
	}
	status, answer := e.do(t, mustRequest(t, "/eeg/", eegMessage(t, 1)))
	require.Equal(t, http.StatusOK, status, answer)
	status, h := health()
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "ok", h.Writer.State)
	assert.NotEmpty(t, h.Writer.LastCommit)

	// The same trap on both backends, in each one's trigger syntax; each
	// names the failure its own way.
	trap, cause := `
CREATE TABLE broken (event_id INTEGER REFERENCES events (id) DEFERRABLE INITIALLY DEFERRED);
CREATE TRIGGER break_commits AFTER INSERT ON events BEGIN INSERT INTO broken VALUES (-1); END;`, "FOREIGN KEY constraint failed"
	if server.Backend(e.s) == "postgres" {
		trap, cause = `
CREATE TABLE broken (event_id BIGINT REFERENCES events (id) DEFERRABLE INITIALLY DEFERRED);
CREATE FUNCTION break_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO broken VALUES (-1); RETURN NULL; END $$;
CREATE TRIGGER break_commits AFTER INSERT ON events FOR EACH ROW EXECUTE FUNCTION break_commit();`,
			"violates foreign key constraint"
	}
	require.NoError(t, server.Exec(e.s, trap))

	status, _ = e.do(t, mustRequest(t, "/eeg/", eegMessage(t, 2)))
	assert.Equal(t, http.StatusInternalServerError, status, "nothing committed: the vendor retries")
	status, h = health()
	assert.Equal(t, http.StatusServiceUnavailable, status)
	assert.Equal(t, "failing", h.Status)
	assert.Equal(t, "failing", h.Writer.State)
	assert.Contains(t, h.Writer.Error, cause)
	assert.Equal(t, int64(1), h.Writer.Failures)
	assert.Contains(t, logs.String(), "store failed")
	assert.Contains(t, logs.String(), cause, "the store error is logged with its cause")

	drop := "DROP TRIGGER break_commits"
	if server.Backend(e.s) == "postgres" {
		drop += " ON events"
	}
	require.NoError(t, server.Exec(e.s, drop))
	status, answer = e.do(t, mustRequest(t, "/eeg/", eegMessage(t, 3)))
	require.Equal(t, http.StatusOK, status, answer)
	status, h = health()
	assert.Equal(t, http.StatusOK, status, "commits again: healthy again")
	assert.Equal(t, "ok", h.Writer.State)
	assert.Empty(t, h.Writer.Error)
	assert.Len(t, e.events(t, "vendor=eeg"), 2)

	e.s.Close()
	status, h = health()
	assert.Equal(t, http.StatusServiceUnavailable, status)
	assert.Equal(t, "closed", h.Writer.State)
}

// TestEventsTextSearch: /events?q= finds the text, as is, in the raw
// bodies, alone or with the other filters.
func TestEventsTextSearch(t *testing.T) { server.ForBackends(t, testEventsTextSearch) }

func testEventsTextSearch(t *testing.T) {
	e := newEnv(t)
	for n := 1; n <= 3; n++ {
		status, answer := e.do(t, mustRequest(t, "/eeg/", eegMessage(t, n*111)))
		require.Equal(t, http.StatusOK, status, answer)
	}
	found := e.events(t, "q=%22id%22:+222")
	require.Len(t, found, 1)
	assert.Contains(t, string(found[0].Event), `222`)
	assert.Len(t, e.events(t, "q=%22id%22:+222&vendor=eeg"), 1)
	assert.Empty(t, e.events(t, "q=%22id%22:+222&vendor=wms"))
	assert.Len(t, e.events(t, "q=%22id%22:"), 3)
	assert.Empty(t, e.events(t, "q=%22ID%22:"), "the search is case-sensitive")
	assert.Empty(t, e.events(t, "q=%25"), "%% is a character, not a pattern")
	assert.Len(t, e.events(t, "q="), 3, "an empty q filters nothing")
}
