// Package sleeptest provides sample Asleep callbacks and request builders
// for testing code that uses package sleep, in the way net/http/httptest
// serves net/http.
//
//	h := sleep.NewHandler(receive, sleep.WithAPIKeys("test-key"))
//	rec := httptest.NewRecorder()
//	h.ServeHTTP(rec, sleeptest.NewRequest("/", sleeptest.SessionComplete(sleep.V3), "test-key"))
//
// Every request builder takes the target first, then the body, then the
// key, as the builders of the other vendor packages' test packages do.
package sleeptest

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"

	"github.com/vendorhooks/vendorhooks/sleep"
)

// Identifiers used by the samples.
const (
	UserID    = "G-20250115025029-vLErWBfQNtnfvgDccFOQ"
	SessionID = "20250115025029_fvivn"
	// Start is the sample session's start time.
	Start = "2025-01-15T23:00:00+09:00"
)

// SampleStages are the sleep stages of the sample session, one per 30
// seconds from Start: 2 min wake, 3 min light, 2 min deep, 1 min light,
// 1.5 min REM, 30 s wake.
var SampleStages = []sleep.SleepStage{
	0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 3, 3, 3, 0,
}

// envelope writes data in version v's spelling of the envelope. A version
// other than V1, V2 and V3 is written in V3's spelling.
func envelope(event string, v sleep.Version, data any) []byte {
	var m map[string]any
	switch v {
	case sleep.V1:
		m = map[string]any{"callback_event": event, "callback_data": data}
	case sleep.V2:
		m = map[string]any{"callback_event": event, "callback_version": v, "callback_data": data}
	default:
		m = map[string]any{"event": event, "version": v, "data": data}
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		panic("sleeptest: " + err.Error()) // the samples are plain maps
	}
	return append(b, '\n')
}

// InferenceComplete returns a sample INFERENCE_COMPLETE callback in version
// v's spelling: stage_list and osa_stage_list in V1, stage_list and
// breath_stages in V2, sleep_stages, breath_stages and snoring_stages in V3.
// Its sleep stages are SampleStages in every version.
func InferenceComplete(v sleep.Version) []byte {
	breath := make([]int, len(SampleStages))
	zero := make([]int, len(SampleStages))
	data := map[string]any{
		"user_id":           UserID,
		"session_id":        SessionID,
		"seq_num":           39,
		"inference_seq_num": 3,
	}
	switch v {
	case sleep.V1:
		data["stage_list"] = SampleStages
		data["osa_stage_list"] = zero
	case sleep.V2:
		data["stage_list"] = SampleStages
		data["breath_stages"] = breath
	default:
		data["sleep_stages"] = SampleStages
		data["breath_stages"] = breath
		data["snoring_stages"] = zero
	}
	return envelope(sleep.KindInferenceComplete, v, data)
}

// SessionComplete returns a sample SESSION_COMPLETE callback in version v's
// spelling: nested in sleep_data beside user_id and session_id in V1 and
// V2, flattened beside user_id in V3. The report is the same in every
// version: a 10-minute session from Start with SampleStages.
func SessionComplete(v sleep.Version) []byte {
	report := map[string]any{
		"timezone":           "Asia/Seoul",
		"peculiarities":      []string{"NO_BREATHING_STABILITY"},
		"missing_data_ratio": 0.0,
		"session": map[string]any{
			"id":                  SessionID,
			"state":               "COMPLETE",
			"start_time":          Start,
			"end_time":            "2025-01-15T23:10:00+09:00",
			"unexpected_end_time": nil,
			"created_timezone":    "Asia/Seoul",
			"sleep_stages":        SampleStages,
			"breath_stages":       nil,
			"snoring_stages":      make([]int, len(SampleStages)),
		},
		"stat": map[string]any{
			"sleep_time": "2025-01-15T23:02:00+09:00", "wake_time": "2025-01-15T23:09:30+09:00",
			"sleep_index": 72, "sleep_latency": 120, "wakeup_latency": 30,
			"light_latency": 0, "deep_latency": 180, "rem_latency": 360,
			"time_in_bed": 600, "time_in_sleep_period": 450, "time_in_sleep": 450,
			"time_in_wake": 150, "time_in_light": 240, "time_in_deep": 120, "time_in_rem": 90,
			"time_in_stable_breath": nil, "time_in_unstable_breath": nil,
			"time_in_snoring": 0, "time_in_no_snoring": 600,
			"sleep_efficiency": 0.75, "sleep_ratio": 0.75, "wake_ratio": 0.25,
			"light_ratio": 0.53, "deep_ratio": 0.27, "rem_ratio": 0.2,
			"stable_breath_ratio": nil, "unstable_breath_ratio": nil,
			"snoring_ratio": 0.0, "no_snoring_ratio": 1.0,
			"breathing_index": nil, "breathing_pattern": nil,
			"waso_count": 0, "longest_waso": 0, "sleep_cycle_count": 1,
			"sleep_cycle": []map[string]any{{
				"order": 1, "start_time": "2025-01-15T23:02:00+09:00", "end_time": "2025-01-15T23:09:30+09:00",
			}},
			"sleep_cycle_time":      []string{"2025-01-15T23:02:00+09:00"},
			"unstable_breath_count": nil, "snoring_count": 0,
		},
	}
	if v == sleep.V1 || v == sleep.V2 {
		return envelope(sleep.KindSessionComplete, v, map[string]any{
			"user_id": UserID, "session_id": SessionID, "sleep_data": report,
		})
	}
	report["user_id"] = UserID
	return envelope(sleep.KindSessionComplete, v, report)
}

// setHeaders sets the headers Asleep sends: the API key, the user and the
// content type.
func setHeaders(h http.Header, apiKey string) {
	h.Set("Content-Type", "application/json")
	h.Set(sleep.HeaderUserID, UserID)
	if apiKey != "" {
		h.Set(sleep.HeaderAPIKey, apiKey)
	}
}

// NewRequest returns an incoming callback request for a handler's
// ServeHTTP, as httptest.NewRequest does: POST to target ("/" or a path
// such as "/hooks/asleep") with body and Asleep's headers, x-api-key set to
// apiKey (left out when apiKey is empty) and x-user-id set to UserID. Like
// httptest.NewRequest, it panics on a target it cannot parse.
func NewRequest(target string, body []byte, apiKey string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	setHeaders(r.Header, apiKey)
	return r
}

// NewClientRequest returns an outgoing callback request to url (such as an
// httptest.Server's URL), to send with an http.Client over a real
// connection, with the same method and headers as NewRequest. It returns an
// error for a url it cannot parse.
func NewClientRequest(ctx context.Context, url string, body []byte, apiKey string) (*http.Request, error) {
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	setHeaders(r.Header, apiKey)
	return r, nil
}
