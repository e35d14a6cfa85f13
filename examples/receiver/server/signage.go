package server

import (
	"context"
	"fmt"
	"net/http"

	"github.com/vendorhooks/vendorhooks/signage"
)

// signagePath is where Peak Signage triggers are accepted: the vendor's own
// path under /signage.
const signagePath = "/signage" + signage.Path

// mountSignage accepts signage triggers (POST with X-Webhook-Apikey, or the
// GET link forms) and stores each Trigger. The stored raw body of a GET
// trigger is the payload JSON the handler decoded from its query
// (Delivery.Body), which never holds the key.
func (s *Server) mountSignage(mux *http.ServeMux) error {
	h, err := signage.New(func(ctx context.Context, t signage.Trigger) error {
		_, err := s.store(ctx, extra{})
		return err
	}, signage.WithAPIKeys(s.keys.Signage...))
	if err != nil {
		return err
	}
	mux.Handle(signagePath, s.route("signage", h))
	s.mounted = append(s.mounted, "signage")
	return nil
}

// signageCurl is the banner's curl line for signage; key is shell text (see
// shellKey).
func signageCurl(base, key string) string {
	return fmt.Sprintf(`curl -sS %s%s -H "X-Webhook-Apikey: %s" -H 'Content-Type: application/json' -d '{"event_id": "show-menu", "sensor_data": {"id": "s1", "event": "temperature", "value": "21.5"}}'`,
		base, signagePath, key)
}
