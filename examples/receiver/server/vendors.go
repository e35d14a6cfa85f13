package server

import (
	"net/http"
)

// mountVendors mounts every vendor package that has landed. A vendor that
// has not is left unmounted rather than faked.
func (s *Server) mountVendors(mux *http.ServeMux) error {
	return nil
}

// curlLines returns one curl command per mounted vendor, run from the
// repository root (they post files from testdata/).
func (s *Server) curlLines(baseURL string, generated map[string]bool) []string {
	return nil
}
