package labvanced_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks"
	"github.com/vendorhooks/vendorhooks/labvanced"
	"github.com/vendorhooks/vendorhooks/labvanced/labvancedtest"
)

// TestHandlerOriginNotAllowed: a POST whose Origin is present and not
// allowed gets no CORS grant but is delivered, with one more warning naming
// the origin (quoted, cut to 32 bytes); without an Origin, or from an
// allowed one, there is none. WithStrict refuses it 400, an upload with no
// file left.
func TestHandlerOriginNotAllowed(t *testing.T) {
	var got []vendorhooks.Warning
	files := t.TempDir()
	h := labvanced.NewHandler(func(ctx context.Context, ev labvanced.Event) error {
		d, _ := vendorhooks.DeliveryFromContext(ctx)
		got = d.Warnings
		return nil
	}, labvanced.WithOrigins("https://study.example.org"), labvanced.WithFileStore(labvanced.DirStore(files)))
	send := func(r *http.Request, origin string) *httptest.ResponseRecorder {
		got = nil
		if origin == "" {
			r.Header.Del("Origin")
		} else {
			r.Header.Set("Origin", origin)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		return w
	}
	trial := func() *http.Request {
		return labvancedtest.NewFormRequest("/s/recordTrial", labvancedtest.Payload(labvanced.RouteRecordTrial))
	}
	upload := func() *http.Request {
		return labvancedtest.NewUploadRequest("/s/file_upload", "982345", "rec.webm", strings.NewReader("webm bytes"))
	}
	long := "https://a-very-long-subdomain-of.example.org"
	for _, req := range []func() *http.Request{trial, upload} {
		send(req(), "")
		base := got
		for _, origin := range []string{labvancedtest.Origin, "https://study.example.org"} {
			w := send(req(), origin)
			assert.Equal(t, origin, w.Header().Get("Access-Control-Allow-Origin"))
			assert.Equal(t, base, got, "allowed origin %s: no warning", origin)
		}
		for origin, msg := range map[string]string{
			"https://evil.example": `origin not allowed: "https://evil.example"`,
			long:                   `origin not allowed: "https://a-very-long-subdomain-of"...`,
			"null":                 `origin not allowed: "null"`,
		} {
			w := send(req(), origin)
			assert.Empty(t, w.Header().Get("Access-Control-Allow-Origin"), "no CORS grant for %s", origin)
			want := append(append([]vendorhooks.Warning(nil), base...), vendorhooks.Warning{Offset: -1, Msg: msg})
			assert.Equal(t, want, got, "origin %s", origin)
		}
	}

	strictFiles := t.TempDir()
	strict := labvanced.NewHandler(func(context.Context, labvanced.Event) error {
		t.Error("strict delivered a request from a disallowed origin")
		return nil
	}, labvanced.WithStrict(), labvanced.WithFileStore(labvanced.DirStore(strictFiles)))
	for _, r := range []*http.Request{trial(), upload()} {
		r.Header.Set("Origin", "https://evil.example")
		w := httptest.NewRecorder()
		strict.ServeHTTP(w, r)
		assert.Equal(t, http.StatusBadRequest, w.Code, w.Body.String())
		assert.Contains(t, w.Body.String(), "origin not allowed")
	}
	left, err := os.ReadDir(strictFiles)
	require.NoError(t, err)
	assert.Empty(t, left, "a refused upload leaves no file")
}
