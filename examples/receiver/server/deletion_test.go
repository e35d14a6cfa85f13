package server_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/examples/receiver/server"
	"github.com/vendorhooks/vendorhooks/labvanced"
	"github.com/vendorhooks/vendorhooks/labvanced/labvancedtest"
)

// TestDeleteSession stores two Labvanced sessions, each with a trial and an
// upload, and deletes one: its rows and its file are gone, the other
// session's stay; the deletion needs the token, and a second one finds
// nothing (404).
func TestDeleteSession(t *testing.T) { server.ForBackends(t, testDeleteSession) }

func testDeleteSession(t *testing.T) {
	e := newEnv(t)
	for _, session := range []string{"1001", "1002"} {
		p := labvancedtest.Payload(labvanced.RouteRecordTrial)
		p["expSessionNr"] = session
		status, answer := e.do(t, labvancedtest.NewFormRequest("/labvanced/recordTrial", p))
		require.Equal(t, http.StatusOK, status, answer)
		status, answer = e.do(t, labvancedtest.NewUploadRequest("/labvanced/file_upload", session, "rec.webm", bytes.NewReader([]byte("webm of "+session))))
		require.Equal(t, http.StatusOK, status, answer)
	}
	files := func() []string {
		entries, err := os.ReadDir(e.cfg.UploadsDir)
		require.NoError(t, err)
		var names []string
		for _, f := range entries {
			names = append(names, f.Name())
		}
		return names
	}
	require.Len(t, files(), 2)
	kept := e.events(t, "session=1002")
	require.Len(t, kept, 2)

	del := func(client *http.Client, target string) (int, server.Deleted) {
		req, err := http.NewRequest(http.MethodDelete, e.srv.URL+target, nil)
		require.NoError(t, err)
		resp, err := client.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var d server.Deleted
		if resp.StatusCode == http.StatusOK {
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&d))
		}
		return resp.StatusCode, d
	}
	status, _ := del(http.DefaultClient, "/sessions/labvanced/1001")
	assert.Equal(t, http.StatusUnauthorized, status, "deletion needs the token")
	assert.Len(t, e.events(t, "session=1001"), 2)

	status, d := del(e.srv.Client(), "/sessions/labvanced/1001")
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, server.Deleted{Vendor: "labvanced", Session: "1001", Events: 2, Uploads: 1, Files: 1}, d)
	assert.Empty(t, e.events(t, "session=1001"), "its rows are gone")
	assert.Equal(t, kept, e.events(t, "session=1002"), "the other session is untouched")
	left := files()
	require.Len(t, left, 1, "its file is gone")
	b, err := os.ReadFile(e.cfg.UploadsDir + "/" + left[0])
	require.NoError(t, err)
	assert.Equal(t, "webm of 1002", string(b))

	status, _ = del(e.srv.Client(), "/sessions/labvanced/1001")
	assert.Equal(t, http.StatusNotFound, status, "nothing left to delete")
	status, _ = del(e.srv.Client(), "/sessions/wms/1002")
	assert.Equal(t, http.StatusNotFound, status, "the vendor is part of the session's name")
	assert.Len(t, e.events(t, "session=1002"), 2)
}
