package wmstest_test

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"

	"github.com/vendorhooks/vendorhooks/wms"
	"github.com/vendorhooks/vendorhooks/wms/wmstest"
)

func Example() {
	h := wms.NewHandler(func(_ context.Context, ev wms.Event) error {
		fmt.Println("got", ev.Kind(), ev.Sequence)
		return nil
	}, wms.WithSecrets(wmstest.Secret))

	// A sample event signed over its bytes; then a non-ASCII body signed
	// the way the vendor's Node sample signs it, which only a handler with
	// WithNodeSecrets accepts.
	body := wmstest.Body(wmstest.Event(wms.CodeLowSNR, 7))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, wmstest.NewRequest("/", body, wmstest.Secret))
	fmt.Println(w.Code)

	body = []byte(`{"timestamp":1689684577,"sessionId":"séance","sequence":8,"event":"PAGE_UNLOADED"}`)
	fmt.Println(wmstest.Sign(body, wmstest.Secret) == wmstest.SignNode(body, wmstest.Secret))
	w = httptest.NewRecorder()
	h.ServeHTTP(w, wmstest.NewNodeRequest("/", body, wmstest.Secret))
	fmt.Println(w.Code)
	node := wms.NewHandler(func(_ context.Context, ev wms.Event) error {
		fmt.Println("got", ev.Kind(), ev.Sequence)
		return nil
	}, wms.WithNodeSecrets(wmstest.Secret))
	w = httptest.NewRecorder()
	node.ServeHTTP(w, wmstest.NewNodeRequest("/", body, wmstest.Secret))
	fmt.Println(w.Code)
	// Output:
	// got LOW_SNR 7
	// 200
	// false
	// 401
	// got PAGE_UNLOADED 8
	// 200
}

// ExampleNewClientRequest sends a signed event over a real connection to a
// server running the wms handler.
func ExampleNewClientRequest() {
	srv := httptest.NewServer(wms.NewHandler(func(_ context.Context, ev wms.Event) error {
		fmt.Println("got", ev.Kind(), ev.Sequence)
		return nil
	}, wms.WithSecrets(wmstest.Secret)))
	defer srv.Close()

	body := wmstest.Body(wmstest.Event(wms.CodeResultsReceived, 9))
	r, err := wmstest.NewClientRequest(context.Background(), srv.URL+"/hooks/wms", body, wmstest.Secret)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp, err := srv.Client().Do(r)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	fmt.Print(resp.StatusCode, " ", resp.Header.Get("Content-Type"), " ", string(answer))
	// Output:
	// got RESULTS_RECEIVED 9
	// 200 application/json {"ok":true}
}
