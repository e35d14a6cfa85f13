package server

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/vendorhooks/vendorhooks/wms"
)

// mountWMS accepts NuraLogix WMS calls at /wms/ and at a Config ID's
// /wms/<config>/ (its source), verified with the WMS secrets (the
// config's own where it has some), in the MAC form Config.WMSMAC names.
// Each event is stored with its session id as the session key and the
// sequence tracker's verdict ("in order", "gap (missing 3..5)", "late",
// "duplicate"), which the writer works out in the transaction that stores
// the event, from the session's state in the database (see trackWMS):
// tracking is per source, since session ids are chosen by each customer and
// may repeat across configurations, and it survives a restart.
//
// Duplicates are stored once, as every vendor's are (see store): the
// delivery's idempotency key is made by the handler from the event's kind,
// session id and sequence number, so a repeat is answered 200 without a
// second row. The database decides, so the handler's WithDropDuplicates is
// not needed and not used.
func (s *Server) mountWMS(mux *http.ServeMux) error {
	build := func(secrets []string) (http.Handler, error) {
		return wms.New(func(ctx context.Context, ev wms.Event) error {
			// Called once the MAC is verified: only a sender with the
			// secret makes a session's state. A write that fails leaves
			// the state as it was (one transaction), so the sender's
			// retry is not a duplicate.
			_, err := s.store(ctx, extra{wms: &wmsSeq{session: ev.SessionID, seq: ev.Sequence}}) // logs the verdict with the row's id
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

// wmsSeq names one WMS event of a session, to be tracked by the writer.
type wmsSeq struct {
	session string
	seq     int64
}

// wmsMaxSequence and wmsMaxHoles are the bounds of wms.Tracker: numbers
// from 2^53 are not recorded (reported late), and a session remembers at
// most 256 runs of missing numbers.
const (
	wmsMaxSequence = 1 << 53
	wmsMaxHoles    = 256
)

// wmsState is one session's sequence state, as stored in wms_sessions: the
// number expected next, the runs of missing numbers below it (inclusive
// [first, last] pairs, in order, at most wmsMaxHoles), and the number below
// which runs were trimmed to honour that bound. It follows wms.Tracker's
// rules exactly, so that the stored verdicts are the ones one tracker would
// give over the same events; unlike the tracker it never forgets an idle
// session (the database is not memory).
type wmsState struct {
	next    int64
	trimmed int64
	holes   [][2]int64
}

// track records seq and returns its verdict, and whether the state changed.
func (st *wmsState) track(seq int64) (wms.Verdict, bool) {
	v := wms.Verdict{Sequence: seq, Expected: st.next}
	switch {
	case seq < 0 || seq >= wmsMaxSequence:
		v.Order = wms.Late
		return v, false
	case seq == st.next:
		v.Order = wms.InOrder
		st.next++
		return v, true
	case seq > st.next:
		v.Order = wms.Gap
		v.Missing = wms.Range{First: st.next, Count: seq - st.next}
		st.holes = append(st.holes, [2]int64{st.next, seq - 1})
		st.next = seq + 1
		st.trim()
		return v, true
	case st.fill(seq):
		v.Order = wms.Late
		return v, true
	case seq < st.trimmed:
		v.Order = wms.Late
		return v, false
	default:
		v.Order = wms.Duplicate
		return v, false
	}
}

// trim drops the oldest runs beyond wmsMaxHoles.
func (st *wmsState) trim() {
	if n := len(st.holes) - wmsMaxHoles; n > 0 {
		st.trimmed = st.holes[n-1][1] + 1
		st.holes = append(st.holes[:0], st.holes[n:]...)
	}
}

// fill removes seq from the missing numbers, and reports whether it was
// there.
func (st *wmsState) fill(seq int64) bool {
	for i, h := range st.holes {
		if seq < h[0] || seq > h[1] {
			continue
		}
		switch {
		case h[0] == h[1]:
			st.holes = append(st.holes[:i], st.holes[i+1:]...)
		case seq == h[0]:
			st.holes[i][0]++
		case seq == h[1]:
			st.holes[i][1]--
		default:
			st.holes = append(st.holes[:i+1], st.holes[i:]...)
			st.holes[i][1] = seq - 1
			st.holes[i+1][0] = seq + 1
			st.trim()
		}
		return true
	}
	return false
}

// trackWMS works out the verdict of event e of session ws in the writer's
// transaction, from the session's stored state (per source), and stores the
// new state in the same transaction. The caller runs it in a savepoint with
// the event's insert, so a failed write leaves the state unchanged.
func trackWMS(ctx context.Context, stmts *[numStatements]*sql.Stmt, source, session string, seq int64) (string, error) {
	var st wmsState
	var holes string
	err := stmts[loadWMS].QueryRowContext(ctx, source, session).Scan(&st.next, &st.trimmed, &holes)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return "", fmt.Errorf("server: loading the WMS session: %w", err)
	default:
		if err := json.Unmarshal([]byte(holes), &st.holes); err != nil {
			return "", fmt.Errorf("server: the WMS session's missing numbers: %w", err)
		}
	}
	v, changed := st.track(seq)
	if changed {
		if st.holes == nil {
			st.holes = [][2]int64{}
		}
		b, err := json.Marshal(st.holes)
		if err != nil {
			return "", err
		}
		if _, err := stmts[saveWMS].ExecContext(ctx, source, session, st.next, st.trimmed, string(b)); err != nil {
			return "", fmt.Errorf("server: storing the WMS session: %w", err)
		}
	}
	return verdictText(v), nil
}
