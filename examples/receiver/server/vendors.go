package server

import (
	"fmt"
	"net/http"
)

// mountVendors mounts the five vendors: /eeg/, /sleep/,
// /signage/public-api/integration/webhooks, /labvanced/ and /wms/. Each
// handler is built with its package's New and default limits; a
// configuration a package refuses (a missing key) fails Open.
func (s *Server) mountVendors(mux *http.ServeMux) error {
	for _, mount := range []func(*http.ServeMux) error{
		s.mountEEG, s.mountSleep, s.mountSignage, s.mountLabvanced, s.mountWMS,
	} {
		if err := mount(mux); err != nil {
			return fmt.Errorf("server: %w", err)
		}
	}
	return nil
}

// curlLines returns one curl command per mounted vendor, to be run from the
// repository root (some post files from testdata/). They read the keys
// from the shell (shellKey), so they are the same text on every start and
// in the README.
func (s *Server) curlLines(base string) []string {
	lines := []string{
		eegCurl(base),
		sleepCurl(base, shellKey(envSleepKeys)),
		signageCurl(base, shellKey(envSignageKeys)),
		wmsCurl(base, shellKey(envWMSSecrets)),
	}
	return append(lines, labvancedCurls(base)...)
}

// mountPrefix mounts vendor's handler h at prefix and every path below it,
// with the prefix and the source name stripped (see sourced; the vendor
// handlers never depend on the absolute path), behind route. build, when
// not nil, builds the handler of a source with keys of its own.
func (s *Server) mountPrefix(mux *http.ServeMux, prefix, vendor string, h http.Handler, build keyedHandler) http.Handler {
	r := s.route(vendor, s.sourced(prefix, vendor, h, build))
	mux.Handle(prefix, r)
	mux.Handle(prefix+"/", r)
	s.mounted = append(s.mounted, vendor)
	return r
}

// The environment variables the command reads keys from, named in the
// banner.
const (
	envSleepKeys   = "VENDORHOOKS_SLEEP_API_KEYS"
	envSignageKeys = "VENDORHOOKS_SIGNAGE_API_KEYS"
	envWMSSecrets  = "VENDORHOOKS_WMS_SECRETS"
)

// shellKey is how a curl line in the banner names a key, inside double
// quotes: the shell expansion of the first key in its environment variable,
// which the command reads (configured keys) or -print-keys sets (generated
// ones).
func shellKey(env string) string {
	return "${" + env + "%%,*}"
}
