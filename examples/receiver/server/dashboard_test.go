package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/examples/receiver/server"
	"github.com/vendorhooks/vendorhooks/labvanced/labvancedtest"
)

// TestDashboardDownload: the Labvanced view's download link answers the
// stored file under the player's name, with the token only.
func TestDashboardDownload(t *testing.T) {
	e := newEnv(t)
	file := []byte("RIFF, a recording with a comma and ünïcode")
	status, body := e.do(t, labvancedtest.NewUploadRequest("/labvanced/file_upload", "555001", "voice_b1.webm", bytes.NewReader(file)))
	require.Equal(t, http.StatusOK, status, body)
	var ans struct {
		GUID string `json:"file_guid"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &ans))

	status, body = e.do(t, httptestRequest(http.MethodGet, "/download/labvanced/"+ans.GUID))
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, string(file), body)
	dl, err := e.srv.Client().Get(e.srv.URL + "/download/labvanced/" + ans.GUID)
	require.NoError(t, err)
	dl.Body.Close()
	assert.Equal(t, `attachment; filename=voice_b1.webm`, dl.Header.Get("Content-Disposition"))

	// The view links it, with its size and SHA-256.
	status, page := e.do(t, httptestRequest(http.MethodGet, "/view/labvanced"))
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, page, `href="/download/labvanced/`+ans.GUID+`"`)
	assert.Contains(t, page, "voice_b1.webm")

	status, _ = e.do(t, httptestRequest(http.MethodGet, "/download/labvanced/no-such-guid"))
	assert.Equal(t, http.StatusNotFound, status)
	anon, err := http.Get(e.srv.URL + "/download/labvanced/" + ans.GUID)
	require.NoError(t, err)
	b, _ := io.ReadAll(anon.Body)
	anon.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, anon.StatusCode)
	assert.NotContains(t, string(b), "RIFF")
}

// TestDashboardLiveOutlivesReadDeadline: /live clears the write deadline the
// token middleware sets for reads, so a stream opened under a deadline that
// has already passed still carries the next delivery.
func TestDashboardLiveOutlivesReadDeadline(t *testing.T) {
	e := newEnv(t, func(c *server.Config) { c.ReadWriteTimeout = time.Nanosecond })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // a bound for the whole test
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.srv.URL+"/live", nil)
	require.NoError(t, err)
	resp, err := e.srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	lines := bufio.NewScanner(resp.Body)
	for lines.Scan() && lines.Text() != ": connected" {
	}
	post, err := http.NewRequest(http.MethodPost, e.srv.URL+"/signage/public-api/integration/webhooks",
		strings.NewReader(`{"event_id": "door-open"}`))
	require.NoError(t, err)
	post.Header.Set("X-Webhook-Apikey", signageKey)
	post.Header.Set("Content-Type", "application/json")
	status, _ := e.do(t, post)
	require.Equal(t, http.StatusOK, status)
	var data string
	for lines.Scan() {
		if d, ok := strings.CutPrefix(lines.Text(), "data: "); ok {
			data = d
			break
		}
	}
	require.NoError(t, lines.Err())
	var ev struct {
		ID     int64  `json:"id"`
		Vendor string `json:"vendor"`
		Kind   string `json:"kind"`
	}
	require.NoError(t, json.Unmarshal([]byte(data), &ev), "%q", data)
	assert.Equal(t, "signage", ev.Vendor)
	assert.Equal(t, "trigger", ev.Kind)
	assert.Positive(t, ev.ID)
}

func httptestRequest(method, target string) *http.Request {
	r, err := http.NewRequest(method, target, nil)
	if err != nil {
		panic(err)
	}
	return r
}
