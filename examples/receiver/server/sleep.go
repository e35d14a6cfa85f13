package server

import (
	"context"
	"fmt"
	"net/http"

	"github.com/vendorhooks/vendorhooks/sleep"
)

// mountSleep accepts Asleep callbacks at /sleep/ (any path below it) and
// stores each event with its session id as the session key.
func (s *Server) mountSleep(mux *http.ServeMux) error {
	h, err := sleep.New(func(ctx context.Context, ev sleep.Event) error {
		_, err := s.store(ctx, ev.Kind(), sleepSession(ev), ev, "", "")
		return err
	}, sleep.WithAPIKeys(s.keys.Sleep...), sleep.WithMaxBodyBytes(vendorBodyLimit))
	if err != nil {
		return fmt.Errorf("server: sleep: %w", err)
	}
	s.mountPrefix(mux, "/sleep", "sleep", vendorBodyLimit, always, h)
	return nil
}

// sleepSession is the session key of an Asleep event: its session id.
func sleepSession(ev sleep.Event) string {
	switch ev := ev.(type) {
	case *sleep.InferenceComplete:
		return ev.SessionID
	case *sleep.SessionComplete:
		return ev.SessionID
	}
	return ""
}

// sleepCurl is the banner's curl line for Asleep; key is shell text (see
// shellKey).
func sleepCurl(base, key string) string {
	return fmt.Sprintf(`curl -sS %s/sleep/ -H "x-api-key: %s" -H 'Content-Type: application/json' --data-binary @testdata/sleep/session_complete_v3.in`, base, key)
}
