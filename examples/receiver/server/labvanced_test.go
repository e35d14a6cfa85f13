package server_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/examples/receiver/server"
	"github.com/vendorhooks/vendorhooks/labvanced/labvancedtest"
)

// labvancedGolden is the shape of a labvanced .golden.json.
type labvancedGolden struct {
	Kind  string          `json:"kind"`
	Event json.RawMessage `json:"event"`
}

// labvancedRequest builds the request of golden case name (ROUTE[.variant].FORMAT).
func labvancedRequest(t *testing.T, name string, body []byte) (route, format string, req *http.Request) {
	parts := strings.Split(name, ".")
	route, format = parts[0], parts[len(parts)-1]
	req, err := http.NewRequest(http.MethodPost, "/labvanced/"+route, bytes.NewReader(body))
	require.NoError(t, err)
	switch format {
	case "json":
		req.Header.Set("Content-Type", "application/json")
	case "form":
		req.Header.Set("Content-Type", labvancedtest.FormContentType)
	case "multipart":
		first, _, _ := bytes.Cut(body, []byte("\r\n"))
		first, _, _ = bytes.Cut(first, []byte("\n"))
		req.Header.Set("Content-Type", "multipart/form-data; boundary="+strings.TrimPrefix(string(first), "--"))
	}
	req.Header.Set("Origin", labvancedtest.Origin)
	return route, format, req
}

// TestLabvancedGolden sends every labvanced golden body to its route. The
// file_upload cases in JSON or form encoding are left out: they test Decode
// alone, while the player uploads in multipart only.
func TestLabvancedGolden(t *testing.T) { server.ForBackends(t, testLabvancedGolden) }

func testLabvancedGolden(t *testing.T) {
	e := newEnv(t)
	stored, uploads := 0, 0
	for _, c := range goldenCases(t, "labvanced") {
		t.Run(c.Name, func(t *testing.T) {
			route, format, req := labvancedRequest(t, c.Name, c.Data)
			if route == "file_upload" && format != "multipart" {
				t.Skip("Decode-only case: uploads arrive as multipart")
			}
			if route == "route-of-1MiB" {
				t.Skip("Decode-only case: its route is the body's 1 MiB, not its name")
			}
			before := time.Now()
			status, answer := e.do(t, req)
			if c.Want == nil {
				assert.GreaterOrEqual(t, status, 400, answer)
				assert.Less(t, status, 500, answer)
				assert.Len(t, e.events(t, "vendor=labvanced"), stored, "a refused event is not stored")
				return
			}
			require.Equal(t, http.StatusOK, status, answer)
			stored++
			var want labvancedGolden
			require.NoError(t, json.Unmarshal(c.Want, &want))
			evs := e.events(t, "vendor=labvanced")
			require.Len(t, evs, stored)
			got := e.event(t, evs[len(evs)-1].ID)
			assert.Equal(t, want.Kind, got.Kind)
			assertReceived(t, got.ReceivedAt, before)
			assert.Equal(t, c.Warnings, got.Warnings)
			var session struct{ ExpSessionNr string }
			require.NoError(t, json.Unmarshal(want.Event, &session))
			assert.Equal(t, session.ExpSessionNr, got.Session)
			raw := storedRaw(t, got)
			if route == "file_upload" {
				uploads++
				var ans struct {
					GUID string `json:"file_guid"`
					Name string `json:"file_name"`
				}
				require.NoError(t, json.Unmarshal([]byte(answer), &ans), answer)
				var ev map[string]any
				require.NoError(t, json.Unmarshal(got.Event, &ev))
				assert.Equal(t, ans.GUID, ev["file_guid"])
				assert.Equal(t, ans.Name, ev["file_name"])
				delete(ev, "file_guid")
				delete(ev, "file_name")
				b, _ := json.Marshal(ev)
				assert.Equal(t, compact(t, want.Event), compact(t, b))
				content := checkUpload(t, e, ans.GUID, ans.Name, got.Session)
				if len(content) >= 8 { // a shorter file's bytes may be in any JSON
					assert.NotContains(t, string(raw), string(content), "an upload's file is not in its raw body: it is on disk")
				}
			} else {
				assert.JSONEq(t, `{"success":true}`, answer)
				assert.Equal(t, compact(t, want.Event), compact(t, got.Event))
				assert.Equal(t, c.Data, raw)
			}
		})
	}
	require.Positive(t, stored)
	files, err := os.ReadDir(e.cfg.UploadsDir)
	require.NoError(t, err)
	assert.Len(t, files, uploads, "refused uploads leave no file")
}

// checkUpload reads the uploads row of guid, checks it against the file, and
// returns the file's content.
func checkUpload(t *testing.T, e *env, guid, name, session string) []byte {
	t.Helper()
	var gotSession, stored string
	var size int64
	var sum string
	require.NoError(t, server.QueryRow(e.s, "SELECT session, stored_name, size, sha256 FROM uploads WHERE guid = ?", guid).
		Scan(&gotSession, &stored, &size, &sum))
	assert.Equal(t, session, gotSession)
	assert.Equal(t, name, stored)
	content, err := os.ReadFile(filepath.Join(e.cfg.UploadsDir, stored))
	require.NoError(t, err)
	assert.Equal(t, int64(len(content)), size)
	h := sha256.Sum256(content)
	assert.Equal(t, hex.EncodeToString(h[:]), sum)
	return content
}

// TestLabvancedSession runs a whole participant session as the player sends
// it (jQuery form bodies, a CORS preflight, one file upload) and checks that
// every request is stored under the session's expSessionNr.
func TestLabvancedSession(t *testing.T) { server.ForBackends(t, testLabvancedSession) }

func testLabvancedSession(t *testing.T) {
	e := newEnv(t)
	client := e.srv.Client()
	send := func(req *http.Request) *http.Response {
		req.RequestURI = ""
		resp, err := client.Do(req)
		require.NoError(t, err)
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	pre := send(labvancedtest.NewPreflight(e.srv.URL+"/labvanced/recordTrial", labvancedtest.Origin))
	assert.Equal(t, http.StatusNoContent, pre.StatusCode)
	assert.Equal(t, labvancedtest.Origin, pre.Header.Get("Access-Control-Allow-Origin"))

	routes := []string{"startFirstPlayerSession", "setPlayerSessionStartedTime", "addMetaInfo",
		"recordStartTask", "recordTrial", "recordTrial", "finishExpSession"}
	for i, route := range routes {
		p := labvancedtest.Payload(route)
		require.NotNil(t, p, route)
		p["expSessionNr"] = "777001"
		if route == "recordTrial" {
			p["trialNr"] = i
		}
		resp := send(labvancedtest.NewFormRequest(e.srv.URL+"/labvanced/"+route, p))
		require.Equal(t, http.StatusOK, resp.StatusCode, route)
		assert.Equal(t, labvancedtest.Origin, resp.Header.Get("Access-Control-Allow-Origin"))
	}
	file := bytes.Repeat([]byte("webm"), 50_000)
	resp := send(labvancedtest.NewUploadRequest(e.srv.URL+"/labvanced/file_upload", "777001", "../../etc/rec_b1_t2.webm", bytes.NewReader(file)))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var ans struct {
		GUID string `json:"file_guid"`
		Name string `json:"file_name"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&ans))
	assert.NotContains(t, ans.Name, "/", "the player's file name is never a path")
	checkUpload(t, e, ans.GUID, ans.Name, "777001")

	evs := e.events(t, "session=777001")
	require.Len(t, evs, len(routes)+1)
	for i, route := range append(routes, "file_upload") {
		assert.Equal(t, route, evs[i].Kind)
		assert.Equal(t, "labvanced", evs[i].Vendor)
	}
	trial := e.event(t, evs[4].ID)
	assert.Contains(t, *trial.Raw, "recData%5B", "the raw form body is kept")
	upload := e.event(t, evs[len(evs)-1].ID)
	require.NotNil(t, upload.Raw)
	assert.NotContains(t, *upload.Raw, "webmwebm", "an upload's file is not in its raw body")
}

// TestLabvancedCORSOrigins checks that -cors-origin allows an origin besides
// the vendor's own, and nothing else. SQLite only: a preflight stores
// nothing.
func TestLabvancedCORSOrigins(t *testing.T) {
	e := newEnv(t, func(c *server.Config) { c.CORSOrigins = []string{"https://lab.example.org"} })
	for origin, allowed := range map[string]bool{
		"https://lab.example.org": true,
		labvancedtest.Origin:      true,
		"https://evil.example":    false,
	} {
		req := labvancedtest.NewPreflight(e.srv.URL+"/labvanced/recordTrial", origin)
		req.RequestURI = ""
		resp, err := e.srv.Client().Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		if allowed {
			assert.Equal(t, origin, resp.Header.Get("Access-Control-Allow-Origin"))
		} else {
			assert.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"), origin)
		}
	}
}

// TestLabvancedUploadLimit: Config.MaxUploadBytes (-max-upload-bytes) is the
// whole /file_upload request's limit; over it the player gets 413 and
// nothing is stored, and a negative limit stops Open.
func TestLabvancedUploadLimit(t *testing.T) { server.ForBackends(t, testLabvancedUploadLimit) }

func testLabvancedUploadLimit(t *testing.T) {
	e := newEnv(t, func(c *server.Config) { c.MaxUploadBytes = 64 << 10 })
	small := bytes.Repeat([]byte("a"), 1<<10)
	status, answer := e.do(t, labvancedtest.NewUploadRequest("/labvanced/file_upload", "982345", "small.webm", bytes.NewReader(small)))
	require.Equal(t, http.StatusOK, status, answer)
	big := bytes.Repeat([]byte("b"), 128<<10)
	status, answer = e.do(t, labvancedtest.NewUploadRequest("/labvanced/file_upload", "982345", "big.webm", bytes.NewReader(big)))
	assert.Equal(t, http.StatusRequestEntityTooLarge, status, answer)
	assert.Len(t, e.events(t, ""), 1, "only the small upload is stored")

	cfg := e.cfg
	cfg.DBPath = filepath.Join(t.TempDir(), "other.db")
	cfg.MaxUploadBytes = -1
	_, err := server.Open(t.Context(), cfg)
	assert.Error(t, err)
}
