package sleeptest_test

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"

	"github.com/vendorhooks/vendorhooks/sleep"
	"github.com/vendorhooks/vendorhooks/sleep/sleeptest"
)

func Example() {
	h := sleep.NewHandler(func(_ context.Context, ev sleep.Event) error {
		m := ev.Meta()
		fmt.Println("received", m.Event, m.Version, "for", m.HeaderUserID)
		return nil
	}, sleep.WithAPIKeys("test-key"))

	for _, body := range [][]byte{
		sleeptest.SessionComplete(sleep.V1),
		sleeptest.InferenceComplete(sleep.V3),
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, sleeptest.NewRequest("/", body, "test-key"))
		fmt.Printf("%d %s", rec.Code, rec.Body) // the body ends in a newline
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, sleeptest.NewRequest("/", sleeptest.SessionComplete(sleep.V2), "wrong-key"))
	fmt.Printf("%d %s", rec.Code, rec.Body) // the body ends in a newline
	// Output:
	// received SESSION_COMPLETE V1 for G-20250115025029-vLErWBfQNtnfvgDccFOQ
	// 200 {"ok":true}
	// received INFERENCE_COMPLETE V3 for G-20250115025029-vLErWBfQNtnfvgDccFOQ
	// 200 {"ok":true}
	// 401 {"error":"invalid x-api-key"}
}

// NewClientRequest builds a callback to send over a real connection, here
// to an httptest.Server running the handler.
func ExampleNewClientRequest() {
	h := sleep.NewHandler(func(_ context.Context, ev sleep.Event) error {
		fmt.Println("received", ev.Kind())
		return nil
	}, sleep.WithAPIKeys("test-key"))
	srv := httptest.NewServer(h)
	defer srv.Close()

	req, err := sleeptest.NewClientRequest(context.Background(), srv.URL+"/hooks/asleep",
		sleeptest.SessionComplete(sleep.V3), "test-key")
	if err != nil {
		fmt.Println(err)
		return
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	fmt.Printf("%s %s", resp.Status, answer) // the answer ends in a newline
	// Output:
	// received SESSION_COMPLETE
	// 200 OK {"ok":true}
}
