package labvanced_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/labvanced"
)

// blockingReader yields first, then blocks until release is closed, then
// yields rest.
type blockingReader struct {
	first, rest []byte
	release     chan struct{}
}

func (r *blockingReader) Read(p []byte) (int, error) {
	if len(r.first) > 0 {
		n := copy(p, r.first)
		r.first = r.first[n:]
		return n, nil
	}
	if r.release != nil {
		<-r.release
		r.release = nil
	}
	if len(r.rest) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.rest)
	r.rest = r.rest[n:]
	return n, nil
}

// tempNames returns the names in dir that are temporary files of instance.
func tempNames(t *testing.T, dir, instance string) []string {
	t.Helper()
	var names []string
	for _, n := range dirNames(t, dir) {
		if strings.HasPrefix(n, ".upload-"+instance+"-") && strings.HasSuffix(n, ".tmp") {
			names = append(names, n)
		}
	}
	return names
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func newInstanceStore(t *testing.T, dir, instance string) labvanced.InstanceDirStore {
	t.Helper()
	s, err := labvanced.DirStore(dir).ForInstance(instance)
	require.NoError(t, err)
	assert.Equal(t, dir, s.Dir())
	assert.Equal(t, instance, s.Instance())
	return s
}

// TestDirStoreTempName: during a Put the content is in a temporary file of
// the store's instance and the final name does not exist; it appears, with
// the whole content, only after the fsync and the rename, and no temporary
// file is left.
func TestDirStoreTempName(t *testing.T) {
	dir := t.TempDir()
	store := newInstanceStore(t, dir, "a1b2")
	first := bytes.Repeat([]byte("x"), 300<<10)
	rest := bytes.Repeat([]byte("y"), 100<<10)
	r := &blockingReader{first: first, rest: rest, release: make(chan struct{})}
	type result struct {
		name string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		name, err := store.Put(context.Background(), "g1", "rec.webm", r)
		done <- result{name, err}
	}()
	waitFor(t, "the temporary file", func() bool {
		names := tempNames(t, dir, "a1b2")
		if len(names) != 1 {
			return false
		}
		fi, err := os.Stat(filepath.Join(dir, names[0]))
		return err == nil && fi.Size() >= int64(len(first)/2)
	})
	_, err := os.Lstat(filepath.Join(dir, "g1_rec.webm"))
	assert.ErrorIs(t, err, os.ErrNotExist, "the final name does not exist before the fsync and rename")
	assert.Len(t, dirNames(t, dir), 1, "only the temporary file")
	close(r.release)
	res := <-done
	require.NoError(t, res.err)
	assert.Equal(t, "g1_rec.webm", res.name)
	got, err := os.ReadFile(filepath.Join(dir, res.name))
	require.NoError(t, err)
	assert.Equal(t, append(first, rest...), got)
	assert.Equal(t, []string{"g1_rec.webm"}, dirNames(t, dir), "no temporary file is left")
}

// TestDirStoreFailedPutLeavesNoTemp: a Put that fails midway (the reader
// fails, the context ends, the final name exists) leaves no temporary file.
func TestDirStoreFailedPutLeavesNoTemp(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store := newInstanceStore(t, dir, "inst")
	_, err := store.Put(ctx, "g1", "a.webm", &errReader{n: 600 << 10})
	assert.ErrorContains(t, err, "connection reset")
	assert.Empty(t, dirNames(t, dir))

	canceled, cancel := context.WithCancel(ctx)
	r := &blockingReader{first: bytes.Repeat([]byte("x"), 64<<10), release: make(chan struct{})}
	done := make(chan error, 1)
	go func() {
		_, err := store.Put(canceled, "g2", "a.webm", io.MultiReader(r, strings.NewReader("more")))
		done <- err
	}()
	waitFor(t, "the temporary file", func() bool { return len(tempNames(t, dir, "inst")) == 1 })
	cancel()
	close(r.release)
	assert.ErrorIs(t, <-done, context.Canceled)
	assert.Empty(t, dirNames(t, dir))

	_, err = store.Put(ctx, "g3", "a.webm", strings.NewReader("first"))
	require.NoError(t, err)
	_, err = store.Put(ctx, "g3", "a.webm", strings.NewReader("second"))
	assert.ErrorIs(t, err, os.ErrExist)
	assert.Equal(t, []string{"g3_a.webm"}, dirNames(t, dir))
	got, err := os.ReadFile(filepath.Join(dir, "g3_a.webm"))
	require.NoError(t, err)
	assert.Equal(t, "first", string(got))

	var zero labvanced.InstanceDirStore
	_, err = zero.Put(ctx, "g4", "a.webm", strings.NewReader("x"))
	assert.Error(t, err, "the zero InstanceDirStore has no instance id")
	for _, bad := range []string{"", "a-b", "a_b", "../x", strings.Repeat("a", 65)} {
		_, err := labvanced.DirStore(dir).ForInstance(bad)
		assert.Error(t, err, bad)
	}
}

// TestDirStoreSweep: Sweep removes its instance's temporary files and any
// older than the limit, and keeps a peer's fresh one, final names, other
// files, and the temporary file of a Put in flight.
func TestDirStoreSweep(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store := newInstanceStore(t, dir, "me")
	old := time.Now().Add(-25 * time.Hour)
	files := map[string]bool{ // name: removed by the sweep
		".upload-me-0123456789abcdef.tmp":   true,  // this instance's leftover
		".upload-peer-0123456789abcdef.tmp": false, // a peer's, fresh
		".upload-gone-fedcba9876543210.tmp": true,  // a peer's, 25 h old
		"g1_rec.webm":                       false, // a final name, 25 h old
		".upload-x.tmp":                     false, // not a temporary name
		"notes.txt":                         false,
	}
	for name := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte("partial"), 0o600))
		if name == ".upload-gone-fedcba9876543210.tmp" || name == "g1_rec.webm" {
			require.NoError(t, os.Chtimes(p, old, old))
		}
	}
	r := &blockingReader{first: []byte("in flight"), release: make(chan struct{})}
	done := make(chan error, 1)
	go func() {
		_, err := store.Put(ctx, "g2", "live.webm", r)
		done <- err
	}()
	waitFor(t, "the Put in flight", func() bool { return len(tempNames(t, dir, "me")) == 2 })

	n, err := store.Sweep(ctx, 24*time.Hour)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	for name, removed := range files {
		_, err := os.Lstat(filepath.Join(dir, name))
		if removed {
			assert.ErrorIs(t, err, os.ErrNotExist, name)
		} else {
			assert.NoError(t, err, name)
		}
	}
	assert.Len(t, tempNames(t, dir, "me"), 1, "the temporary file of a Put in flight stays")
	close(r.release)
	require.NoError(t, <-done)
	_, err = os.Stat(filepath.Join(dir, "g2_live.webm"))
	assert.NoError(t, err)
	assert.Empty(t, tempNames(t, dir, "me"))

	// The peer's fresh file goes once the limit says so, and with 0.
	n, err = store.Sweep(ctx, 0)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Empty(t, tempNames(t, dir, "peer"))

	_, err = labvanced.DirStore(filepath.Join(dir, "missing")).Sweep(ctx, time.Hour)
	assert.ErrorIs(t, err, os.ErrNotExist)
}

// TestDirStoreKilled: a process killed (SIGKILL) in the middle of a Put
// leaves only a temporary file of its instance, never a partial file under
// the final name, and a Sweep for that instance removes it.
func TestDirStoreKilled(t *testing.T) {
	if dir := os.Getenv("LABVANCED_KILLED_PUT_DIR"); dir != "" {
		store, err := labvanced.DirStore(dir).ForInstance("victim")
		if err != nil {
			os.Exit(2)
		}
		_, _ = store.Put(context.Background(), "g1", "rec.webm", os.Stdin)
		os.Exit(3) // reached only if stdin ends: the test kills first
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestDirStoreKilled$")
	cmd.Env = append(os.Environ(), "LABVANCED_KILLED_PUT_DIR="+dir)
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	_, err = stdin.Write(bytes.Repeat([]byte("z"), 1<<20))
	require.NoError(t, err)
	waitFor(t, "the child's temporary file", func() bool {
		names := tempNames(t, dir, "victim")
		if len(names) != 1 {
			return false
		}
		fi, err := os.Stat(filepath.Join(dir, names[0]))
		return err == nil && fi.Size() == 1<<20
	})
	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()
	names := dirNames(t, dir)
	require.Len(t, names, 1, "only the temporary file")
	assert.True(t, strings.HasPrefix(names[0], ".upload-victim-"), names[0])

	peer := newInstanceStore(t, dir, "peer")
	n, err := peer.Sweep(context.Background(), 24*time.Hour)
	require.NoError(t, err)
	assert.Zero(t, n, "a peer's fresh temporary file is not swept")
	n, err = newInstanceStore(t, dir, "victim").Sweep(context.Background(), 24*time.Hour)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Empty(t, dirNames(t, dir))
}
