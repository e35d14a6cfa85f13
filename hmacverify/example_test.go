package hmacverify_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/vendorhooks/vendorhooks/hmacverify"
	"github.com/vendorhooks/vendorhooks/hmacverify/hmacverifytest"
)

// A receiver checks X-WMS-Content-MAC: hmac-sha256=<hex> with a rotated
// secret; the handler behind the middleware reads the verified body.
func Example() {
	v, err := hmacverify.New(
		hmacverify.WithSecrets([]byte("new-secret"), []byte("old-secret")),
		hmacverify.WithHeader("X-WMS-Content-MAC"),
		hmacverify.WithPrefix("hmac-sha256="),
	)
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("POST /hooks/wms", v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Printf("handler got %s\n", body)
	})))

	body := []byte(`{"event":"WMS_LOADED"}`)
	fmt.Println(v.Sign(body))

	// A request signed with the old secret still passes.
	old := hmacverifytest.HeaderValue(body, hmacverify.WithSecrets([]byte("old-secret")), hmacverify.WithPrefix("hmac-sha256="))
	r := httptest.NewRequest(http.MethodPost, "/hooks/wms", strings.NewReader(string(body)))
	r.Header.Set("X-WMS-Content-MAC", old)
	mux.ServeHTTP(httptest.NewRecorder(), r)

	// A forged one does not.
	r = httptest.NewRequest(http.MethodPost, "/hooks/wms", strings.NewReader(`{"event":"FORGED"}`))
	r.Header.Set("X-WMS-Content-MAC", old)
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	fmt.Print(w.Code, " ", w.Body.String())
	// Output:
	// hmac-sha256=ea7908994c369fcb7a33e43f72992b07ae9c1d815d62b01af652fb41fa19b013
	// handler got {"event":"WMS_LOADED"}
	// 401 {"error":"hmacverify: invalid signature"}
}

// Verify without HTTP: the header value may hold several signatures.
func ExampleVerifier_Verify() {
	v, _ := hmacverify.New(hmacverify.GitHub("It's a Secret to Everybody"))
	body := []byte("Hello, World!")
	err := v.Verify(body, "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")
	fmt.Println(err)
	err = v.Verify([]byte("Hello, World?"), "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")
	fmt.Println(err)
	err = v.Verify(body, "sha1=0a0b")
	fmt.Println(err)
	// Output:
	// <nil>
	// hmacverify: invalid signature
	// hmacverify: malformed signature: none with prefix "sha256="
}
