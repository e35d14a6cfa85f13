package wmstest_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	// The golden harness is not used here; the import gives this test
	// binary the -update flag that `go test ./... -update` passes.
	_ "github.com/vendorhooks/vendorhooks/internal/golden"
	"github.com/vendorhooks/vendorhooks/wms"
	"github.com/vendorhooks/vendorhooks/wms/wmstest"
)

// TestEventsMatchGoldens checks every sample event against the golden input
// of its code, written from the vendor's table by hand.
func TestEventsMatchGoldens(t *testing.T) {
	evs := wmstest.Events()
	require.Len(t, evs, len(wms.Codes()))
	for i, ev := range evs {
		name := fmt.Sprintf("../../testdata/wms/code-%02d-*.in", i)
		matches, err := filepath.Glob(name)
		require.NoError(t, err)
		require.Len(t, matches, 1, name)
		data, err := os.ReadFile(matches[0])
		require.NoError(t, err)
		want, err := wms.Decode(data)
		require.NoError(t, err)
		assert.Empty(t, cmp.Diff(want, ev), "%s", ev.Code)

		again, err := wms.Decode(wmstest.Body(ev))
		require.NoError(t, err)
		assert.Empty(t, cmp.Diff(ev, again), "%s round trip", ev.Code)
	}
}

func TestEventUnknownCode(t *testing.T) {
	ev := wmstest.Event("FACE_LOST", 4)
	again, err := wms.Decode(wmstest.Body(ev))
	require.NoError(t, err)
	assert.Empty(t, cmp.Diff(ev, again))
	assert.Equal(t, &wms.RawPayload{Raw: []byte(`{}`)}, again.Payload)
}

func TestSpecBody(t *testing.T) {
	ev, err := wms.Decode([]byte(wmstest.SpecBody))
	require.NoError(t, err)
	assert.Equal(t, wms.CodeMeasurementCreated, ev.Code)
	data, err := os.ReadFile("../../testdata/wms/spec-body.in")
	require.NoError(t, err)
	assert.Equal(t, string(data), wmstest.SpecBody+"\n")
}

func TestRequests(t *testing.T) {
	body := []byte(`{"a":"€"}`)
	r := wmstest.NewRequest("/hooks", body, "k")
	assert.Equal(t, http.MethodPost, r.Method)
	assert.Equal(t, "/hooks", r.URL.Path)
	assert.Equal(t, wmstest.Sign(body, "k"), r.Header.Get(wms.MACHeader))
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	got, err := io.ReadAll(r.Body)
	require.NoError(t, err)
	assert.Equal(t, body, got)
	n := wmstest.NewNodeRequest("/hooks", body, "k")
	assert.Equal(t, wmstest.SignNode(body, "k"), n.Header.Get(wms.MACHeader))
	assert.NotEqual(t, r.Header.Get(wms.MACHeader), n.Header.Get(wms.MACHeader), "non-ASCII: the two ways differ")
	// RFC 4231 test case 2, to pin Sign to HMAC-SHA256 in lowercase hex.
	assert.Equal(t, "hmac-sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
		wmstest.Sign([]byte("what do ya want for nothing?"), "Jefe"))
}

func TestNewClientRequest(t *testing.T) {
	type key struct{}
	ctx := context.WithValue(context.Background(), key{}, "v")
	body := []byte(`{"a":"€"}`)
	r, err := wmstest.NewClientRequest(ctx, "http://example.test/hooks?x=1", body, "k")
	require.NoError(t, err)
	assert.Equal(t, http.MethodPost, r.Method)
	assert.Equal(t, "http://example.test/hooks?x=1", r.URL.String())
	assert.Empty(t, r.RequestURI, "a client request")
	assert.Equal(t, "v", r.Context().Value(key{}))
	assert.Equal(t, wmstest.Sign(body, "k"), r.Header.Get(wms.MACHeader))
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	assert.Equal(t, int64(len(body)), r.ContentLength)
	got, err := io.ReadAll(r.Body)
	require.NoError(t, err)
	assert.Equal(t, body, got)

	_, err = wmstest.NewClientRequest(ctx, "http://bad host/", body, "k")
	assert.Error(t, err)
}
