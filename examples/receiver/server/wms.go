package server

import (
	"context"
	"fmt"
	"net/http"

	"github.com/vendorhooks/vendorhooks/wms"
)

// mountWMS accepts NuraLogix WMS calls at /wms/ and at a Config ID's
// /wms/<config>/ (its source), verified with the WMS secrets (the
// config's own where it has some), in the MAC form Config.WMSMAC names.
// Each event is stored with its session id as the session key and the
// sequence tracker's verdict ("in order", "gap (missing 3..5)", "late",
// "duplicate"). Each source has its tracker (see sources.tracker): session
// ids are chosen by each customer and may repeat across configurations.
//
// Duplicates are stored once, as every vendor's are (see store): the
// delivery's idempotency key is made by the handler from the event's kind,
// session id and sequence number, so a repeat is answered 200 without a
// second row. The database decides, not the in-memory tracker, so the
// handler's WithDropDuplicates is not needed and not used.
func (s *Server) mountWMS(mux *http.ServeMux) error {
	build := func(secrets []string) (http.Handler, error) {
		return wms.New(func(ctx context.Context, ev wms.Event) error {
			// Called once the MAC is verified: only a sender with the
			// secret makes a source's tracker.
			t := s.sources.tracker(sourceFromContext(ctx))
			v := t.Track(ev.SessionID, ev.Sequence)
			_, err := s.store(ctx, ev, extra{verdict: verdictText(v)})
			if err != nil {
				// Not stored: the sender's retry is not a duplicate.
				t.Release(ev.SessionID, ev.Sequence)
			}
			return err
		}, s.wmsSecrets(secrets))
	}
	h, err := build(s.keys.WMS)
	if err != nil {
		return err
	}
	s.mountPrefix(mux, "/wms", "wms", h, build)
	return nil
}

// wmsSecrets is the option that gives the handler secrets, in the form
// cfg.WMSMAC names. A secret has one form: the handler never tries both,
// since accepting both lets a body signed over its bytes be resent altered.
func (s *Server) wmsSecrets(secrets []string) wms.Option {
	if s.cfg.WMSMAC == WMSMACNode {
		return wms.WithNodeSecrets(secrets...)
	}
	return wms.WithSecrets(secrets...)
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
