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

// TestUploadsSweptOnStart: Open sweeps UploadsDir of temporary upload files
// older than a day (a crashed receiver's), keeps a peer's fresh one and
// every stored file, and an upload leaves no temporary file.
func TestUploadsSweptOnStart(t *testing.T) { server.ForBackends(t, testUploadsSweptOnStart) }

func testUploadsSweptOnStart(t *testing.T) {
	uploads := filepath.Join(t.TempDir(), "uploads")
	require.NoError(t, os.MkdirAll(uploads, 0o750))
	stale := ".upload-crashed-0123456789abcdef.tmp"
	fresh := ".upload-peer-fedcba9876543210.tmp"
	kept := "g0_old.webm"
	old := time.Now().Add(-25 * time.Hour)
	for _, name := range []string{stale, fresh, kept} {
		p := filepath.Join(uploads, name)
		require.NoError(t, os.WriteFile(p, []byte("partial"), 0o600))
		if name != fresh {
			require.NoError(t, os.Chtimes(p, old, old))
		}
	}
	e := newEnv(t, func(c *server.Config) { c.UploadsDir = uploads })
	_, err := os.Lstat(filepath.Join(uploads, stale))
	assert.ErrorIs(t, err, os.ErrNotExist, "a temporary file older than a day is swept")
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
