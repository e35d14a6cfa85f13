package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/eeg/eegtest"
	"github.com/vendorhooks/vendorhooks/examples/receiver/server"
	"github.com/vendorhooks/vendorhooks/labvanced"
	"github.com/vendorhooks/vendorhooks/labvanced/labvancedtest"
	"github.com/vendorhooks/vendorhooks/sleep"
	"github.com/vendorhooks/vendorhooks/sleep/sleeptest"
)

// TestDashboardDownload: the Labvanced view's download link answers the
// stored file under the player's name, with the token only.
func TestDashboardDownload(t *testing.T) { server.ForBackends(t, testDashboardDownload) }

func testDashboardDownload(t *testing.T) {
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
	server.ForBackends(t, testDashboardLiveOutlivesReadDeadline)
}

func testDashboardLiveOutlivesReadDeadline(t *testing.T) {
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

// TestDashboardSources: every view takes ?source=. Two Labvanced studies'
// trials: the Labvanced page groups the sessions by study, ?source=a shows
// only a's, and the overview links each source to its view filtered by it.
func TestDashboardSources(t *testing.T) { server.ForBackends(t, testDashboardSources) }

func testDashboardSources(t *testing.T) {
	e := newEnv(t)
	sessions := map[string]string{"a": "77001", "b": "88002"}
	for study, session := range sessions {
		p := labvancedtest.Payload(labvanced.RouteRecordTrial)
		p["expSessionNr"] = session
		status, answer := e.do(t, labvancedtest.NewFormRequest("/labvanced/"+study+"/recordTrial", p))
		require.Equal(t, http.StatusOK, status, answer)
	}
	get := func(target string) string {
		t.Helper()
		status, page := e.do(t, httptestRequest(http.MethodGet, target))
		require.Equal(t, http.StatusOK, status, target)
		return page
	}
	row := func(session string) string { return `<tr data-session="` + session + `">` }

	all := get("/view/labvanced")
	for study, session := range sessions {
		group := regexp.MustCompile(`(?s)<section class="study" data-source="` + study + `">.*?</section>`).FindString(all)
		require.NotEmpty(t, group, "the Labvanced page has a group for study %s", study)
		assert.Contains(t, group, row(session), "study %s's group lists its session", study)
		for other, s := range sessions {
			if other != study {
				assert.NotContains(t, group, row(s), "study %s's group lists no session of %s", study, other)
			}
		}
	}

	onlyA := get("/view/labvanced?source=a")
	assert.Contains(t, onlyA, row("77001"))
	assert.NotContains(t, onlyA, "88002", "?source=a shows nothing of study b")
	assert.NotContains(t, onlyA, `data-source="b"`)
	assert.Contains(t, onlyA, `id="source-filter"`, "the page says it is filtered")
	assert.Contains(t, onlyA, `href="/view/asleep?source=a"`, "the navigation keeps the filter")
	events := get("/view/events?source=b")
	assert.Contains(t, events, "88002")
	assert.NotContains(t, events, "77001")
	// Every view takes it, and a source without rows shows none.
	for _, v := range []string{"/", "/view/petal", "/view/asleep", "/view/wms", "/view/labvanced", "/view/signage", "/view/events"} {
		page := get(v + "?source=nothing-here")
		assert.NotContains(t, page, "77001", v)
		assert.NotContains(t, page, "88002", v)
	}

	overview := get("/")
	assert.Contains(t, overview, `href="/view/labvanced?source=a"`, "the overview links source a to its view")
	assert.Contains(t, overview, `href="/view/labvanced?source=b"`)
	assert.Contains(t, overview, `href="/view/events?vendor=labvanced&amp;source=a"`)
	assert.NotContains(t, get("/?source=a"), `?source=b"`, "the overview filtered by a has no row of b")
}

func httptestRequest(method, target string) *http.Request {
	r, err := http.NewRequest(method, target, nil)
	if err != nil {
		panic(err)
	}
	return r
}

// TestDashboardRefusals: refused deliveries are never stored, and the
// overview counts them by reason from the receiver's own counters.
func TestDashboardRefusals(t *testing.T) { server.ForBackends(t, testDashboardRefusals) }

func testDashboardRefusals(t *testing.T) {
	e := newEnv(t)
	for range 2 {
		status, _ := e.do(t, eegtest.NewRequest("/eeg/", []byte(`{"type": `)))
		require.Equal(t, http.StatusBadRequest, status)
	}
	status, _ := e.do(t, sleeptest.NewRequest("/sleep/", sleeptest.SessionComplete(sleep.V3), "wrong-key"))
	require.Equal(t, http.StatusUnauthorized, status)
	status, page := e.do(t, httptestRequest(http.MethodGet, "/"))
	require.Equal(t, http.StatusOK, status)
	table := regexp.MustCompile(`(?s)<table class="grid" id="refusals">.*?</table>`).FindString(page)
	require.NotEmpty(t, table, page)
	assert.Contains(t, table, `<th>malformed</th><th>unauthorized</th><th>too_large</th>`)
	assert.Contains(t, table, `<tr data-vendor="eeg"><td>eeg</td><td class="n">2</td><td class="n">0</td>`)
	assert.Contains(t, table, `<tr data-vendor="sleep"><td>sleep</td><td class="n">0</td><td class="n">1</td>`)
	assert.Empty(t, e.events(t, ""), "refusals are not stored")
}

// TestDashboardViewsServe renders every view over simulated traffic of
// every vendor, whole and as the fragment a live page fetches, unfiltered,
// filtered by a source and (the events view) by text: each answers 200 and
// shows the stored data. The browser test checks the drawing (on SQLite);
// this one checks every view's queries on both backends.
func TestDashboardViewsServe(t *testing.T) { server.ForBackends(t, testDashboardViewsServe) }

func testDashboardViewsServe(t *testing.T) {
	e := newEnv(t)
	simulate(t, e)
	status, answer := e.do(t, labvancedtest.NewFormRequest("/labvanced/study-a/recordTrial", labvancedtest.Payload(labvanced.RouteRecordTrial)))
	require.Equal(t, http.StatusOK, status, answer)
	for _, v := range []struct {
		path string
		text []string
	}{
		{"/", []string{`data-vendor="eeg"`, `data-vendor="labvanced"`, `data-vendor="signage"`, `data-vendor="sleep"`, `data-vendor="wms"`}},
		{"/view/petal", []string{"TP9", "AF7", "AF8", "TP10"}},
		{"/view/asleep", []string{"efficiency", "sleep latency"}},
		{"/view/wms", []string{"gaps", "late"}},
		{"/view/labvanced", []string{"Stroop task", "finished", `data-source="study-a"`}},
		{"/view/signage", []string{"sensor-1", "temperature"}},
		{"/view/events", []string{"bandpower", "INFERENCE_COMPLETE"}},
		{"/view/events?vendor=sleep&q=INFERENCE", []string{"INFERENCE_COMPLETE"}},
		{"/view/events/1", []string{"Raw body"}},
	} {
		for _, query := range []string{"", "fragment=1", "source=study-a", "source=nothing-here"} {
			target := v.path
			if query != "" {
				target += map[bool]string{true: "&", false: "?"}[strings.Contains(target, "?")] + query
			}
			status, page := e.do(t, httptestRequest(http.MethodGet, target))
			require.Equal(t, http.StatusOK, status, "%s: %s", target, page)
			if strings.HasPrefix(query, "source=") || strings.HasPrefix(v.path, "/view/events/") && query != "" {
				continue // filtered: the texts need not be there
			}
			for _, s := range v.text {
				assert.Contains(t, page, s, target)
			}
		}
	}
}
