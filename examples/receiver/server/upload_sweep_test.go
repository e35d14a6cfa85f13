package server_test

import (
	"bytes"
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

// TestUploadsSweptOnStart: Open sweeps UploadsDir of its own instance's
// temporary upload files (its killed run's), however fresh, and of any
// older than a day (a crashed peer's); it keeps a peer's fresh one and
// every stored file, and an upload leaves no temporary file.
func TestUploadsSweptOnStart(t *testing.T) { server.ForBackends(t, testUploadsSweptOnStart) }

func testUploadsSweptOnStart(t *testing.T) {
	uploads := filepath.Join(t.TempDir(), "uploads")
	require.NoError(t, os.MkdirAll(uploads, 0o750))
	stale := ".upload-crashed-0123456789abcdef.tmp"
	own := ".upload-rcv1-00112233445566ff.tmp"
	fresh := ".upload-peer-fedcba9876543210.tmp"
	kept := "g0_old.webm"
	old := time.Now().Add(-25 * time.Hour)
	for _, name := range []string{stale, own, fresh, kept} {
		p := filepath.Join(uploads, name)
		require.NoError(t, os.WriteFile(p, []byte("partial"), 0o600))
		if name == stale || name == kept {
			require.NoError(t, os.Chtimes(p, old, old))
		}
	}
	e := newEnv(t, func(c *server.Config) { c.UploadsDir, c.Instance = uploads, "rcv1" })
	_, err := os.Lstat(filepath.Join(uploads, stale))
	assert.ErrorIs(t, err, os.ErrNotExist, "a temporary file older than a day is swept")
	_, err = os.Lstat(filepath.Join(uploads, own))
	assert.ErrorIs(t, err, os.ErrNotExist, "the instance's own fresh temporary file is swept")
	for _, name := range []string{fresh, kept} {
		_, err := os.Lstat(filepath.Join(uploads, name))
		assert.NoError(t, err, name)
	}

	status, answer := e.do(t, labvancedtest.NewUploadRequest("/labvanced/file_upload", "982345", "rec.webm", bytes.NewReader([]byte("webm data"))))
	require.Equal(t, http.StatusOK, status, answer)
	var temps []string
	entries, err := os.ReadDir(uploads)
	require.NoError(t, err)
	for _, en := range entries {
		if strings.HasSuffix(en.Name(), ".tmp") && en.Name() != fresh {
			temps = append(temps, en.Name())
		}
	}
	assert.Empty(t, temps, "a stored upload leaves no temporary file")
	assert.Len(t, entries, 3, "the peer's temporary file, the old file and the new upload")
}

// TestInstanceConfig: Open refuses an Instance that cannot name temporary
// files. SQLite only: the refusal comes before the database is opened.
func TestInstanceConfig(t *testing.T) {
	for _, id := range []string{"a-b", "rcv 1", "x/../y", strings.Repeat("a", 65), "é"} {
		_, err := server.Open(t.Context(), server.Config{DBPath: filepath.Join(t.TempDir(), "x.db"), Instance: id})
		assert.ErrorContains(t, err, "Config.Instance is", id)
	}
	s, err := server.Open(t.Context(), server.Config{DBPath: filepath.Join(t.TempDir(), "x.db"), Instance: strings.Repeat("Z9", 32)})
	require.NoError(t, err, "64 letters and digits")
	require.NoError(t, s.Close())
}
