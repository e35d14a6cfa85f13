package eeg_test

import (
	"context"
	"errors"
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

	// A value of the wrong shape is left at zero and named in the error,
	// which does not match ErrMalformed: the message is still delivered.
	ev, err = eeg.Decode([]byte(`{"type": "blink", "data": {"blink": {"blink": {}}, "id": 7}}`))
	fmt.Println(ev.(*eeg.Blink).ID, errors.Is(err, eeg.ErrMalformed), err)

	// Only a message whose type cannot be known is refused.
	ev, err = eeg.Decode([]byte(`{"data": {"blink": {"blink": 1}}}`))
	fmt.Println(ev, errors.Is(err, eeg.ErrMalformed), err)
	// Output:
	// artifact-detect 21 AF8: bad TP10: good
	// 7 false eeg: /data/blink/blink: want number or "bad_data", got object; left at zero
	// <nil> true eeg: /type: missing, want string
}

func ExampleDecodeWarnings() {
	// Petal added a member: Decode delivers the message without an error,
	// and DecodeWarnings shows the drift.
	ev, ws, err := eeg.DecodeWarnings([]byte(`{"type": "eye", "data": {"eye": {"eye": 1}, "gaze": [0.1, 0.2]}}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ev.Kind(), ev.(*eeg.Eye).Eye)
	for _, w := range ws {
		fmt.Println(w.Unknown, w)
	}
	// Output:
	// eye 1
	// true /data/gaze: unknown field, not kept: Delivery.Body has it
}
