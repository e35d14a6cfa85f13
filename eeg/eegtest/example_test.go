package eegtest_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/vendorhooks/vendorhooks/eeg"
	"github.com/vendorhooks/vendorhooks/eeg/eegtest"
)

func ExampleNewRequest() {
	h := eeg.NewHandler(func(_ context.Context, ev eeg.Event) error {
		fmt.Println("got", ev.Kind())
		return nil
	})
	for _, body := range []string{eegtest.Doc["metrics"], eegtest.JSON["blink"], eegtest.Unknown} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, eegtest.NewRequest(body))
		fmt.Println(rec.Code)
	}
	// Output:
	// got metrics
	// 200
	// got blink
	// 200
	// got heart_rate
	// 200
}
