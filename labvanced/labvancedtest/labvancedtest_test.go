package labvancedtest_test

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	// Every test binary must know -update (see internal/golden).
	_ "github.com/vendorhooks/vendorhooks/internal/golden"
	"github.com/vendorhooks/vendorhooks/labvanced"
	"github.com/vendorhooks/vendorhooks/labvanced/labvancedtest"
)

// TestParam compares with what jQuery 3's $.param returns for the same
// object (keys in order).
func TestParam(t *testing.T) {
	got := labvancedtest.Param(map[string]any{
		"a": map[string]any{"b": []any{1, 2}, "c": map[string]any{"d": "x y/ä&="}},
		"e": nil,
		"f": []any{},
		"g": []any{map[string]any{"h": true}, []any{"i"}},
		"k": 1.5,
	})
	assert.Equal(t, "a%5Bb%5D%5B%5D=1&a%5Bb%5D%5B%5D=2&a%5Bc%5D%5Bd%5D=x+y%2F%C3%A4%26%3D&e=&g%5B0%5D%5Bh%5D=true&g%5B1%5D%5B%5D=i&k=1.5", got)
}

func TestRequestsDecode(t *testing.T) {
	for _, route := range []string{
		labvanced.RouteStartExpPlayer, labvanced.RouteStartFirstPlayerSession,
		labvanced.RouteSetPlayerSessionStartedTime, labvanced.RouteAddMetaInfo,
		labvanced.RouteRecordStartTask, labvanced.RouteRecordTrial,
		labvanced.RouteFinishExpSession, labvanced.RouteErrExpSession,
	} {
		for _, r := range []*http.Request{
			labvancedtest.NewFormRequest("/s/"+route, labvancedtest.Payload(route)),
			labvancedtest.NewJSONRequest("/s/"+route, labvancedtest.Payload(route)),
		} {
			assert.Equal(t, labvancedtest.Origin, r.Header.Get("Origin"))
			body, err := io.ReadAll(r.Body)
			require.NoError(t, err)
			ev, err := labvanced.Decode(route, r.Header.Get("Content-Type"), body)
			require.NoError(t, err, "%s %s", route, body)
			assert.Equal(t, route, ev.Kind())
		}
	}
	assert.Nil(t, labvancedtest.Payload(labvanced.RouteFileUpload))

	body, ct := labvancedtest.UploadBody("982345", "rec.webm", []byte("abc"))
	ev, err := labvanced.Decode("file_upload", ct, body)
	require.NoError(t, err)
	up := ev.(*labvanced.FileUpload)
	assert.Equal(t, int64(3), up.Size)
	assert.Equal(t, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", up.SHA256)
	assert.Equal(t, "rec.webm", up.NewFileName)

	r := labvancedtest.NewUploadRequest("/s/file_upload", "982345", "rec.webm", io.LimitReader(zeroReader{}, 1<<20))
	streamed, err := io.ReadAll(r.Body)
	require.NoError(t, err)
	ev, err = labvanced.Decode("file_upload", r.Header.Get("Content-Type"), streamed)
	require.NoError(t, err)
	assert.Equal(t, int64(1<<20), ev.(*labvanced.FileUpload).Size)

	pre := labvancedtest.NewPreflight("/s/recordTrial", labvancedtest.Origin)
	assert.Equal(t, http.MethodOptions, pre.Method)
	assert.Equal(t, "POST", pre.Header.Get("Access-Control-Request-Method"))
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestNewRequestShape(t *testing.T) {
	r := labvancedtest.NewRequest("/s/recordTrial", []byte("a=1"))
	assert.Equal(t, http.MethodPost, r.Method)
	assert.Equal(t, "/s/recordTrial", r.URL.Path)
	assert.Equal(t, labvancedtest.FormContentType, r.Header.Get("Content-Type"))
	assert.Equal(t, labvancedtest.Origin, r.Header.Get("Origin"))
	b, err := io.ReadAll(r.Body)
	require.NoError(t, err)
	assert.Equal(t, "a=1", string(b))

	c, err := labvancedtest.NewClientRequest(context.Background(), "http://example.test/s/recordTrial", []byte("a=1"))
	require.NoError(t, err)
	assert.Empty(t, c.RequestURI, "a client request")
	assert.Equal(t, int64(3), c.ContentLength)
	assert.Equal(t, labvancedtest.FormContentType, c.Header.Get("Content-Type"))
	_, err = labvancedtest.NewClientRequest(context.Background(), "://bad", nil)
	assert.Error(t, err)
}
