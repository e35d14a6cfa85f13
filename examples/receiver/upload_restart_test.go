package main

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/labvanced/labvancedtest"
)

// TestUploadLeftoverSweptOnRestart kills the receiver with SIGKILL while an
// upload's file is being written: its temporary file stays behind, under a
// name no stored row points to, and the next start with the same -instance
// removes it at once, not a day later. A peer's fresh temporary file in the
// same directory is kept.
func TestUploadLeftoverSweptOnRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the receiver binary; skipped with -short")
	}
	dir := t.TempDir()
	bin := buildReceiver(t)
	p := startReceiver(t, bin, dir, nil, "-instance", "killed1")
	uploads := filepath.Join(dir, "uploads")
	peer := filepath.Join(uploads, ".upload-peer1-0123456789abcdef.tmp")
	require.NoError(t, os.WriteFile(peer, []byte("a peer's upload in flight"), 0o600))

	file, feed := io.Pipe()
	req := labvancedtest.NewUploadRequest(p.baseURL+"/labvanced/file_upload", "982345", "rec.webm", file)
	req.RequestURI = ""
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	go feed.Write(bytes.Repeat([]byte("w"), 256<<10)) //nolint:errcheck // ends with the kill
	own := filepath.Join(uploads, ".upload-killed1-*.tmp")
	require.Eventually(t, func() bool {
		m, _ := filepath.Glob(own)
		return len(m) == 1
	}, 10*time.Second, 10*time.Millisecond, "the upload's temporary file appears")
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGKILL))
	p.cmd.Wait() //nolint:errcheck // killed
	feed.CloseWithError(io.ErrUnexpectedEOF)
	<-sent
	left, err := filepath.Glob(own)
	require.NoError(t, err)
	require.Len(t, left, 1, "the killed run left its temporary file")

	p = startReceiver(t, bin, dir, nil, "-instance", "killed1")
	defer func() {
		p.cmd.Process.Kill() //nolint:errcheck
		p.cmd.Wait()         //nolint:errcheck
	}()
	left, err = filepath.Glob(own)
	require.NoError(t, err)
	assert.Empty(t, left, "the restarted instance swept its killed run's temporary file")
	_, err = os.Stat(peer)
	assert.NoError(t, err, "a peer's fresh temporary file is kept")
}
