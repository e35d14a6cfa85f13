package httpx_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/vendorhooks/vendorhooks/internal/httpx"
)

// A vendor handler reads the body under its limit, checks the key, and
// answers any failure with Fail, which picks the status from the error's
// class and never shows the sender a key or an internal error.
func Example() {
	keys, err := httpx.NewKeys([]string{"old-key", "new-key"})
	if err != nil {
		panic(err)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !httpx.Method(w, r, http.MethodPost) {
			return
		}
		if !keys.Match(r.Header.Get("x-api-key")) {
			httpx.Fail(w, httpx.Unauthorized("invalid x-api-key"))
			return
		}
		body, err := httpx.ReadBody(w, r, 16)
		if err != nil {
			httpx.Fail(w, err)
			return
		}
		if len(body) == 0 {
			httpx.Fail(w, httpx.Wrap(httpx.ErrMalformed, errors.New("example: empty body")))
			return
		}
		httpx.WriteJSON(w, http.StatusOK, map[string]bool{"ok": true})
	})

	for _, tc := range []struct{ method, key, body string }{
		{"POST", "new-key", "{}"},
		{"GET", "new-key", ""},
		{"POST", "guess", "{}"},
		{"POST", "old-key", "a body over sixteen bytes"},
		{"POST", "old-key", ""},
	} {
		r := httptest.NewRequest(tc.method, "/", strings.NewReader(tc.body))
		r.Header.Set("x-api-key", tc.key)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Print(w.Code, " ", w.Body.String())
	}
	// Output:
	// 200 {"ok":true}
	// 405 {"error":"method GET not allowed"}
	// 401 {"error":"invalid x-api-key"}
	// 413 {"error":"request body too large"}
	// 400 {"error":"example: empty body"}
}
