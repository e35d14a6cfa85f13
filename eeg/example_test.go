package eeg_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/vendorhooks/vendorhooks"
	"github.com/vendorhooks/vendorhooks/eeg"
	"github.com/vendorhooks/vendorhooks/eeg/eegtest"
)

func Example() {
	mux := http.NewServeMux()
	mux.Handle("/petal/", http.StripPrefix("/petal", eeg.NewHandler(
		func(ctx context.Context, ev eeg.Event) error {
			if bp, ok := ev.(*eeg.Bandpower); ok {
				fmt.Printf("alpha on AF7: %v\n", bp.Power.AF7.Alpha)
			}
			// The Delivery says what arrived: the exact body and a key
			// that is the same when Petal retries the same message.
			if d, ok := vendorhooks.DeliveryFromContext(ctx); ok {
				fmt.Println(d.Vendor, d.Kind, len(d.Body), "bytes, key", d.IdempotencyKey[:8]+"...")
			}
			return nil // a non-nil error answers 500, so the sender retries
		})))

	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, eegtest.NewRequest("/petal/", []byte(eegtest.JSON["bandpower"])))
	fmt.Print(rec.Code, " ", rec.Body.String())
	// Output:
	// alpha on AF7: 0.7712
	// eeg bandpower 714 bytes, key eeg:9afc...
	// 200 {"ok":true}
}

func ExampleDecode() {
	// The vendor's docs print messages as Python dicts; Decode reads that
	// text as well as the JSON real senders post.
	ev, err := eeg.Decode([]byte(`{'action': {'value': [1, 1, 0, 1], 'time': 1214.69},
		'data': {'artifact_detect': {'ch1': 1, 'ch2': 1, 'ch3': 0, 'ch4': 1}, 'id': 21},
		'type': 'artifact-detect'}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	a := ev.(*eeg.Artifact)
	fmt.Println(a.Kind(), a.ID, "AF8:", a.Quality.AF8, "TP10:", a.Quality.TP10)

	_, err = eeg.Decode([]byte(`{"type": "bandpower", "data": {"bandpower": {"ch2": {"alpha": {}}}}}`))
	fmt.Println(err)
	// Output:
	// artifact-detect 21 AF8: bad TP10: good
	// eeg: /data/bandpower/ch2/alpha (offset 62): want number or "bad_data", got object
}
