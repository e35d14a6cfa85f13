package server

import (
	"net/http"
)

// vendorBodyLimit is the body limit of every vendor route but Labvanced's
// file upload: the vendor packages' default, 1 MiB.
const vendorBodyLimit int64 = 1 << 20

// mountVendors mounts the five vendors: /eeg/, /sleep/,
// /signage/public-api/integration/webhooks, /labvanced/ and /wms/.
func (s *Server) mountVendors(mux *http.ServeMux) error {
	s.mountEEG(mux)
	if err := s.mountSleep(mux); err != nil {
		return err
	}
	s.mountSignage(mux)
	s.mountLabvanced(mux)
	s.mountWMS(mux)
	return nil
}

// curlLines returns one curl command per mounted vendor, to be run from the
// repository root (some post files from testdata/).
func (s *Server) curlLines(base string, generated map[string]bool) []string {
	lines := []string{
		eegCurl(base),
		sleepCurl(base, shellKey(generated, "sleep", s.keys.Sleep, envSleepKeys)),
		signageCurl(base, shellKey(generated, "signage", s.keys.Signage, envSignageKeys)),
		wmsCurl(base, shellKey(generated, "wms", s.keys.WMS, envWMSSecrets)),
	}
	return append(lines, labvancedCurls(base)...)
}

// mountPrefix mounts vendor's handler h at prefix and every path below it,
// with the prefix stripped (the vendor handlers never depend on the absolute
// path), behind vendorRoute.
func (s *Server) mountPrefix(mux *http.ServeMux, prefix, vendor string, limit int64, capture func(*http.Request) bool, h http.Handler) {
	route := s.vendorRoute(vendor, limit, capture, http.StripPrefix(prefix, h))
	mux.Handle(prefix, route)
	mux.Handle(prefix+"/", route)
	s.mounted = append(s.mounted, vendor)
}

// The environment variables the command reads keys from, named in the
// banner.
const (
	envSleepKeys   = "VENDORHOOKS_SLEEP_API_KEYS"
	envSignageKeys = "VENDORHOOKS_SIGNAGE_API_KEYS"
	envWMSSecrets  = "VENDORHOOKS_WMS_SECRETS"
)

// shellKey is how a curl line in the banner names vendor's key, inside
// double quotes: a generated key itself (hex, safe in a shell), or for a
// configured key, which is never printed, the shell expansion of the first
// key in its environment variable.
func shellKey(generated map[string]bool, vendor string, keys []string, env string) string {
	if generated[vendor] {
		return first(keys)
	}
	return "${" + env + "%%,*}"
}
