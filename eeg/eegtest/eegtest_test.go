package eegtest_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/eeg"
	"github.com/vendorhooks/vendorhooks/eeg/eegtest"
	// Imported so that `go test ./... -update` finds the flag here too.
	_ "github.com/vendorhooks/vendorhooks/internal/golden"
)

const dir = "../../testdata/eeg/"

// TestPayloadsMatchGoldenInputs keeps the payloads equal to the golden
// inputs, whose decoding the eeg package's golden files pin down.
func TestPayloadsMatchGoldenInputs(t *testing.T) {
	for kind, body := range eegtest.Doc {
		b, err := os.ReadFile(dir + "spec-" + strings.ToLower(kind) + ".in")
		require.NoError(t, err)
		assert.Equal(t, string(b), body+"\n", kind)
	}
	for kind, body := range eegtest.JSON {
		b, err := os.ReadFile(dir + "real-" + strings.ToLower(kind) + ".in")
		require.NoError(t, err)
		assert.Equal(t, string(b), body+"\n", kind)
	}
	b, err := os.ReadFile(dir + "json-bandpower-5ch.in")
	require.NoError(t, err)
	assert.Equal(t, string(b), eegtest.Bandpower5+"\n")
	b, err = os.ReadFile(dir + "json-unknown-heart-rate.in")
	require.NoError(t, err)
	assert.Equal(t, string(b), eegtest.Unknown+"\n")
}

func TestPayloadsDecodeToTheirKind(t *testing.T) {
	for _, set := range []map[string]string{eegtest.Doc, eegtest.JSON} {
		for kind, body := range set {
			ev, err := eeg.Decode([]byte(body))
			require.NoError(t, err, kind)
			assert.Equal(t, kind, ev.Kind())
		}
	}
}

func TestNewRequest(t *testing.T) {
	var got eeg.Event
	mux := http.NewServeMux()
	mux.Handle("/hooks/petal/", http.StripPrefix("/hooks/petal", eeg.NewHandler(func(ctx context.Context, ev eeg.Event) error {
		got = ev
		return nil
	})))
	mux.HandleFunc("/", func(http.ResponseWriter, *http.Request) { t.Error("request not sent to its target") })
	r := eegtest.NewRequest("/hooks/petal/?x=1", []byte(eegtest.Bandpower5))
	assert.Equal(t, http.MethodPost, r.Method)
	assert.Equal(t, "/hooks/petal/", r.URL.Path)
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	assert.Equal(t, int64(len(eegtest.Bandpower5)), r.ContentLength)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, r)
	require.Equal(t, http.StatusOK, rec.Code)
	bp, ok := got.(*eeg.Bandpower)
	require.True(t, ok)
	require.NotNil(t, bp.Power.Aux)
	assert.Equal(t, "0.5", bp.Power.Aux.Alpha.String())

	assert.Panics(t, func() { eegtest.NewRequest("::bad", nil) })
}

func TestNewClientRequest(t *testing.T) {
	type seen struct {
		method, path, contentType string
		body                      []byte
	}
	got := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.Method, r.URL.Path, r.Header.Get("Content-Type"), b}
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := eegtest.NewClientRequest(ctx, srv.URL+"/petal/", []byte(eegtest.JSON["eye"]))
	require.NoError(t, err)
	assert.Equal(t, ctx, req.Context())
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, seen{http.MethodPost, "/petal/", "application/json", []byte(eegtest.JSON["eye"])}, <-got)

	_, err = eegtest.NewClientRequest(ctx, "://no scheme", nil)
	assert.Error(t, err)
}
