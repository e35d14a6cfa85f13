package sleep_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/vendorhooks/vendorhooks"
	"github.com/vendorhooks/vendorhooks/sleep"
)

func Example() {
	body := []byte(`{
	  "event": "SESSION_COMPLETE",
	  "version": "V3",
	  "data": {
	    "user_id": "u1",
	    "timezone": "Asia/Seoul",
	    "peculiarities": ["NO_BREATHING_STABILITY"],
	    "session": {
	      "id": "s1",
	      "state": "COMPLETE",
	      "start_time": "2025-01-15T23:00:00+09:00",
	      "end_time": "2025-01-15T23:05:00+09:00",
	      "sleep_stages": [0, 0, 1, 1, 1, 2, 2, 1, 3, 0]
	    },
	    "stat": {"sleep_latency": 60, "deep_latency": null, "time_in_deep": 60}
	  }
	}`)
	ev, err := sleep.Decode(body)
	if err != nil {
		log.Fatal(err)
	}
	sc := ev.(*sleep.SessionComplete)
	fmt.Println(sc.Kind(), sc.Version, sc.SessionID)

	h := sc.Session.Hypnogram()
	fmt.Println(h)
	for _, seg := range h.Segments() {
		fmt.Println(seg.Start.Format("15:04:05"), seg.Stage, seg.Duration())
	}

	fmt.Println("sleep latency:", *sc.Stat.SleepLatency)
	if sc.Stat.DeepLatency == nil {
		fmt.Println("deep latency: not measured")
	}
	// Output:
	// SESSION_COMPLETE V3 s1
	// wake 1m30s, light 2m0s, deep 1m0s, REM 30s
	// 23:00:00 wake 1m0s
	// 23:01:00 light 1m30s
	// 23:02:30 deep 1m0s
	// 23:03:30 light 30s
	// 23:04:00 REM 30s
	// 23:04:30 wake 30s
	// sleep latency: 1m0s
	// deep latency: not measured
}

// A value of an unexpected type is delivered with a warning: the event
// holds everything else, and the error, a *vendorhooks.Warnings, does not
// match ErrMalformed. DecodeWarnings lists unknown members too.
func ExampleDecode_warnings() {
	body := []byte(`{"event": "SESSION_COMPLETE", "version": "V3", "data": {
	  "session": {"id": "s1"},
	  "stat": {"sleep_cycle": 2, "sleep_time": "22:40:00", "time_in_bed": 3600},
	  "new_field": true}}`)
	ev, err := sleep.Decode(body)
	if errors.Is(err, sleep.ErrMalformed) {
		log.Fatal(err) // nothing to deliver: answer 400
	}
	fmt.Println("warnings:", err)
	st := ev.(*sleep.SessionComplete).Stat
	fmt.Println(st.SleepTimeOfDay, *st.TimeInBed, st.SleepCycles == nil)

	_, ws, _ := sleep.DecodeWarnings(body)
	for _, w := range ws {
		fmt.Println(w.Path, w.Unknown)
	}
	// Output:
	// warnings: sleep: /data/stat/sleep_cycle: want array, got number 2 (left unset)
	// 22:40:00 1h0m0s true
	// /data/stat/sleep_cycle false
	// /data/new_field true
}

// New builds the handler; fn reads the request's Delivery from its
// context.
func ExampleNew() {
	h, err := sleep.New(func(ctx context.Context, ev sleep.Event) error {
		d, _ := vendorhooks.DeliveryFromContext(ctx)
		switch ev := ev.(type) {
		case *sleep.InferenceComplete:
			fmt.Printf("%s: %d new epochs\n", ev.SessionID, len(ev.SleepStages))
		case *sleep.SessionComplete:
			fmt.Printf("%s: report for %s\n", ev.SessionID, ev.HeaderUserID)
		case *sleep.Unknown:
			fmt.Printf("unknown callback %s %s\n", ev.Kind(), ev.Version)
		}
		fmt.Println(d.Vendor, d.Kind, d.Session, d.Header.Get(sleep.HeaderAPIKey))
		return nil // a non-nil error answers 500, so Asleep retries
	}, sleep.WithAPIKeys("key-2025", "key-2026"))
	if err != nil {
		log.Fatal(err) // no key, an empty key, a nil fn or a negative limit
	}

	body := []byte(`{"event": "INFERENCE_COMPLETE", "version": "V3",
	  "data": {"user_id": "u1", "session_id": "s1", "seq_num": 3, "inference_seq_num": 1,
	           "sleep_stages": [0, 1, 1, 2]}}`)
	req := httptest.NewRequest(http.MethodPost, "/asleep/callback", bytes.NewReader(body))
	req.Header.Set(sleep.HeaderAPIKey, "key-2026")
	req.Header.Set(sleep.HeaderUserID, "u1")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Print(rec.Code, " ", rec.Body) // the body ends in a newline
	// Output:
	// s1: 4 new epochs
	// sleep INFERENCE_COMPLETE s1 [redacted]
	// 200 {"ok":true}
}
