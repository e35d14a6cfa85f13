package server_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/eeg"
	"github.com/vendorhooks/vendorhooks/examples/receiver/server"
)

// benchEEGCase is the Petal bandpower message BenchmarkIngest sends.
const benchEEGCase = "real-bandpower"

// TestEEGGolden sends every Petal golden body to /eeg/. The eeg goldens show
// a test view of the decoded value, so the stored event (eeg's wire-form
// JSON; for an Unknown, its raw message) is checked by decoding it again: it
// must give the event the input gives.
func TestEEGGolden(t *testing.T) { server.ForBackends(t, testEEGGolden) }

func testEEGGolden(t *testing.T) {
	e := newEnv(t)
	stored, accepted := 0, 0
	for _, c := range goldenCases(t, "eeg") {
		t.Run(c.Name, func(t *testing.T) {
			before := time.Now()
			status, answer := e.do(t, mustRequest(t, "/eeg/", c.Data))
			if c.Want == nil {
				assert.Equal(t, http.StatusBadRequest, status, answer)
				assert.Len(t, e.events(t, "vendor=eeg"), stored, "a refused message is not stored")
				return
			}
			require.Equal(t, http.StatusOK, status, answer)
			stored++
			accepted++
			var want struct{ Kind string }
			require.NoError(t, json.Unmarshal(c.Want, &want))
			evs := e.events(t, "vendor=eeg")
			require.Len(t, evs, stored)
			got := e.event(t, evs[len(evs)-1].ID)
			assert.Equal(t, want.Kind, got.Kind)
			assert.Empty(t, got.Session, "Petal has no session")
			assertReceived(t, got.ReceivedAt, before)
			assert.Equal(t, c.Warnings, got.Warnings)
			assert.Equal(t, c.Data, storedRaw(t, got))

			in, err := eeg.Decode(c.Data)
			require.NotErrorIs(t, err, eeg.ErrMalformed)
			stored := []byte(got.Event)
			if _, ok := in.(*eeg.Unknown); ok {
				// An Unknown is stored as {"kind", "raw"}; its raw
				// message decodes to it again.
				var u struct {
					Kind string          `json:"kind"`
					Raw  json.RawMessage `json:"raw"`
				}
				require.NoError(t, json.Unmarshal(got.Event, &u), "stored event %s", got.Event)
				assert.Equal(t, in.Kind(), u.Kind)
				stored = u.Raw
			}
			again, err := eeg.Decode(stored)
			require.NotErrorIs(t, err, eeg.ErrMalformed, "stored event %s", got.Event)
			assert.Empty(t, cmp.Diff(in, again, cmp.Comparer(sameFloat)), "stored event decodes to the input's event")
		})
	}
	require.Positive(t, accepted)
}

// sameFloat compares floats with NaN equal to NaN (Petal sends NaN).
func sameFloat(a, b float64) bool { return a == b || (a != a && b != b) }

func mustRequest(t testing.TB, path string, body []byte) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, path, readCloser(body))
	require.NoError(t, err)
	req.ContentLength = int64(len(body))
	req.Header.Set("Content-Type", "application/json")
	return req
}
