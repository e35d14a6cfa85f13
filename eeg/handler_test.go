package eeg_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/eeg"
	"github.com/vendorhooks/vendorhooks/eeg/eegtest"
)

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

func TestHandler(t *testing.T) {
	var got []string
	h := eeg.NewHandler(func(_ context.Context, ev eeg.Event) error {
		got = append(got, ev.Kind())
		if ev.Kind() == "metrics" {
			return errors.New("database is down: secret-dsn")
		}
		return nil
	}, eeg.WithMaxBodyBytes(4096))

	t.Run("JSON and Python text, any content type", func(t *testing.T) {
		got = nil
		rec := serve(h, eegtest.NewRequest(eegtest.JSON["blink"]))
		assert.Equal(t, http.StatusOK, rec.Code)
		assert.Equal(t, "{\"ok\":true}\n", rec.Body.String())
		assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))

		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(eegtest.Doc["eye"]))
		r.Header.Set("Content-Type", "text/plain")
		assert.Equal(t, http.StatusOK, serve(h, r).Code)
		assert.Equal(t, []string{"blink", "eye"}, got)
	})
	t.Run("any mount path", func(t *testing.T) {
		mux := http.NewServeMux()
		mux.Handle("/hooks/petal/", http.StripPrefix("/hooks/petal", h))
		r := eegtest.NewRequest(eegtest.JSON["bandpower"])
		r.URL.Path = "/hooks/petal/"
		assert.Equal(t, http.StatusOK, serve(mux, r).Code)
	})
	t.Run("400 names the position", func(t *testing.T) {
		rec := serve(h, eegtest.NewRequest("{'type': 'blink' 'data': {}}"))
		assert.Equal(t, http.StatusBadRequest, rec.Code)
		assert.JSONEq(t, `{"error":"eeg: line 1, column 18 (offset 17): unexpected '\\'', want ',' or '}'"}`, rec.Body.String())
	})
	t.Run("400 names the field", func(t *testing.T) {
		rec := serve(h, eegtest.NewRequest(`{"type":"blink","data":{}}`))
		assert.Equal(t, http.StatusBadRequest, rec.Code)
		assert.JSONEq(t, `{"error":"eeg: data.blink: missing, want object"}`, rec.Body.String())
	})
	t.Run("405", func(t *testing.T) {
		rec := serve(h, httptest.NewRequest(http.MethodGet, "/", nil))
		assert.Equal(t, http.StatusMethodNotAllowed, rec.Code)
		assert.Equal(t, "POST", rec.Header().Get("Allow"))
	})
	t.Run("413", func(t *testing.T) {
		rec := serve(h, eegtest.NewRequest(eegtest.Doc["metricsJson"]+strings.Repeat(" ", 4096)))
		assert.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
	})
	t.Run("500 hides fn's error", func(t *testing.T) {
		rec := serve(h, eegtest.NewRequest(eegtest.JSON["metrics"]))
		assert.Equal(t, http.StatusInternalServerError, rec.Code)
		assert.NotContains(t, rec.Body.String(), "secret")
	})
}

func TestHandlerLogs(t *testing.T) {
	var buf bytes.Buffer
	h := eeg.NewHandler(func(context.Context, eeg.Event) error { return errors.New("boom") },
		eeg.WithLogger(slog.New(slog.NewTextHandler(&buf, nil))))
	rec := serve(h, eegtest.NewRequest(eegtest.JSON["eye"]))
	require.Equal(t, http.StatusInternalServerError, rec.Code)
	assert.Contains(t, buf.String(), "level=WARN")
	assert.Contains(t, buf.String(), "kind=eye")
	assert.Contains(t, buf.String(), "status=500")
	assert.Contains(t, buf.String(), "boom")
}

// TestHandlerDefaultLimit checks the default body limit of 1 MiB: a body of
// exactly 1 MiB is served, one byte more is answered 413 without calling fn.
func TestHandlerDefaultLimit(t *testing.T) {
	calls := 0
	h := eeg.NewHandler(func(context.Context, eeg.Event) error { calls++; return nil })
	body := eegtest.JSON["blink"]
	fill := strings.Repeat(" ", 1<<20-len(body))
	assert.Equal(t, http.StatusOK, serve(h, eegtest.NewRequest(body+fill)).Code)
	assert.Equal(t, http.StatusRequestEntityTooLarge, serve(h, eegtest.NewRequest(body+fill+" ")).Code)
	assert.Equal(t, 1, calls)
}
