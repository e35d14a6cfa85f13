package server_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/examples/receiver/server"
	"github.com/vendorhooks/vendorhooks/wms/wmstest"
)

// latin1 returns s encoded as Latin-1, one byte per character, as btoa
// reads a JavaScript string (every character of s must be at most U+00FF).
func latin1(t testing.TB, s string) []byte {
	t.Helper()
	b := make([]byte, 0, len(s))
	for _, r := range s {
		require.LessOrEqual(t, r, rune(0xFF), "%q has no Latin-1 form", s)
		b = append(b, byte(r))
	}
	return b
}

// TestSignageBtoaLatin1GET sends the GET a plain web page builds with
// btoa(JSON.stringify(x)): btoa base64-encodes one byte per character, so
// the payload's bytes are Latin-1, not UTF-8. The trigger is stored with the
// text as it was written, in valid UTF-8, and /events shows it so.
func TestSignageBtoaLatin1GET(t *testing.T) { server.ForBackends(t, testSignageBtoaLatin1GET) }

func testSignageBtoaLatin1GET(t *testing.T) {
	e := newEnv(t)
	const text = "21,5 °C café"
	payload := latin1(t, `{"event_id":"t","sensor_data":{"id":"s1","event":"temp","value":"`+text+`"}}`)
	require.False(t, utf8.Valid(payload))
	q := url.Values{"apiKey": {signageKey}, "payload": {base64.StdEncoding.EncodeToString(payload)}}
	req, err := http.NewRequest(http.MethodGet, signageRoute+"?"+q.Encode(), nil)
	require.NoError(t, err)
	status, answer := e.do(t, req)
	require.Equal(t, http.StatusOK, status, answer)

	resp, err := e.srv.Client().Get(e.srv.URL + "/events?vendor=signage")
	require.NoError(t, err)
	defer resp.Body.Close()
	var list bytes.Buffer
	_, err = list.ReadFrom(resp.Body)
	require.NoError(t, err)
	assert.True(t, utf8.Valid(list.Bytes()), "GET /events is valid UTF-8: %q", list.Bytes())
	assert.Contains(t, list.String(), text)
	assert.NotContains(t, list.String(), "\uFFFD")

	evs := e.events(t, "vendor=signage")
	require.Len(t, evs, 1)
	var tr struct {
		EventID    string `json:"event_id"`
		SensorData struct {
			ID, Event, Value string
		} `json:"sensor_data"`
	}
	require.NoError(t, json.Unmarshal(evs[0].Event, &tr), "%s", evs[0].Event)
	assert.Equal(t, "t", tr.EventID)
	assert.Equal(t, text, tr.SensorData.Value)
	assert.True(t, utf8.Valid(evs[0].Event), "stored event JSON is UTF-8: %q", evs[0].Event)
	require.NotEmpty(t, evs[0].Warnings, "the Latin-1 reading is reported")
	assert.Contains(t, strings.Join(evs[0].Warnings, "\n"), "/sensor_data/value")

	got := e.event(t, evs[0].ID)
	// The raw body of a GET is the payload JSON re-encoded as UTF-8
	// (Delivery.Body): the bytes the query carried are in no stored column.
	raw := storedRaw(t, got)
	assert.True(t, utf8.Valid(raw), "%q", raw)
	assert.Contains(t, string(raw), text)
	assert.Equal(t, evs[0].Warnings, got.Warnings)
}

// TestWMSForgeriesRefused takes a body signed over its raw bytes (for this
// ASCII body the same MAC as its Node 'ascii' form) and alters it the two
// ways the Node form's low-byte transform allows, keeping the MAC: one
// character of the sessionId c replaced by U+0100+c, and a quote replaced by
// U+0122. Each gets 401 and is not stored, with the raw MAC and with the
// Node one.
func TestWMSForgeriesRefused(t *testing.T) { server.ForBackends(t, testWMSForgeriesRefused) }

func testWMSForgeriesRefused(t *testing.T) {
	body, err := os.ReadFile(filepath.Join(testdata, "wms", "spec-body.in"))
	require.NoError(t, err)
	const session = "ryueiwoqfh910fu3rpqruvfiu"
	require.Contains(t, string(body), `"`+session+`"`)
	forged := map[string][]byte{
		"session char as U+0172": bytes.Replace(body, []byte(`"r`+session[1:]), []byte("\"\u0172"+session[1:]), 1),
		"quote as U+0122":        bytes.Replace(body, []byte(session+`"`), []byte(session+"\u0122"), 1),
	}
	for _, mode := range []string{server.WMSMACRaw, server.WMSMACNode} {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, func(c *server.Config) { c.WMSMAC = mode })
			mac := wmstest.Sign(body, wmsSecret)
			require.Equal(t, wmstest.SignNode(body, wmsSecret), mac, "an ASCII body has one MAC in both forms")
			for name, b := range forged {
				require.NotEqual(t, body, b, name)
				unauthorized(t, e, "wms", "/wms/", b, func(r *http.Request) {
					r.Header.Set("X-WMS-Content-MAC", mac)
				})
			}
			status, answer := e.do(t, wmstest.NewRequest(e.srv.URL+"/wms/", body, wmsSecret))
			require.Equal(t, http.StatusOK, status, "the genuine body passes: %s", answer)
			evs := e.events(t, "vendor=wms")
			require.Len(t, evs, 1)
			assert.Equal(t, session, evs[0].Session)
		})
	}
}

// TestWMSNodeMAC checks -wms-mac: a body with "é" signed the way the
// vendor's Node sample signs is stored with its text in node mode and
// refused in raw mode, the same body signed over its bytes is refused in
// node mode, and in raw mode the body resent with "Ã©" (whose Node form is
// the bytes of "é") under the raw MAC is refused.
func TestWMSNodeMAC(t *testing.T) { server.ForBackends(t, testWMSNodeMAC) }

func testWMSNodeMAC(t *testing.T) {
	body := []byte(`{"timestamp":1689684577,"sessionId":"café-1","sequence":0,"event":"WMS_LOADED","severity":"INFO"}`)
	mojibake := bytes.Replace(body, []byte("é"), []byte("Ã©"), 1)
	for _, c := range []struct {
		mode, mac string
		body      []byte
		want      int
	}{
		{server.WMSMACNode, wmstest.SignNode(body, wmsSecret), body, http.StatusOK},
		{server.WMSMACRaw, wmstest.SignNode(body, wmsSecret), body, http.StatusUnauthorized},
		{server.WMSMACNode, wmstest.Sign(body, wmsSecret), body, http.StatusUnauthorized},
		{server.WMSMACRaw, wmstest.Sign(body, wmsSecret), body, http.StatusOK},
		{server.WMSMACRaw, wmstest.Sign(body, wmsSecret), mojibake, http.StatusUnauthorized},
	} {
		e := newEnv(t, func(cfg *server.Config) { cfg.WMSMAC = c.mode })
		req := mustRequest(t, "/wms/", c.body)
		req.Header.Set("X-WMS-Content-MAC", c.mac)
		status, answer := e.do(t, req)
		assert.Equal(t, c.want, status, "%s: %s", c.mode, answer)
		evs := e.events(t, "vendor=wms")
		if c.want != http.StatusOK {
			assert.Empty(t, evs, c.mode)
			continue
		}
		require.Len(t, evs, 1, c.mode)
		assert.Equal(t, "café-1", evs[0].Session)
	}
}

// TestWMSMACConfig: Open refuses an unknown -wms-mac. SQLite only: the
// refusal comes before the database is opened.
func TestWMSMACConfig(t *testing.T) {
	_, err := server.Open(context.Background(), server.Config{
		DBPath: filepath.Join(t.TempDir(), "x.db"), WMSMAC: "both",
	})
	assert.ErrorContains(t, err, `Config.WMSMAC is "both"`)
}
