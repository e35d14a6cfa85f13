package eegtest_test

import (
	"context"
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
	h := eeg.NewHandler(func(_ context.Context, ev eeg.Event) error {
		got = ev
		return nil
	})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, eegtest.NewRequest(eegtest.Bandpower5))
	require.Equal(t, http.StatusOK, rec.Code)
	bp, ok := got.(*eeg.Bandpower)
	require.True(t, ok)
	require.NotNil(t, bp.Power.Aux)
	assert.Equal(t, "0.5", bp.Power.Aux.Alpha.String())
}
