package sim

import (
	"math/rand/v2"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/labvanced/labvancedtest"
	"github.com/vendorhooks/vendorhooks/wms"
	"github.com/vendorhooks/vendorhooks/wms/wmstest"
)

// kindsOf joins the kinds of the requests that carry an event, in order.
func kindsOf(reqs []*Request) string {
	var ks []string
	for _, r := range reqs {
		if !r.NoEvent {
			ks = append(ks, r.Kind)
		}
	}
	return strings.Join(ks, " ")
}

// TestLabvancedSessionOrder checks that a participant session comes in the
// player's order (start first session, started time, meta info, then per
// task its start and trials, one file upload after the first task, then
// finish or error), form-encoded in jQuery brackets with the player's Origin,
// and that only a JSON sender's requests are preceded by preflights.
func TestLabvancedSessionOrder(t *testing.T) {
	order := regexp.MustCompile(`^startFirstPlayerSession setPlayerSessionStartedTime addMetaInfo ` +
		`recordStartTask( recordTrial)+ file_upload( recordStartTask( recordTrial)+)+ (finishExpSession|errExpSession)$`)
	g := &labvancedGen{base: 500}
	forms, preflights := 0, 0
	for n := range 12 {
		reqs := g.Session(rand.New(rand.NewPCG(7, uint64(n))), n)
		assert.Regexp(t, order, kindsOf(reqs), "session %d", n)
		for _, r := range reqs {
			assert.Equal(t, labvancedtest.Origin, r.Header.Get("Origin"), "%s", r.Kind)
			if r.NoEvent {
				preflights++
				assert.Equal(t, http.MethodOptions, r.Method)
				continue
			}
			assert.Equal(t, strconv.Itoa(500+n), r.Session)
			if r.Header.Get("Content-Type") == labvancedtest.FormContentType {
				forms++
				if r.Kind == "recordTrial" {
					assert.Contains(t, string(r.Body), "recData%5Bdata%5D%5B", "jQuery brackets")
				}
			}
		}
	}
	assert.Positive(t, forms)
	assert.Positive(t, preflights, "JSON sessions are preceded by CORS preflights")
}

// TestWMSMeasurementOrder checks that a measurement's events come in the
// plausible order with consecutive sequence numbers, rising SNR in the
// intermediate results, and a MAC that verifies with the secret.
func TestWMSMeasurementOrder(t *testing.T) {
	order := regexp.MustCompile(`^WMS_LOADED CONFIGURATION_LOADED CAMERA_PERMISSION_GRANTED CAMERA_STARTED MEASUREMENT_STARTED MEASUREMENT_CREATED` +
		`( INTERMEDIATE_RESULTS| PAGE_VISIBILITY_CHANGE)*` +
		`( SCAN_COMPLETED RESULTS_RECEIVED| LOW_SNR MEASUREMENT_CANCELED) REDIRECTING_TO_CALLBACK$`)
	g := &wmsGen{secret: "s3cret"}
	completed := 0
	for n := range 30 {
		reqs := g.Session(rand.New(rand.NewPCG(8, uint64(n))), n)
		kinds := kindsOf(reqs)
		assert.Regexp(t, order, kinds, "session %d", n)
		if strings.Contains(kinds, "SCAN_COMPLETED") {
			completed++
		}
		lastSNR := 0.0
		for i, r := range reqs {
			g.Authorize(r, true)
			assert.Equal(t, wmstest.Sign(r.Body, "s3cret"), r.Header.Get(wms.MACHeader))
			ev, err := wms.Decode(r.Body)
			require.NoError(t, err)
			assert.Equal(t, int64(i), ev.Sequence, "consecutive sequence numbers")
			assert.Equal(t, i, r.Seq)
			assert.Equal(t, ev.SessionID, r.Session)
			if ir, ok := ev.Payload.(*wms.IntermediateResults); ok {
				assert.Greater(t, ir.SNR, lastSNR, "session %d: SNR rises", n)
				lastSNR = ir.SNR
			}
		}
	}
	assert.Positive(t, completed, "most measurements complete")
}

// TestSignageSessionForms checks that a signage session triggers by POST
// (with the key in the header) and by both GET forms (payload and eventId,
// with the key in the query).
func TestSignageSessionForms(t *testing.T) {
	g := &signageGen{key: "k"}
	forms := map[string]int{}
	for _, r := range g.Session(rand.New(rand.NewPCG(1, 1)), 0) {
		g.Authorize(r, true)
		switch {
		case r.Method == http.MethodPost:
			forms["post"]++
			assert.Equal(t, "k", r.Header.Get("X-Webhook-Apikey"))
		case r.Query.Has("payload"):
			forms["get payload"]++
			assert.Equal(t, "k", r.Query.Get("apiKey"))
		case r.Query.Has("eventId"):
			forms["get eventId"]++
			assert.Equal(t, "k", r.Query.Get("apiKey"))
		default:
			t.Errorf("request of no known form: %+v", r)
		}
	}
	assert.Len(t, forms, 3, "%v", forms)
}
