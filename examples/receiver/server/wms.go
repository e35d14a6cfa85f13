package server

import (
	"context"
	"fmt"
	"net/http"

	"github.com/vendorhooks/vendorhooks/wms"
)

// mountWMS accepts NuraLogix WMS calls at /wms/, verified with the WMS
// secrets, in the MAC form Config.WMSMAC names. Each event is stored with its session id as the session key and
// the sequence tracker's verdict ("in order", "gap (missing 3..5)",
// "late", "duplicate").
//
// Duplicates are stored once, as every vendor's are (see store): the
// delivery's idempotency key is made by the handler from the event's kind,
// session id and sequence number, so a repeat is answered 200 without a
// second row. The database decides, not the in-memory tracker, so the
// handler's WithDropDuplicates is not needed and not used.
func (s *Server) mountWMS(mux *http.ServeMux) error {
	h, err := wms.New(func(ctx context.Context, ev wms.Event) error {
		var x extra
		if v, ok := wms.VerdictFromContext(ctx); ok {
			x.verdict = verdictText(v)
		}
		_, err := s.store(ctx, ev, x)
		return err
	}, s.wmsSecrets(), wms.WithTracker(wms.NewTracker()))
	if err != nil {
		return err
	}
	s.mountPrefix(mux, "/wms", "wms", h)
	return nil
}

// wmsSecrets is the option that gives the handler the WMS secrets, in the
// form cfg.WMSMAC names. A secret has one form: the handler never tries
// both, since accepting both lets a body signed over its bytes be resent
// altered.
func (s *Server) wmsSecrets() wms.Option {
	if s.cfg.WMSMAC == WMSMACNode {
		return wms.WithNodeSecrets(s.keys.WMS...)
	}
	return wms.WithSecrets(s.keys.WMS...)
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
