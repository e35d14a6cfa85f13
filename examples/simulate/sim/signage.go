package sim

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"

	"github.com/vendorhooks/vendorhooks/signage"
)

// signageGen builds Peak Signage triggers: POSTs with the key in a header
// (some with sensor data, one older sender's sensor data as a JS object
// literal string), and both GET forms with the key in the query (payload
// base64 in standard and URL-safe alphabets, padded or not; bare eventId).
type signageGen struct {
	key string
}

func (g *signageGen) Vendor() string { return Signage }

func (g *signageGen) Authorize(r *Request, valid bool) bool {
	key := g.key
	if !valid {
		key = "wrong-" + key
	}
	if r.Method == http.MethodGet {
		r.Query.Set("apiKey", key)
	} else {
		r.Header.Set("X-Webhook-Apikey", key)
	}
	return true
}

// signageEvents are the event ids a wallboard integration triggers; sensor
// events carry readings.
var signageEvents = []string{"emergency-on", "emergency-off", "refresh-datasource", "pause-loop", "resume-loop", "load-url-menu", "refresh-content", "restart-lobby"}

func (g *signageGen) Session(rng *rand.Rand, n int) []*Request {
	sensor := fmt.Sprintf("sensor-%d", n+1)
	var reqs []*Request
	post := func(body any) {
		reqs = append(reqs, &Request{
			Vendor: Signage, Kind: "trigger", Seq: -1, Method: http.MethodPost,
			Header: http.Header{"Content-Type": {"application/json"}},
			Body:   marshal(body), Pad: padJSON, Check: checkSignage,
		})
	}
	get := func(q url.Values) {
		reqs = append(reqs, &Request{Vendor: Signage, Kind: "trigger", Seq: -1, Method: http.MethodGet, Header: http.Header{}, Query: q, Check: checkSignage})
	}
	reading := func() *signage.SensorData {
		return &signage.SensorData{ID: sensor, Event: "temperature", Value: strconv.FormatFloat(18+rng.Float64()*8, 'f', 1, 64)}
	}
	encodings := []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding}
	for i := range 12 {
		ev := signageEvents[rng.IntN(len(signageEvents))]
		switch i % 4 {
		case 0:
			post(signage.Trigger{EventID: ev})
		case 1:
			post(signage.Trigger{EventID: "sensor-" + sensor, Sensor: reading()})
		case 2:
			payload := marshal(signage.Trigger{EventID: ev})
			if rng.IntN(2) == 0 {
				payload = marshal(signage.Trigger{EventID: "sensor-" + sensor, Sensor: reading()})
			}
			get(url.Values{"payload": {encodings[rng.IntN(len(encodings))].EncodeToString(payload)}})
		case 3:
			get(url.Values{"eventId": {ev}})
		}
	}
	// An older sender: sensor_data as a string holding a JS object literal.
	literal := fmt.Sprintf("{id: '%s', value: '%d'}", sensor, 40+rng.IntN(10))
	post(obj{}.set("event_id", "sensor-"+sensor).set("sensor_data", literal))
	return reqs
}

// marshal is json.Marshal for values that always marshal.
func marshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("sim: " + err.Error())
	}
	return b
}

// checkSignage wants the vendor's success answer.
func checkSignage(_ http.Header, body []byte) error {
	var a struct{ Message string }
	if err := json.Unmarshal(body, &a); err != nil || a.Message != "success" {
		return fmt.Errorf("want {\"message\":\"success\"}, got %.80q", body)
	}
	return nil
}
