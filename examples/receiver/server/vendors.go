package server

import (
	"net/http"
)

// vendorBodyLimit is the body limit of every vendor route but Labvanced's
// file upload: the vendor packages' default, 1 MiB.
const vendorBodyLimit int64 = 1 << 20

// mountVendors mounts every vendor package that has landed. A vendor that
// has not is left unmounted rather than faked.
func (s *Server) mountVendors(mux *http.ServeMux) error {
	s.mountEEG(mux)
	s.mountSignage(mux)
	s.mountLabvanced(mux)
	s.mountWMS(mux)
	return s.mountSleep(mux)
}

// curlLines returns one curl command per mounted vendor, to be run from the
// repository root (some post files from testdata/).
func (s *Server) curlLines(base string, generated map[string]bool) []string {
	_ = generated
	lines := []string{
		eegCurl(base),
		sleepCurl(base, first(s.keys.Sleep)),
		signageCurl(base, first(s.keys.Signage)),
		wmsCurl(base, first(s.keys.WMS)),
	}
	return append(lines, labvancedCurls(base)...)
}

// mountPrefix mounts h at prefix and every path below it, with the prefix
// stripped (the vendor handlers never depend on the absolute path).
func (s *Server) mountPrefix(mux *http.ServeMux, prefix string, h http.Handler) {
	stripped := http.StripPrefix(prefix, h)
	mux.Handle(prefix, stripped)
	mux.Handle(prefix+"/", stripped)
}
