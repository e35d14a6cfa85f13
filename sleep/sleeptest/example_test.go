package sleeptest_test

import (
	"context"
	"fmt"
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
		h.ServeHTTP(rec, sleeptest.NewRequest(body, "test-key"))
		fmt.Printf("%d %s", rec.Code, rec.Body) // the body ends in a newline
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, sleeptest.NewRequest(sleeptest.SessionComplete(sleep.V2), "wrong-key"))
	fmt.Printf("%d %s", rec.Code, rec.Body) // the body ends in a newline
	// Output:
	// received SESSION_COMPLETE V1 for G-20250115025029-vLErWBfQNtnfvgDccFOQ
	// 200 {"ok":true}
	// received INFERENCE_COMPLETE V3 for G-20250115025029-vLErWBfQNtnfvgDccFOQ
	// 200 {"ok":true}
	// 401 {"error":"invalid x-api-key"}
}
