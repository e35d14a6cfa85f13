package sleep_test

import (
	"context"
	"fmt"
	"log"
	"net/http"

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

func ExampleNewHandler() {
	h := sleep.NewHandler(func(ctx context.Context, ev sleep.Event) error {
		switch ev := ev.(type) {
		case *sleep.InferenceComplete:
			log.Printf("%s: %d new epochs", ev.SessionID, len(ev.SleepStages))
		case *sleep.SessionComplete:
			log.Printf("%s: report for %s", ev.SessionID, ev.HeaderUserID)
		case *sleep.Unknown:
			log.Printf("unknown callback %s %s", ev.Kind(), ev.Version)
		}
		return nil // a non-nil error answers 500, so Asleep retries
	}, sleep.WithAPIKeys("key-2025", "key-2026"))

	mux := http.NewServeMux()
	mux.Handle("/asleep/", http.StripPrefix("/asleep", h))
	_ = http.ListenAndServe("127.0.0.1:8080", mux)
}
