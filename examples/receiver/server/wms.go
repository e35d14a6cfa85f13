package server

import (
	"context"
	"fmt"
	"net/http"

	"github.com/vendorhooks/vendorhooks/wms"
)

// mountWMS accepts NuraLogix WMS calls at /wms/, verified with the WMS
// secrets. Each event is stored with its session id as the session key and
// the sequence tracker's verdict ("in order", "gap (missing 3..5)",
// "late", "duplicate").
//
// Duplicates are stored once: the delivery's idempotency key (made by the
// handler from the event's kind, session id and sequence number) is the
// row's dedup key, so a repeat is answered 200 without a second row. The
// database decides, not the in-memory tracker: a repeat of an event whose
// first copy is still being committed, or arrives after a restart, is still
// caught, and the handler's WithDropDuplicates (which answers a repeat 200
// before the first copy is durable) is deliberately not used.
func (s *Server) mountWMS(mux *http.ServeMux) error {
	h, err := wms.New(func(ctx context.Context, ev wms.Event) error {
		x := extra{dedup: true}
		if v, ok := wms.VerdictFromContext(ctx); ok {
			x.verdict = verdictText(v)
		}
		_, err := s.store(ctx, ev, x)
		return err
	}, wms.WithSecrets(s.keys.WMS...), wms.WithTracker(wms.NewTracker()))
	if err != nil {
		return err
	}
	s.mountPrefix(mux, "/wms", "wms", h)
	return nil
}

// verdictText is the stored form of a tracker verdict.
func verdictText(v wms.Verdict) string {
	if v.Order == wms.Gap && v.Missing.Count > 0 {
		return fmt.Sprintf("%s (missing %d..%d)", v.Order, v.Missing.First, v.Missing.Last())
	}
	return v.Order.String()
}

// wmsCurl is the banner's curl line for WMS, signing the body with openssl;
// secret is shell text (see shellKey).
func wmsCurl(base, secret string) string {
	return fmt.Sprintf(`body=testdata/wms/spec-body.in; curl -sS %s/wms/ -H 'Content-Type: application/json' -H "X-WMS-Content-MAC: hmac-sha256=$(openssl dgst -sha256 -hmac "%s" < $body | sed 's/^.*= //')" --data-binary @$body`,
		base, secret)
}
