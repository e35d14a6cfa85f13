package server

import (
	"net/http"
	"net/http/httptest"
)

// readRequest is a GET of target as a reader of s sends it: to localhost,
// with the admin token.
func readRequest(s *Server, target string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "http://localhost"+target, nil)
	r.Header.Set("Authorization", "Bearer "+s.AdminToken())
	return r
}
