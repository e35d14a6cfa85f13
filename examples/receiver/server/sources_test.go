package server_test

import (
	"net/http"
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

// sourceRequests returns one valid request of each vendor with a source
// mount, posted to the path path(vendor's prefix) builds.
func sourceRequests(t *testing.T, e *env, path func(prefix string) string) map[string]*http.Request {
	t.Helper()
	wmsBody := wmstest.Body(wmstest.Event(wms.CodeWMSLoaded, 0))
	return map[string]*http.Request{
		"eeg":       eegtest.NewRequest(e.srv.URL+path("/eeg"), readInput(t, "eeg", "real-bandpower")),
		"sleep":     sleeptest.NewRequest(e.srv.URL+path("/sleep"), readInput(t, "sleep", "session_complete_v3"), sleepKey),
		"wms":       wmstest.NewRequest(e.srv.URL+path("/wms"), wmsBody, wmsSecret),
		"labvanced": labvancedtest.NewFormRequest(e.srv.URL+path("/labvanced")+"recordTrial", labvancedtest.Payload("recordTrial")),
	}
}

// TestSourceNames posts each vendor's request under a source name and
// without one, and checks each row's source, the /events?source= filter,
// POST / as Petal's mount, and that a name that is too long or has another
// character is 404 and stores nothing.
func TestSourceNames(t *testing.T) { server.ForBackends(t, testSourceNames) }

func testSourceNames(t *testing.T) {
	e := newEnv(t)
	long := strings.Repeat("a", 64)
	for _, c := range []struct{ path, source string }{
		{"/", ""},
		{"/study-1.v2_A/", "study-1.v2_A"},
		{"/" + long + "/", long},
	} {
		for vendor, req := range sourceRequests(t, e, func(prefix string) string { return prefix + c.path }) {
			status, answer := e.do(t, req)
			require.Equal(t, http.StatusOK, status, "%s %s: %s", vendor, req.URL.Path, answer)
			evs := e.events(t, "vendor="+vendor+"&limit=1")
			require.NotEmpty(t, evs)
			assert.Equal(t, c.source, evs[len(evs)-1].Source, "%s %s", vendor, req.URL.Path)
		}
	}
	// Petal posts to the root of the address it is given: the same
	// message there is a retry of the one posted to /eeg/ (the same
	// source, none).
	status, answer := e.do(t, eegtest.NewRequest(e.srv.URL+"/", readInput(t, "eeg", "real-bandpower")))
	require.Equal(t, http.StatusOK, status, answer)
	evs := e.events(t, "vendor=eeg")
	require.Len(t, evs, 3)
	assert.Equal(t, "", evs[0].Source)
	assert.Equal(t, int64(1), evs[0].Duplicates)

	assert.Len(t, e.events(t, "source=study-1.v2_A"), 4, "one row per vendor")
	assert.Len(t, e.events(t, "source="+long), 4)
	assert.Len(t, e.events(t, "source=study-1.v2_A&vendor=wms"), 1)
	assert.Empty(t, e.events(t, "source=nope"))

	before := len(e.events(t, ""))
	for _, bad := range []string{"/" + long + "a/", "/a!b/", "/a%20b/", "/caf%C3%A9/", "/a%2Fb/"} {
		for vendor, req := range sourceRequests(t, e, func(prefix string) string { return prefix + bad }) {
			status, answer := e.do(t, req)
			assert.Equal(t, http.StatusNotFound, status, "%s %s: %s", vendor, bad, answer)
		}
	}
	assert.Equal(t, before, len(e.events(t, "")), "nothing stored under a bad name")
}

// TestSourceKeys gives the sleep app "lab-1" and the WMS config "cfg.b"
// keys of their own: there, only those are accepted; at other names and
// without a name, only the vendor's.
func TestSourceKeys(t *testing.T) { server.ForBackends(t, testSourceKeys) }

func testSourceKeys(t *testing.T) {
	own := map[string][]string{
		"VENDORHOOKS_SLEEP_LAB_1_KEYS":  {"lab1-key"},
		"VENDORHOOKS_WMS_CFG_B_SECRETS": {"cfgb-secret"},
	}
	e := newEnv(t, func(c *server.Config) {
		c.SourceKeys = func(env string) []string { return own[env] }
	})
	assert.Equal(t, "VENDORHOOKS_SLEEP_LAB_1_KEYS", server.SourceKeysEnv("sleep", "lab-1"))
	assert.Equal(t, "VENDORHOOKS_WMS_CFG_B_SECRETS", server.SourceKeysEnv("wms", "cfg.b"))
	sleepBody := readInput(t, "sleep", "session_complete_v3")
	for _, c := range []struct {
		path, key string
		want      int
	}{
		{"/sleep/lab-1/", "lab1-key", http.StatusOK},
		{"/sleep/lab-1/", sleepKey, http.StatusUnauthorized},
		{"/sleep/other/", sleepKey, http.StatusOK},
		{"/sleep/other/", "lab1-key", http.StatusUnauthorized},
		{"/sleep/", "lab1-key", http.StatusUnauthorized},
	} {
		status, answer := e.do(t, sleeptest.NewRequest(e.srv.URL+c.path, sleepBody, c.key))
		assert.Equal(t, c.want, status, "%s with %s: %s", c.path, c.key, answer)
	}
	for i, c := range []struct {
		path, secret string
		want         int
	}{
		{"/wms/cfg.b/", "cfgb-secret", http.StatusOK},
		{"/wms/cfg.b/", wmsSecret, http.StatusUnauthorized},
		{"/wms/cfg-a/", wmsSecret, http.StatusOK},
		{"/wms/cfg-a/", "cfgb-secret", http.StatusUnauthorized},
		{"/wms/", "cfgb-secret", http.StatusUnauthorized},
	} {
		body := wmstest.Body(wmstest.Event(wms.CodeWMSLoaded, int64(i)))
		status, answer := e.do(t, wmstest.NewRequest(e.srv.URL+c.path, body, c.secret))
		assert.Equal(t, c.want, status, "%s with %s: %s", c.path, c.secret, answer)
	}
	assert.Len(t, e.events(t, "source=lab-1"), 1)
	assert.Len(t, e.events(t, "source=cfg.b"), 1)
	assert.Len(t, e.events(t, "vendor=sleep"), 2)
	assert.Len(t, e.events(t, "vendor=wms"), 2)
}

// TestWMSSourcesTrackedSeparately sends the same WMS session id to two
// configurations: each has its own sequence, so the second config's
// events are stored and in order, not duplicates or late ones of the
// first's; a repeat within one config is still stored once.
func TestWMSSourcesTrackedSeparately(t *testing.T) {
	server.ForBackends(t, testWMSSourcesTrackedSeparately)
}

func testWMSSourcesTrackedSeparately(t *testing.T) {
	e := newEnv(t)
	send := func(config string, seq int64) {
		t.Helper()
		body := wmstest.Body(wmstest.Event(wms.CodeWMSLoaded, seq))
		status, answer := e.do(t, wmstest.NewRequest(e.srv.URL+"/wms/"+config+"/", body, wmsSecret))
		require.Equal(t, http.StatusOK, status, answer)
	}
	send("a", 0)
	send("a", 1)
	send("b", 0)
	send("b", 2)
	send("a", 1) // a retry
	verdicts := func(source string) []string {
		var out []string
		for _, ev := range e.events(t, "vendor=wms&source="+source) {
			assert.Equal(t, wmstest.SessionID, ev.Session)
			out = append(out, ev.Verdict)
		}
		return out
	}
	assert.Equal(t, []string{"in order", "in order"}, verdicts("a"))
	assert.Equal(t, []string{"in order", "gap (missing 1..1)"}, verdicts("b"))
}

// TestSameBodyTwoStudies posts one trial to two studies: it is stored once
// for each (deduplication is per source), and a retry to one study is not
// stored again.
func TestSameBodyTwoStudies(t *testing.T) { server.ForBackends(t, testSameBodyTwoStudies) }

func testSameBodyTwoStudies(t *testing.T) {
	e := newEnv(t)
	p := labvancedtest.Payload("recordTrial")
	for _, path := range []string{"/labvanced/s1/recordTrial", "/labvanced/s2/recordTrial", "/labvanced/s1/recordTrial"} {
		status, answer := e.do(t, labvancedtest.NewFormRequest(e.srv.URL+path, p))
		require.Equal(t, http.StatusOK, status, answer)
	}
	s1, s2 := e.events(t, "source=s1"), e.events(t, "source=s2")
	require.Len(t, s1, 1)
	require.Len(t, s2, 1)
	assert.Equal(t, int64(1), s1[0].Duplicates, "the retry counted on s1's row")
	assert.Equal(t, s1[0].Event, s2[0].Event)
	assert.Len(t, e.events(t, "vendor=labvanced"), 2)
}
