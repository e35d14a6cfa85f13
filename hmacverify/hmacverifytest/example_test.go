package hmacverifytest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/vendorhooks/vendorhooks/hmacverify"
	"github.com/vendorhooks/vendorhooks/hmacverify/hmacverifytest"

	// Every test binary must know the harness's -update flag.
	_ "github.com/vendorhooks/vendorhooks/internal/golden"
)

// A test of a handler behind the middleware sends it a signed request, and
// one signed an hour ago.
func Example() {
	v, err := hmacverify.New(hmacverify.StandardWebhooks("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
	if err != nil {
		panic(err)
	}
	h := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	body := []byte(`{"type":"ping"}`)

	w := httptest.NewRecorder()
	h.ServeHTTP(w, hmacverifytest.NewRequest(v, http.MethodPost, "/hooks", body))
	fmt.Println(w.Code)

	w = httptest.NewRecorder()
	h.ServeHTTP(w, hmacverifytest.NewRequestAt(v, http.MethodPost, "/hooks", body, "msg_1", time.Now().Add(-time.Hour)))
	fmt.Print(w.Code, " ", w.Body.String())

	// The header value alone, for Verify without HTTP.
	fmt.Println(hmacverifytest.HeaderValue([]byte("Hello, World!"), hmacverify.GitHub("It's a Secret to Everybody")))
	// Output:
	// 204
	// 401 {"error":"hmacverify: timestamp too old: more than 5m0s before the clock"}
	// sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17
}
