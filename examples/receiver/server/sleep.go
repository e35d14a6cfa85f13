package server

import (
	"context"
	"fmt"
	"net/http"

	"github.com/vendorhooks/vendorhooks/sleep"
)

// mountSleep accepts Asleep callbacks at /sleep/ and at an app's
// /sleep/<app>/ (its source; any path below either); each event is stored
// with its session id as the session key (Delivery.Session). The handler
// checks x-api-key, the app's own keys where it has some, before it reads
// the body.
func (s *Server) mountSleep(mux *http.ServeMux) error {
	build := func(keys []string) (http.Handler, error) {
		return sleep.New(func(ctx context.Context, ev sleep.Event) error {
			_, err := s.store(ctx, extra{})
			return err
		}, sleep.WithAPIKeys(keys...))
	}
	h, err := build(s.keys.Sleep)
	if err != nil {
		return err
	}
	s.mountPrefix(mux, "/sleep", "sleep", h, build)
	return nil
}

// sleepCurl is the banner's curl line for Asleep; key is shell text (see
// shellKey).
func sleepCurl(base, key string) string {
	return fmt.Sprintf(`curl -sS %s/sleep/ -H "x-api-key: %s" -H 'Content-Type: application/json' --data-binary @testdata/sleep/session_complete_v3.in`, base, key)
}
