package server

import (
	"context"
	"fmt"
	"net/http"

	"github.com/vendorhooks/vendorhooks/sleep"
)

// mountSleep accepts Asleep callbacks at /sleep/ (any path below it); each
// event is stored with its session id as the session key (Delivery.Session).
// The handler checks x-api-key before it reads the body.
func (s *Server) mountSleep(mux *http.ServeMux) error {
	h, err := sleep.New(func(ctx context.Context, ev sleep.Event) error {
		_, err := s.store(ctx, ev, extra{})
		return err
	}, sleep.WithAPIKeys(s.keys.Sleep...))
	if err != nil {
		return err
	}
	s.mountPrefix(mux, "/sleep", "sleep", h)
	return nil
}

// sleepCurl is the banner's curl line for Asleep; key is shell text (see
// shellKey).
func sleepCurl(base, key string) string {
	return fmt.Sprintf(`curl -sS %s/sleep/ -H "x-api-key: %s" -H 'Content-Type: application/json' --data-binary @testdata/sleep/session_complete_v3.in`, base, key)
}
