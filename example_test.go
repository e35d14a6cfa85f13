package vendorhooks_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/vendorhooks/vendorhooks"
	"github.com/vendorhooks/vendorhooks/wms"
	"github.com/vendorhooks/vendorhooks/wms/wmstest"
)

// Every vendor handler hands your function a Delivery through its context:
// what arrived, the vendor's session, and a key that is the same for a
// retried delivery, so that a store can keep each delivery once.
func ExampleDeliveryFromContext() {
	seen := map[string]bool{}
	h := wms.NewHandler(func(ctx context.Context, ev wms.Event) error {
		d, _ := vendorhooks.DeliveryFromContext(ctx)
		if seen[d.IdempotencyKey] {
			fmt.Println("retry of", d.Kind, "in session", d.Session, "- already stored")
			return nil
		}
		seen[d.IdempotencyKey] = true
		fmt.Printf("%s %s in session %s, %d bytes, MAC header %s\n",
			d.Vendor, d.Kind, d.Session, len(d.Body), d.Header.Get(wms.MACHeader))
		return nil
	}, wms.WithSecrets("s3cret"))

	body := []byte(`{"timestamp":1689684577,"sessionId":"abc","sequence":0,"event":"MEASUREMENT_CREATED","severity":"INFO","payload":{"measurementId":"m1"}}`)
	for range 2 { // the sender retries once
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, wmstest.NewRequest("/", body, "s3cret"))
		fmt.Println(rec.Code, strings.TrimSpace(rec.Body.String()))
	}
	// Output:
	// wms MEASUREMENT_CREATED in session abc, 136 bytes, MAC header [redacted]
	// 200 {"ok":true}
	// retry of MEASUREMENT_CREATED in session abc - already stored
	// 200 {"ok":true}
}
