package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/examples/receiver/server"
	"github.com/vendorhooks/vendorhooks/wms/wmstest"
)

// wmsGolden is the shape of a wms .golden.json.
type wmsGolden struct {
	Kind  string          `json:"kind"`
	Event json.RawMessage `json:"event"`
}

// TestWMSGolden sends every WMS golden body, signed, to the receiver. Several
// goldens share a session and sequence number: the first of each kind is
// stored, a later one of the same kind is a duplicate (the same
// Delivery.IdempotencyKey), answered 200 and not stored again.
func TestWMSGolden(t *testing.T) { server.ForBackends(t, testWMSGolden) }

func testWMSGolden(t *testing.T) {
	e := newEnv(t)
	type key struct {
		kind, session string
		seq           int64
	}
	firstOf := map[key]string{}
	stored := 0
	for _, c := range goldenCases(t, "wms") {
		t.Run(c.Name, func(t *testing.T) {
			req := wmstest.NewRequest(e.srv.URL+"/wms/", c.Data, wmsSecret)
			before := time.Now()
			status, answer := e.do(t, req)
			if c.Want == nil {
				assert.Equal(t, http.StatusBadRequest, status, answer)
				assert.Len(t, e.events(t, "vendor=wms"), stored, "a refused event is not stored")
				return
			}
			require.Equal(t, http.StatusOK, status, answer)
			var want wmsGolden
			require.NoError(t, json.Unmarshal(c.Want, &want))
			var id struct {
				SessionID string `json:"sessionId"`
				Sequence  int64  `json:"sequence"`
			}
			require.NoError(t, json.Unmarshal(want.Event, &id))
			k := key{want.Kind, id.SessionID, id.Sequence}
			evs := e.events(t, "vendor=wms")
			if first, dup := firstOf[k]; dup {
				assert.Len(t, evs, stored, "a duplicate of %s is not stored again", first)
				return
			}
			firstOf[k] = c.Name
			stored++
			require.Len(t, evs, stored)
			got := e.event(t, evs[len(evs)-1].ID)
			assert.Equal(t, "wms", got.Vendor)
			assert.Equal(t, want.Kind, got.Kind)
			assert.Equal(t, id.SessionID, got.Session)
			assert.NotEmpty(t, got.Verdict)
			assertReceived(t, got.ReceivedAt, before)
			assert.Equal(t, compact(t, want.Event), compact(t, got.Event))
			assert.Equal(t, c.Warnings, got.Warnings)
			assert.Equal(t, c.Data, storedRaw(t, got))
		})
	}
	require.Positive(t, stored)
}

// TestWMSVerdicts checks the stored tracker verdicts of a session with a
// gap, a late event and a duplicate, and that the duplicate is stored once.
func TestWMSVerdicts(t *testing.T) { server.ForBackends(t, testWMSVerdicts) }

func testWMSVerdicts(t *testing.T) {
	e := newEnv(t)
	send := func(seq int64) {
		body := fmt.Appendf(nil, `{"timestamp":1689684577,"sessionId":"verdicts","sequence":%d,"event":"WMS_LOADED","severity":"INFO"}`, seq)
		status, answer := e.do(t, wmstest.NewRequest(e.srv.URL+"/wms/", body, wmsSecret))
		require.Equal(t, http.StatusOK, status, answer)
	}
	for _, seq := range []int64{0, 1, 4, 2, 4, 3} {
		send(seq)
	}
	evs := e.events(t, "session=verdicts")
	var got []string
	for _, ev := range evs {
		var v struct{ Sequence int64 }
		require.NoError(t, json.Unmarshal(ev.Event, &v))
		got = append(got, fmt.Sprintf("%d %s", v.Sequence, ev.Verdict))
	}
	assert.Equal(t, []string{"0 in order", "1 in order", "4 gap (missing 2..3)", "2 late", "3 late"}, got)
}

func TestWMSUnauthorized(t *testing.T) { server.ForBackends(t, testWMSUnauthorized) }

func testWMSUnauthorized(t *testing.T) {
	e := newEnv(t)
	body, err := os.ReadFile(filepath.Join(testdata, "wms", "spec-body.in"))
	require.NoError(t, err)
	unauthorized(t, e, "wms", "/wms/", body, func(r *http.Request) {})
	unauthorized(t, e, "wms", "/wms/", body, func(r *http.Request) {
		r.Header.Set("X-WMS-Content-MAC", wmstest.Sign(body, "wrong-secret"))
	})
	unauthorized(t, e, "wms", "/wms/", body, func(r *http.Request) {
		// Signed with the right secret, but the body was changed after.
		r.Header.Set("X-WMS-Content-MAC", wmstest.Sign(body, wmsSecret))
		tampered := bytes.Replace(body, []byte(`"sequence": 0`), []byte(`"sequence": 1`), 1)
		r.Body, r.ContentLength = readCloser(tampered), int64(len(tampered))
	})
}
