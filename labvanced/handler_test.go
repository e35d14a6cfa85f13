package labvanced_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks"
	"github.com/vendorhooks/vendorhooks/labvanced"
	"github.com/vendorhooks/vendorhooks/labvanced/labvancedtest"
)

// recorder collects the events a handler passes to its function.
type recorder struct {
	mu     sync.Mutex
	events []labvanced.Event
	err    error // returned by fn
}

func (r *recorder) fn(_ context.Context, ev labvanced.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
	return r.err
}

func (r *recorder) all() []labvanced.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]labvanced.Event(nil), r.events...)
}

// answer is the JSON of a handler's answer.
type answer struct {
	Success  *bool  `json:"success"`
	Error    string `json:"error"`
	FileGUID string `json:"file_guid"`
	FileName string `json:"file_name"`
}

func serve(t *testing.T, h http.Handler, r *http.Request) (*httptest.ResponseRecorder, answer) {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	var a answer
	if w.Code != http.StatusNoContent {
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &a), "answer %q", w.Body.String())
		assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
	}
	return w, a
}

// bodyRoutes are the routes with a JSON or form body: every known route but
// file_upload.
var bodyRoutes = []string{
	labvanced.RouteStartExpPlayer, labvanced.RouteStartFirstPlayerSession,
	labvanced.RouteSetPlayerSessionStartedTime, labvanced.RouteAddMetaInfo,
	labvanced.RouteRecordStartTask, labvanced.RouteRecordTrial,
	labvanced.RouteFinishExpSession, labvanced.RouteErrExpSession,
}

// TestHandlerMounts sends every route, as form and as JSON, through the
// handler mounted in several ways; each reaches fn as its own type.
func TestHandlerMounts(t *testing.T) {
	rec := &recorder{}
	h := labvanced.NewHandler(rec.fn)
	mux := http.NewServeMux()
	mux.Handle("/study1/", http.StripPrefix("/study1", h))
	mux.Handle("/deep/er/path/", h) // no StripPrefix: the last element still decides
	for _, base := range []string{"/study1/", "/deep/er/path/"} {
		for _, route := range bodyRoutes {
			for _, req := range []*http.Request{
				labvancedtest.NewFormRequest(base+route, labvancedtest.Payload(route)),
				labvancedtest.NewJSONRequest(base+route+"/", labvancedtest.Payload(route)),
			} {
				w, a := serve(t, mux, req)
				require.Equal(t, http.StatusOK, w.Code, "%s%s: %s", base, route, w.Body)
				assert.Equal(t, `{"success":true}`+"\n", w.Body.String())
				assert.True(t, *a.Success)
				assert.Equal(t, labvancedtest.Origin, w.Header().Get("Access-Control-Allow-Origin"))
				assert.Equal(t, "Origin", w.Header().Get("Vary"))
			}
		}
	}
	evs := rec.all()
	require.Len(t, evs, 2*2*len(bodyRoutes))
	for i, ev := range evs {
		assert.Equal(t, bodyRoutes[(i/2)%len(bodyRoutes)], ev.Kind())
	}
	trial := evs[2*5].(*labvanced.RecordTrial)
	rt, ok := trial.RecData.Data["rt"].AsInt()
	assert.True(t, ok)
	assert.EqualValues(t, 512, rt)
}

func TestHandlerUnknownRoute(t *testing.T) {
	rec := &recorder{}
	h := labvanced.NewHandler(rec.fn)
	w, _ := serve(t, h, labvancedtest.NewJSONRequest("/s/newRoute", map[string]any{"a": 1}))
	require.Equal(t, http.StatusOK, w.Code)
	u := rec.all()[0].(*labvanced.Unknown)
	assert.Equal(t, "newRoute", u.Route)
	assert.JSONEq(t, `{"a":1}`, string(u.Raw))

	w, a := serve(t, h, labvancedtest.NewJSONRequest("/", map[string]any{"a": 1}))
	assert.Equal(t, http.StatusNotFound, w.Code)
	assert.False(t, *a.Success)
}

// TestHandlerErrors checks the status and body of each failure, and that
// the CORS origin is on every one of them, so the browser can read it.
func TestHandlerErrors(t *testing.T) {
	failing := &recorder{err: errors.New("database down: password=hunter2")}
	tests := []struct {
		name    string
		h       http.Handler
		req     *http.Request
		status  int
		message string
	}{
		{"malformed", labvanced.NewHandler((&recorder{}).fn),
			jsonRequest("/s/recordTrial", `{"expId":`),
			http.StatusBadRequest, "labvanced: offset 9: json body: unexpected end of input"},
		{"strict", labvanced.NewHandler((&recorder{}).fn, labvanced.WithStrict()),
			labvancedtest.NewFormRequest("/s/recordTrial", map[string]any{"expId": "abc"}),
			http.StatusBadRequest, "labvanced: strict: /expSessionNr: missing"},
		{"route too long", labvanced.NewHandler((&recorder{}).fn),
			labvancedtest.NewRequest("/s/"+strings.Repeat("r", 65), []byte("a=1")),
			http.StatusNotFound, "labvanced: route of 65 bytes is longer than 64"},
		{"fn fails", labvanced.NewHandler(failing.fn),
			labvancedtest.NewFormRequest("/s/recordTrial", labvancedtest.Payload("recordTrial")),
			http.StatusInternalServerError, "handler failed"},
		{"too large", labvanced.NewHandler((&recorder{}).fn, labvanced.WithMaxBodyBytes(64)),
			labvancedtest.NewFormRequest("/s/recordTrial", labvancedtest.Payload("recordTrial")),
			http.StatusRequestEntityTooLarge, "request body too large"},
		{"method", labvanced.NewHandler((&recorder{}).fn),
			withOrigin(httptest.NewRequest(http.MethodGet, "/s/recordTrial", nil)),
			http.StatusMethodNotAllowed, "labvanced: method \"GET\" not allowed"},
		{"other encoding", labvanced.NewHandler((&recorder{}).fn),
			withEncoding(labvancedtest.NewFormRequest("/s/recordTrial", labvancedtest.Payload("recordTrial")), "br"),
			http.StatusUnsupportedMediaType, "unsupported content encoding"},
		{"empty route", labvanced.NewHandler((&recorder{}).fn),
			labvancedtest.NewRequest("/", []byte("a=1")),
			http.StatusNotFound, "labvanced: no route in the path"},
		{"upload without store", labvanced.NewHandler((&recorder{}).fn),
			labvancedtest.NewUploadRequest("/s/file_upload", "1", "a.webm", strings.NewReader("x")),
			http.StatusNotFound, "labvanced: file uploads are not enabled on this server"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, a := serve(t, tt.h, tt.req)
			assert.Equal(t, tt.status, w.Code)
			require.NotNil(t, a.Success)
			assert.False(t, *a.Success)
			assert.Equal(t, tt.message, a.Error)
			assert.NotContains(t, w.Body.String(), "hunter2")
			assert.Equal(t, labvancedtest.Origin, w.Header().Get("Access-Control-Allow-Origin"))
			assert.Equal(t, "Origin", w.Header().Get("Vary"))
			if tt.status == http.StatusMethodNotAllowed {
				assert.Equal(t, "POST, OPTIONS", w.Header().Get("Allow"))
			}
		})
	}
}

func withEncoding(r *http.Request, enc string) *http.Request {
	r.Header.Set("Content-Encoding", enc)
	return r
}

func withOrigin(r *http.Request) *http.Request {
	r.Header.Set("Origin", labvancedtest.Origin)
	return r
}

// TestHandlerRetriedTrial: the player resends /recordTrial until the answer
// lacks success:false; a failing store gets the same trial again, and the
// first success ends it.
func TestHandlerRetriedTrial(t *testing.T) {
	rec := &recorder{err: errors.New("busy")}
	h := labvanced.NewHandler(rec.fn)
	payload := labvancedtest.Payload("recordTrial")
	w, a := serve(t, h, labvancedtest.NewFormRequest("/s/recordTrial", payload))
	assert.Equal(t, http.StatusInternalServerError, w.Code)
	assert.False(t, *a.Success)
	rec.err = nil
	w, a = serve(t, h, labvancedtest.NewFormRequest("/s/recordTrial", payload))
	assert.Equal(t, http.StatusOK, w.Code)
	assert.True(t, *a.Success)
	evs := rec.all()
	require.Len(t, evs, 2)
	assert.Equal(t, evs[0], evs[1])
}

// TestHandlerDefaultLimit: a large trial (over 5 MiB of mouse samples) is
// far below the 32 MiB default and is accepted.
func TestHandlerDefaultLimit(t *testing.T) {
	samples := make([]any, 0, 50000)
	for i := range cap(samples) {
		samples = append(samples, map[string]any{"x": i % 1920, "y": i % 1080, "t": i})
	}
	payload := labvancedtest.Payload("recordTrial")
	payload["recData"].(map[string]any)["data"].(map[string]any)["mouse"] = samples
	req := labvancedtest.NewFormRequest("/s/recordTrial", payload)
	require.Greater(t, req.ContentLength, int64(5<<20))
	rec := &recorder{}
	w, _ := serve(t, labvanced.NewHandler(rec.fn), req)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	mouse, ok := rec.all()[0].(*labvanced.RecordTrial).RecData.Data["mouse"].AsArray()
	require.True(t, ok)
	assert.Len(t, mouse, len(samples))
}

func TestCORSPreflight(t *testing.T) {
	rec := &recorder{}
	tests := []struct {
		name   string
		h      http.Handler
		origin string
		allow  bool
	}{
		{"default origin", labvanced.NewHandler(rec.fn), "https://www.labvanced.com", true},
		{"other origin", labvanced.NewHandler(rec.fn), "https://evil.example", false},
		{"listed origin", labvanced.NewHandler(rec.fn, labvanced.WithOrigins("https://study.example.org/")), "https://study.example.org", true},
		{"default kept with list", labvanced.NewHandler(rec.fn, labvanced.WithOrigins("https://study.example.org")), "https://www.labvanced.com", true},
		{"origin func", labvanced.NewHandler(rec.fn, labvanced.WithOriginFunc(func(o string) bool {
			return strings.HasSuffix(o, ".labvanced.com")
		})), "https://app.labvanced.com", true},
		{"origin func refuses", labvanced.NewHandler(rec.fn, labvanced.WithOriginFunc(func(o string) bool {
			return strings.HasSuffix(o, ".labvanced.com")
		})), "https://labvanced.com.evil.example", false},
		{"star", labvanced.NewHandler(rec.fn, labvanced.WithOrigins("*")), "http://localhost:8000", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			tt.h.ServeHTTP(w, labvancedtest.NewPreflight("/study/recordTrial", tt.origin))
			assert.Equal(t, http.StatusNoContent, w.Code)
			assert.Empty(t, w.Body.String())
			assert.Equal(t, "POST, OPTIONS", w.Header().Get("Access-Control-Allow-Methods"))
			assert.Equal(t, "Content-Type", w.Header().Get("Access-Control-Allow-Headers"))
			assert.Equal(t, "Origin", w.Header().Get("Vary"))
			if tt.allow {
				assert.Equal(t, tt.origin, w.Header().Get("Access-Control-Allow-Origin"))
			} else {
				assert.Empty(t, w.Header().Get("Access-Control-Allow-Origin"))
			}

			// The POST (here a malformed one) carries the same decision.
			req := jsonRequest("/study/recordTrial", `{"expId":[1]`)
			req.Header.Set("Origin", tt.origin)
			pw := httptest.NewRecorder()
			tt.h.ServeHTTP(pw, req)
			assert.Equal(t, http.StatusBadRequest, pw.Code)
			assert.Equal(t, w.Header().Get("Access-Control-Allow-Origin"), pw.Header().Get("Access-Control-Allow-Origin"))
			assert.Equal(t, "Origin", pw.Header().Get("Vary"))
		})
	}
	assert.Empty(t, rec.all(), "preflights and malformed posts never reach fn")
}

// TestHandlerDefaultBodyLimit: without WithMaxBodyBytes, a body of exactly
// 32 MiB is served and one byte more is answered 413 (with the CORS
// origin), streamed or declared. The route is one Decode does not know, so
// the test measures the limit, not the decoder.
func TestHandlerDefaultBodyLimit(t *testing.T) {
	const limit = 32 << 20
	// The body is one JSON string of size bytes, kept as it is in Raw.
	post := func(size int, declared int64) *http.Request {
		r := labvancedtest.NewJSONRequest("/s/someFutureRoute", nil)
		body := io.MultiReader(strings.NewReader(`"`), io.LimitReader(letters{}, int64(size-2)), strings.NewReader(`"`))
		r.Body, r.ContentLength = io.NopCloser(body), declared
		return r
	}
	rec := &recorder{}
	h := labvanced.NewHandler(rec.fn)
	w, _ := serve(t, h, post(limit, -1))
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.Len(t, rec.all(), 1)
	assert.Equal(t, limit, len(rec.all()[0].(*labvanced.Unknown).Raw))

	for _, declared := range []int64{-1, limit + 1} {
		w, a := serve(t, h, post(limit+1, declared))
		assert.Equal(t, http.StatusRequestEntityTooLarge, w.Code, "declared length %d", declared)
		assert.Equal(t, labvancedtest.Origin, w.Header().Get("Access-Control-Allow-Origin"))
		require.NotNil(t, a.Success)
		assert.False(t, *a.Success)
	}
	assert.Len(t, rec.all(), 1)
}

// letters is an endless reader of 'a'.
type letters struct{}

func (letters) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}

// jsonRequest is a POST of body as application/json from the player's
// origin.
func jsonRequest(target, body string) *http.Request {
	r := labvancedtest.NewRequest(target, []byte(body))
	r.Header.Set("Content-Type", "application/json")
	return r
}

// TestHandlerWarnings: a body with warnings is delivered (200) with them in
// Delivery.Warnings, in body order, unknown members included; WithStrict
// answers 400 instead and never calls fn.
func TestHandlerWarnings(t *testing.T) {
	body := `{"expId":4711,"expSessionNr":"p-7f3a","trialNr":"x","recData":{"data":{"rt":1,"rt":2}},"color":"red"}`
	var got *vendorhooks.Delivery
	h := labvanced.NewHandler(func(ctx context.Context, ev labvanced.Event) error {
		got, _ = vendorhooks.DeliveryFromContext(ctx)
		return nil
	})
	w, a := serve(t, h, jsonRequest("/s/recordTrial", body))
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.True(t, *a.Success)
	require.NotNil(t, got)
	assert.Equal(t, "p-7f3a", got.Session)
	var msgs []string
	for _, w := range got.Warnings {
		msgs = append(msgs, w.String())
	}
	assert.Equal(t, []string{
		"/recTaskId: missing",
		"/taskId: missing",
		`/trialNr: want integer, got string "x"`,
		"/recData/data/rt: duplicate key: the last value wins",
		"/color: unknown field, kept",
	}, msgs)

	rec := &recorder{}
	strict := labvanced.NewHandler(rec.fn, labvanced.WithStrict())
	w, a = serve(t, strict, jsonRequest("/s/recordTrial", body))
	assert.Equal(t, http.StatusBadRequest, w.Code)
	assert.Equal(t, "labvanced: strict: /recTaskId: missing", a.Error)
	w, _ = serve(t, strict, jsonRequest("/s/errExpSession", `{"err_msg":"x","color":"red"}`))
	assert.Equal(t, http.StatusBadRequest, w.Code, "strict refuses unknown members too")
	assert.Empty(t, rec.all())
}

// TestHandlerLongRoute: a route of 1 MiB is answered 404, like an empty
// one, and logged cut.
func TestHandlerLongRoute(t *testing.T) {
	var log bytes.Buffer
	rec := &recorder{}
	h := labvanced.NewHandler(rec.fn, labvanced.WithLogger(slog.New(slog.NewTextHandler(&log, nil))))
	w, a := serve(t, h, labvancedtest.NewRequest("/s/"+strings.Repeat("r", 1<<20), []byte("expId=1")))
	assert.Equal(t, http.StatusNotFound, w.Code)
	assert.Equal(t, "labvanced: route of 1048576 bytes is longer than 64", a.Error)
	assert.Less(t, log.Len(), 1024, log.String())
	assert.Empty(t, rec.all())
	w, _ = serve(t, h, labvancedtest.NewRequest("/s/"+strings.Repeat("r", 64), []byte("expId=1")))
	assert.Equal(t, http.StatusOK, w.Code, "64 bytes is an unknown route")
}
