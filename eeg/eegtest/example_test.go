package eegtest_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
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
		h.ServeHTTP(rec, eegtest.NewRequest("/", []byte(body)))
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

// NewClientRequest sends a message over a real connection, here to an
// httptest.Server running the handler.
func ExampleNewClientRequest() {
	srv := httptest.NewServer(eeg.NewHandler(func(_ context.Context, ev eeg.Event) error {
		fmt.Println("got", ev.Kind())
		return nil
	}))
	defer srv.Close()

	req, err := eegtest.NewClientRequest(context.Background(), srv.URL+"/", []byte(eegtest.JSON["bandpower"]))
	if err != nil {
		fmt.Println(err)
		return
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	fmt.Print(resp.StatusCode, " ", string(b))
	// Output:
	// got bandpower
	// 200 {"ok":true}
}
