package server

import (
	"context"
	"net/http"
	"strings"
	"sync"
)

// A source is one study, configuration or app sending to the receiver: the
// optional name segment after a vendor's prefix (/labvanced/<study>/<route>,
// /wms/<config>/, /sleep/<app>/, /eeg/<name>/). It is stored with each row
// (events.source, empty for none), deduplication and WMS sequence tracking
// are per source, and a source may have keys of its own (see
// SourceKeysEnv). Signage has no sources: Peak Signage posts to its fixed
// path, and a second account is a second receiver.

// maxSourceLen is the longest source name.
const maxSourceLen = 64

// validSource reports whether name is a source name: 1 to 64 characters of
// [A-Za-z0-9._-], and not "." or ".." (which ServeMux would clean away
// anyway).
func validSource(name string) bool {
	if name == "" || len(name) > maxSourceLen || name == "." || name == ".." {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// SourceKeysEnv is the environment variable that holds the keys of source
// of vendor ("sleep", "wms", ...): VENDORHOOKS_<VENDOR>_<NAME>_KEYS, or
// VENDORHOOKS_WMS_<NAME>_SECRETS for WMS's MAC secrets, with the name
// upper-cased and '-' and '.' written '_'. Names that differ only there
// ("lab-1", "lab.1", "LAB_1") share one variable.
func SourceKeysEnv(vendor, source string) string {
	suffix := "_KEYS"
	if vendor == "wms" {
		suffix = "_SECRETS"
	}
	name := strings.Map(func(r rune) rune {
		if r == '-' || r == '.' {
			return '_'
		}
		return r
	}, strings.ToUpper(source))
	return "VENDORHOOKS_" + strings.ToUpper(vendor) + "_" + name + suffix
}

// keyedHandler builds vendor's handler for one source's own keys.
type keyedHandler func(keys []string) (http.Handler, error)

// sources is a Server's per-source state: the handlers of sources with
// keys of their own, built on their first request, one per environment
// variable, so there are at most as many as the variables the
// configuration sets.
type sources struct {
	mu       sync.Mutex
	handlers map[string]http.Handler // by SourceKeysEnv
}

// sourced returns vendor's mount at prefix around h, the handler with the
// vendor's own keys. It takes the source name from the first path segment
// below prefix (for Labvanced only when another segment follows: its route
// is the last one) and strips prefix and name from the path, so that the
// vendor handler sees what it would at prefix alone. A segment that is not
// a valid name is answered 404. The name goes in the request's context
// (store reads it); a source whose SourceKeysEnv variable has keys is served
// by a handler of its own built with build, others by h.
func (s *Server) sourced(prefix, vendor string, h http.Handler, build keyedHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The name is cut from the escaped path, so that an escape (an
		// encoded '/' included) is a character no name has, not a way
		// around the rule.
		raw := strings.TrimPrefix(r.URL.EscapedPath(), prefix)
		name := ""
		if seg, _, more := strings.Cut(strings.TrimPrefix(raw, "/"), "/"); seg != "" && (vendor != "labvanced" || more) {
			if !validSource(seg) {
				writeError(w, http.StatusNotFound, "not a source name: want at most 64 characters of A-Z, a-z, 0-9, '.', '_' and '-'")
				return
			}
			name = seg
		}
		// A name is plain ASCII, the same in the path's both forms.
		strip := prefix
		if name != "" {
			strip += "/" + name
		}
		r2 := new(http.Request)
		*r2 = *r
		u := *r.URL
		u.Path = strings.TrimPrefix(r.URL.Path, strip)
		u.RawPath = strings.TrimPrefix(r.URL.RawPath, strip)
		r2.URL = &u
		r2 = r2.WithContext(withSource(r.Context(), name))
		handler, err := s.sourceHandler(vendor, name, h, build)
		if err != nil {
			s.log.ErrorContext(r.Context(), "building a source's handler", "vendor", vendor, "source", name, "error", err)
			writeError(w, http.StatusInternalServerError, "internal error")
			return
		}
		handler.ServeHTTP(w, r2)
	})
}

// sourceHandler returns the handler of vendor's source name: one built
// with its own keys when Config.SourceKeys has some, else h.
func (s *Server) sourceHandler(vendor, name string, h http.Handler, build keyedHandler) (http.Handler, error) {
	if name == "" || build == nil || s.cfg.SourceKeys == nil {
		return h, nil
	}
	env := SourceKeysEnv(vendor, name)
	keys := s.cfg.SourceKeys(env)
	if len(keys) == 0 {
		return h, nil
	}
	s.sources.mu.Lock()
	defer s.sources.mu.Unlock()
	if kh, ok := s.sources.handlers[env]; ok {
		return kh, nil
	}
	kh, err := build(keys)
	if err != nil {
		return nil, err
	}
	if s.sources.handlers == nil {
		s.sources.handlers = map[string]http.Handler{}
	}
	s.sources.handlers[env] = kh
	return kh, nil
}

// sourceKey is the context key of the request's source name.
type sourceKey struct{}

// withSource returns ctx carrying source, the name segment of the mount a
// request came in on.
func withSource(ctx context.Context, source string) context.Context {
	return context.WithValue(ctx, sourceKey{}, source)
}

// sourceFromContext returns the request's source name, empty when it came
// in on a mount without one.
func sourceFromContext(ctx context.Context) string {
	s, _ := ctx.Value(sourceKey{}).(string)
	return s
}
