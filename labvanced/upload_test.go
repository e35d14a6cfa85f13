package labvanced_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks"
	"github.com/vendorhooks/vendorhooks/internal/hostile"
	"github.com/vendorhooks/vendorhooks/internal/race"
	"github.com/vendorhooks/vendorhooks/internal/tolerant"
	"github.com/vendorhooks/vendorhooks/labvanced"
	"github.com/vendorhooks/vendorhooks/labvanced/labvancedtest"
)

// uploadSetup returns a handler storing into root/store, the store's path,
// and root, whose only entry must stay "store".
func uploadSetup(t *testing.T, rec *recorder, opts ...labvanced.Option) (h http.Handler, dir, root string) {
	t.Helper()
	root = t.TempDir()
	dir = filepath.Join(root, "store")
	require.NoError(t, os.Mkdir(dir, 0o755))
	opts = append([]labvanced.Option{labvanced.WithFileStore(labvanced.DirStore(dir))}, opts...)
	return labvanced.NewHandler(rec.fn, opts...), dir, root
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	names := []string{}
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestUploadStoresFile(t *testing.T) {
	rec := &recorder{}
	h, dir, _ := uploadSetup(t, rec)
	content := bytes.Repeat([]byte("webm\x00\xff"), 100000)
	w, a := serve(t, h, labvancedtest.NewUploadRequest("/study/file_upload", "982345", "voice_b1_t1_tr1.webm", bytes.NewReader(content)))
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Nil(t, a.Success, "the player reads file_guid and file_name only")
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, a.FileGUID)
	assert.Equal(t, a.FileGUID+"_voice_b1_t1_tr1.webm", a.FileName)
	assert.Equal(t, labvancedtest.Origin, w.Header().Get("Access-Control-Allow-Origin"))

	got, err := os.ReadFile(filepath.Join(dir, a.FileName))
	require.NoError(t, err)
	assert.Equal(t, content, got)
	st, err := os.Stat(filepath.Join(dir, a.FileName))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())

	sum := sha256.Sum256(content)
	evs := rec.all()
	require.Len(t, evs, 1)
	assert.Equal(t, &labvanced.FileUpload{
		ExpSessionNr: "982345",
		NewFileName:  "voice_b1_t1_tr1.webm",
		GUID:         a.FileGUID,
		FileName:     a.FileName,
		Size:         int64(len(content)),
		SHA256:       hex.EncodeToString(sum[:]),
		ContentType:  "application/octet-stream",
		PartFileName: "blob",
	}, evs[0])
}

// TestUploadHostileNames: whatever the player suggests, the file lands in
// the store directory, under one safe name.
func TestUploadHostileNames(t *testing.T) {
	for _, name := range []string{
		"../../etc/passwd", "/abs/path", "a\x00b", "CON", "nul.webm", `..\..\windows\win.ini`,
		strings.Repeat("n", 300), strings.Repeat("ü", 300), "Aufnahme äöü 日本語 🎤.webm", "", ".", "..",
	} {
		t.Run(name, func(t *testing.T) {
			rec := &recorder{}
			h, dir, root := uploadSetup(t, rec)
			w, a := serve(t, h, labvancedtest.NewUploadRequest("/s/file_upload", "7", name, strings.NewReader("data")))
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			assert.Equal(t, []string{"store"}, dirNames(t, root))
			assert.Equal(t, []string{a.FileName}, dirNames(t, dir))
			assert.Equal(t, filepath.Base(a.FileName), a.FileName)
			assert.LessOrEqual(t, len(a.FileName), 255)
			assert.True(t, strings.HasPrefix(a.FileName, a.FileGUID+"_"))
			got, err := os.ReadFile(filepath.Join(dir, a.FileName))
			require.NoError(t, err)
			assert.Equal(t, "data", string(got))
			if strings.HasPrefix(name, "Aufnahme") {
				assert.Equal(t, a.FileGUID+"_Aufnahme_äöü_日本語__.webm", a.FileName)
			}
			assert.Equal(t, name, rec.all()[0].(*labvanced.FileUpload).NewFileName)
		})
	}
}

// TestUploadStoreFails: a store that cannot write answers 500 (the
// player may retry) and fn is not called.
func TestUploadStoreFails(t *testing.T) {
	rec := &recorder{}
	h := labvanced.NewHandler(rec.fn, labvanced.WithFileStore(labvanced.DirStore(filepath.Join(t.TempDir(), "missing"))))
	w, a := serve(t, h, labvancedtest.NewUploadRequest("/s/file_upload", "7", "a.webm", strings.NewReader("data")))
	assert.Equal(t, http.StatusInternalServerError, w.Code)
	assert.Equal(t, "handler failed", a.Error, "the store's error (a path) is not shown")
	assert.Empty(t, rec.all())
}

func TestUploadSameNameTwice(t *testing.T) {
	rec := &recorder{}
	h, dir, _ := uploadSetup(t, rec)
	var names []string
	for _, content := range []string{"first", "second"} {
		w, a := serve(t, h, labvancedtest.NewUploadRequest("/s/file_upload", "7", "rec.webm", strings.NewReader(content)))
		require.Equal(t, http.StatusOK, w.Code)
		names = append(names, a.FileName)
	}
	require.NotEqual(t, names[0], names[1])
	assert.ElementsMatch(t, names, dirNames(t, dir))
	for i, content := range []string{"first", "second"} {
		got, err := os.ReadFile(filepath.Join(dir, names[i]))
		require.NoError(t, err)
		assert.Equal(t, content, string(got))
	}
}

// errReader yields n bytes of data, then fails: a connection cut mid-file.
type errReader struct{ n int }

func (r *errReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, errors.New("connection reset")
	}
	k := min(len(p), r.n)
	for i := range p[:k] {
		p[i] = 'x'
	}
	r.n -= k
	return k, nil
}

// TestUploadFailuresLeaveNoFile: an upload that fails at any point, before,
// during or after storing, leaves the directory empty.
func TestUploadFailuresLeaveNoFile(t *testing.T) {
	big := func() io.Reader { return io.LimitReader(zeros{}, 3<<20) }
	body, ct := labvancedtest.UploadBody("7", "a.webm", []byte("data"))
	var two bytes.Buffer
	mw := multipart.NewWriter(&two)
	require.NoError(t, mw.WriteField("expSessionNr", "7"))
	for _, name := range []string{"a.webm", "b.webm"} {
		fw, err := mw.CreateFormFile("myFile", name)
		require.NoError(t, err)
		_, _ = fw.Write([]byte("data"))
	}
	require.NoError(t, mw.Close())
	// fileThen builds an upload whose file comes first, followed by
	// fields: the stored file must be removed when a field is refused.
	fileThen := func(fields ...[2]string) func() *http.Request {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, err := mw.CreateFormFile("myFile", "a.webm")
		require.NoError(t, err)
		_, _ = fw.Write([]byte("data"))
		for _, f := range fields {
			require.NoError(t, mw.WriteField(f[0], f[1]))
		}
		require.NoError(t, mw.Close())
		return func() *http.Request { return rawUpload(buf.Bytes(), mw.FormDataContentType()) }
	}
	manyFields := [][2]string{{"expSessionNr", "7"}, {"newFileName", "a.webm"}}
	for i := len(manyFields); i < 65; i++ {
		manyFields = append(manyFields, [2]string{fmt.Sprintf("extra%d", i), "x"})
	}
	tests := []struct {
		name   string
		opts   []labvanced.Option
		fnErr  error
		req    func() *http.Request
		status int
	}{
		{"over the limit, streamed", []labvanced.Option{labvanced.WithMaxUploadBytes(1 << 20)}, nil,
			func() *http.Request { return labvancedtest.NewUploadRequest("/s/file_upload", "7", "a.webm", big()) },
			http.StatusRequestEntityTooLarge},
		{"over the limit, declared", []labvanced.Option{labvanced.WithMaxUploadBytes(16)}, nil,
			func() *http.Request { return rawUpload(body, ct) }, http.StatusRequestEntityTooLarge},
		{"cut off mid-file", nil, nil,
			func() *http.Request {
				return labvancedtest.NewUploadRequest("/s/file_upload", "7", "a.webm", &errReader{n: 2 << 20})
			}, http.StatusBadRequest},
		{"body ends mid-file", nil, nil,
			func() *http.Request { return rawUpload(body[:len(body)-20], ct) }, http.StatusBadRequest},
		{"fn fails", nil, errors.New("db down"),
			func() *http.Request {
				return labvancedtest.NewUploadRequest("/s/file_upload", "7", "a.webm", strings.NewReader("data"))
			}, http.StatusInternalServerError},
		{"strict: second file", []labvanced.Option{labvanced.WithStrict()}, nil,
			func() *http.Request { return rawUpload(two.Bytes(), mw.FormDataContentType()) }, http.StatusBadRequest},
		{"strict: unknown field after the file", []labvanced.Option{labvanced.WithStrict()}, nil,
			fileThen([2]string{"expSessionNr", "7"}, [2]string{"newFileName", "a.webm"}, [2]string{"color", "red"}), http.StatusBadRequest},
		{"field over 64 KiB after the file", nil, nil,
			fileThen([2]string{"expSessionNr", "7"}, [2]string{"newFileName", strings.Repeat("n", 64<<10+1)}), http.StatusBadRequest},
		{"more than 64 fields after the file", nil, nil, fileThen(manyFields...), http.StatusBadRequest},
		{"not multipart", nil, nil,
			func() *http.Request { return labvancedtest.NewFormRequest("/s/file_upload", map[string]any{"a": 1}) },
			http.StatusBadRequest},
		{"multipart without boundary", nil, nil,
			func() *http.Request { return rawUpload(body, "multipart/form-data") }, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{err: tt.fnErr}
			h, dir, root := uploadSetup(t, rec, tt.opts...)
			w, a := serve(t, h, tt.req())
			assert.Equal(t, tt.status, w.Code, w.Body.String())
			require.NotNil(t, a.Success)
			assert.False(t, *a.Success)
			assert.NotEmpty(t, a.Error)
			assert.Equal(t, labvancedtest.Origin, w.Header().Get("Access-Control-Allow-Origin"))
			assert.Empty(t, dirNames(t, dir))
			assert.Equal(t, []string{"store"}, dirNames(t, root))
		})
	}
}

func rawUpload(body []byte, contentType string) *http.Request {
	r := labvancedtest.NewJSONRequest("/s/file_upload", nil)
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	r.Header.Set("Content-Type", contentType)
	return r
}

// zeros is an endless reader of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// onlyReader hides every method of r but Read, as a plain network reader.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// TestDirStoreAlone uses DirStore without the handler: it stores what it
// reads across several buffers, never overwrites, and leaves nothing behind
// when it fails.
func TestDirStoreAlone(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store := labvanced.DirStore(dir)
	content := bytes.Repeat([]byte("0123456789abcdef"), (1<<20+123)/16)

	name, err := store.Put(ctx, "g1", "../rec.webm", onlyReader{bytes.NewReader(content)})
	require.NoError(t, err)
	assert.Equal(t, "g1__rec.webm", name)
	got, err := os.ReadFile(filepath.Join(dir, name))
	require.NoError(t, err)
	assert.Equal(t, content, got)

	_, err = store.Put(ctx, "g1", "../rec.webm", strings.NewReader("other"))
	require.ErrorIs(t, err, os.ErrExist, "an existing file is never overwritten")
	got, err = os.ReadFile(filepath.Join(dir, name))
	require.NoError(t, err)
	assert.Equal(t, content, got)

	_, err = store.Put(ctx, "../g2", "a.webm", strings.NewReader("x"))
	assert.Error(t, err)
	_, err = store.Put(ctx, "g3", "a.webm", &errReader{n: 600 << 10})
	assert.ErrorContains(t, err, "connection reset")
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = store.Put(canceled, "g4", "a.webm", strings.NewReader("x"))
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, []string{name}, dirNames(t, dir), "failed puts leave no file")

	assert.Error(t, store.Remove(ctx, "../"+name))
	require.NoError(t, store.Remove(ctx, name))
	assert.Empty(t, dirNames(t, dir))
}

// shortStore reads only the start of each file and remembers what the
// handler asks it to remove.
type shortStore struct{ removed []string }

func (s *shortStore) Put(_ context.Context, guid, _ string, r io.Reader) (string, error) {
	_, err := io.ReadFull(r, make([]byte, 10))
	return guid + "_short", err
}

func (s *shortStore) Remove(_ context.Context, name string) error {
	s.removed = append(s.removed, name)
	return nil
}

// TestUploadStoreStopsEarly: a store that returns before reading the whole
// file must not produce a silently shortened upload: the answer is 500 and
// the stored file is removed.
func TestUploadStoreStopsEarly(t *testing.T) {
	rec := &recorder{}
	store := &shortStore{}
	h := labvanced.NewHandler(rec.fn, labvanced.WithFileStore(store))
	w, a := serve(t, h, labvancedtest.NewUploadRequest("/s/file_upload", "7", "a.webm", strings.NewReader(strings.Repeat("x", 100))))
	assert.Equal(t, http.StatusInternalServerError, w.Code, w.Body.String())
	assert.Equal(t, "handler failed", a.Error)
	require.Len(t, store.removed, 1)
	assert.True(t, strings.HasSuffix(store.removed[0], "_short"))
	assert.Empty(t, rec.all())
}

// discardStore reads every file to the end and keeps nothing.
type discardStore struct{}

func (discardStore) Put(_ context.Context, guid, _ string, r io.Reader) (string, error) {
	_, err := io.Copy(io.Discard, r)
	return guid + "_discarded", err
}

func (discardStore) Remove(context.Context, string) error { return nil }

// TestUploadDefaultLimit: without WithMaxUploadBytes, a whole /file_upload
// request of 128 MiB (a file over the player's 100 MB cap) is served, and
// one byte more is answered 413, streamed or declared.
func TestUploadDefaultLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 384 MiB")
	}
	const limit = 128 << 20
	empty, _ := labvancedtest.UploadBody("7", "a.webm", nil)
	upload := func(total, declared int64) *http.Request {
		r := labvancedtest.NewUploadRequest("/s/file_upload", "7", "a.webm",
			io.LimitReader(zeros{}, total-int64(len(empty))))
		r.ContentLength = declared
		return r
	}
	rec := &recorder{}
	h := labvanced.NewHandler(rec.fn, labvanced.WithFileStore(discardStore{}))

	w, _ := serve(t, h, upload(limit, limit))
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	evs := rec.all()
	require.Len(t, evs, 1)
	assert.Equal(t, int64(limit-len(empty)), evs[0].(*labvanced.FileUpload).Size)
	assert.Greater(t, evs[0].(*labvanced.FileUpload).Size, int64(100e6))

	for _, declared := range []int64{-1, limit + 1} {
		r := upload(limit+1, declared)
		w, a := serve(t, h, r)
		_ = r.Body.Close() // ends the writer when the handler refused unread
		assert.Equal(t, http.StatusRequestEntityTooLarge, w.Code, "declared length %d: %s", declared, w.Body.String())
		assert.Equal(t, labvancedtest.Origin, w.Header().Get("Access-Control-Allow-Origin"))
		require.NotNil(t, a.Success)
		assert.False(t, *a.Success)
	}
	assert.Len(t, rec.all(), 1)
}

// TestUploadWarnings: an upload with warnings is stored and delivered with
// them (a second myFile replaces the first, whose file is removed); under
// WithStrict it is refused and leaves no file (TestUploadFailuresLeaveNoFile).
func TestUploadWarnings(t *testing.T) {
	var two bytes.Buffer
	mw := multipart.NewWriter(&two)
	require.NoError(t, mw.WriteField("expSessionNr", "s-7"))
	require.NoError(t, mw.WriteField("newFileName", "a.webm"))
	require.NoError(t, mw.WriteField("color", "red"))
	for _, name := range []string{"a.webm", "b.webm"} {
		fw, err := mw.CreateFormFile("myFile", name)
		require.NoError(t, err)
		_, _ = fw.Write([]byte("data-" + name))
	}
	require.NoError(t, mw.Close())
	var got *vendorhooks.Delivery
	root := t.TempDir()
	h := labvanced.NewHandler(func(ctx context.Context, ev labvanced.Event) error {
		got, _ = vendorhooks.DeliveryFromContext(ctx)
		return nil
	}, labvanced.WithFileStore(labvanced.DirStore(root)))
	w, a := serve(t, h, rawUpload(two.Bytes(), mw.FormDataContentType()))
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	names := dirNames(t, root)
	require.Len(t, names, 1)
	assert.Equal(t, a.FileName, names[0])
	content, err := os.ReadFile(filepath.Join(root, names[0]))
	require.NoError(t, err)
	assert.Equal(t, "data-b.webm", string(content), "the last file wins")
	require.NotNil(t, got)
	assert.Equal(t, "s-7", got.Session)
	var msgs []string
	for _, w := range got.Warnings {
		msgs = append(msgs, w.String())
	}
	assert.Equal(t, []string{"/color: unknown field, kept", "/myFile: given twice: the last file wins"}, msgs)
}

// TestUploadWarningsBounded: an upload of many file parts this package
// does not know, and of a field with a long name, lists the first 100
// warnings in body order (all without offset: by path) and counts the
// rest, each path cut to 256 bytes; the list is kept to a few hundred
// warnings while the parts are read (tolerant.Compact), not one per part.
func TestUploadWarningsBounded(t *testing.T) {
	if race.Enabled {
		t.Skip("an allocation bound: checked without -race, whose instrumentation allocates (.ci/run runs it so)")
	}
	const parts = 20_000
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	require.NoError(t, mw.WriteField(strings.Repeat("n", 100_000), "v"))
	for i := range parts {
		fw, err := mw.CreateFormFile("f"+strconv.Itoa(i), "x")
		require.NoError(t, err)
		_, _ = fw.Write([]byte("x"))
	}
	fw, err := mw.CreateFormFile("myFile", "a.webm")
	require.NoError(t, err)
	_, _ = fw.Write([]byte("data"))
	require.NoError(t, mw.Close())
	var ws []vendorhooks.Warning
	n := hostile.Allocated(func() {
		_, ws, err = labvanced.DecodeWarnings(labvanced.RouteFileUpload, mw.FormDataContentType(), body.Bytes())
	})
	require.NoError(t, err)
	t.Logf("%d parts, %.2f MiB body: %d bytes allocated, %d a part", parts, float64(body.Len())/(1<<20), n, n/parts)
	// mime/multipart's own reading costs about 1,200 bytes a part; a
	// warning kept for each part (and its path) cost 1,506.
	assert.Less(t, n/parts, uint64(1350), "bytes allocated a part")
	require.Len(t, ws, tolerant.MaxWarnings+2)
	// Besides the parts: expSessionNr and newFileName missing, the long
	// name unknown.
	var want []string
	for i := range parts {
		want = append(want, "/f"+strconv.Itoa(i))
	}
	want = append(want, "/expSessionNr", "/newFileName", "/"+strings.Repeat("n", tolerant.MaxPathBytes-1)+tolerant.PathCutMarker)
	slices.Sort(want) // by path: none has an offset
	for i, w := range ws[:tolerant.MaxWarnings] {
		require.Equal(t, want[i], w.Path)
	}
	assert.Equal(t, vendorhooks.Warning{Offset: -1, Msg: "1 more warning for unknown members, not listed", Unknown: true}, ws[100])
	assert.Equal(t, vendorhooks.Warning{Offset: -1, Msg: strconv.Itoa(len(want)-tolerant.MaxWarnings-1) + " more warnings, not listed"}, ws[101])
}
