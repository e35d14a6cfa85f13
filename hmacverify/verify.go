package hmacverify

import (
	"crypto/hmac"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"time"
)

// Sign returns the header value for body, the prefix followed by the encoded
// MAC, with the first secret. It signs the body alone; a timestamped
// verifier's senders use SignTimestamped.
func (v *Verifier) Sign(body []byte) string {
	return v.sign(body, "", "", false)
}

// SignTimestamped returns the header value for the message of the
// timestamped scheme built from body, id and t (in Unix seconds), with the
// first secret. The sender puts id and t in the id and timestamp headers, as
// SetHeaders does. On a verifier without the timestamped scheme it equals
// Sign.
func (v *Verifier) SignTimestamped(body []byte, id string, t time.Time) string {
	return v.sign(body, id, strconv.FormatInt(t.Unix(), 10), true)
}

// sign encodes the MAC of the message with the first secret.
func (v *Verifier) sign(body []byte, id, ts string, timestamped bool) string {
	set := v.pool.Get().(*macSet)
	mac := v.mac(set, 0, body, id, ts, timestamped)
	var enc string
	switch v.encoding {
	case Base64:
		enc = base64.StdEncoding.EncodeToString(mac)
	case Base64URL:
		enc = base64.RawURLEncoding.EncodeToString(mac)
	default:
		enc = hex.EncodeToString(mac)
	}
	v.pool.Put(set)
	return v.prefix + enc
}

// mac computes the MAC of the message with secret i into set and returns
// it; it stays valid until set goes back to the pool.
func (v *Verifier) mac(set *macSet, i int, body []byte, id, ts string, timestamped bool) []byte {
	h := set.hs[i]
	h.Reset()
	if !timestamped || v.segments == nil {
		h.Write(body)
		return h.Sum(set.sums[i][:0])
	}
	for _, s := range v.segments {
		switch s.kind {
		case segLiteral:
			h.Write(s.lit)
		case segID:
			set.writeString(h, id)
		case segTimestamp:
			set.writeString(h, ts)
		case segBody:
			h.Write(body)
		}
	}
	return h.Sum(set.sums[i][:0])
}

// writeString writes s to h without allocating.
func (set *macSet) writeString(h hash.Hash, s string) {
	for s != "" {
		n := copy(set.copy[:], s)
		h.Write(set.copy[:n])
		s = s[n:]
	}
}

// Verify checks header, the value of the signature header, against body.
// It passes when any signature in header (separated by spaces or commas,
// each with the prefix) matches the MAC of body with any secret. Each secret's
// MAC is computed and compared with every signature, whatever matches first.
//
// A refusal matches ErrMissingSignature, ErrMalformedSignature or
// ErrInvalidSignature (the last also for a malformed signature). On a
// timestamped verifier Verify fails with ErrMissingTimestamp: use
// VerifyTimestamped.
func (v *Verifier) Verify(body []byte, header string) error {
	return v.verify(body, "", "", header)
}

// VerifyTimestamped checks a request of the timestamped scheme: id and
// timestamp are the values of the id and timestamp headers as they arrived,
// header that of the signature header. Besides the errors of Verify it fails
// with ErrMissingID, ErrMissingTimestamp, ErrMalformedTimestamp,
// ErrTimestampTooOld or ErrTimestampTooNew, all before computing any MAC.
// On a verifier without the timestamped scheme it equals Verify and ignores
// id and timestamp.
func (v *Verifier) VerifyTimestamped(body []byte, id, timestamp, header string) error {
	return v.verify(body, id, timestamp, header)
}

// verify is Verify and VerifyTimestamped.
func (v *Verifier) verify(body []byte, id, ts, header string) error {
	var sig [maxMACSize]byte
	n, single, err := v.check(&sig, id, ts, header)
	if err != nil {
		return err
	}
	return v.compare(body, id, ts, header, single, sig[:n])
}

// check refuses, before any MAC is computed or any body read, a timestamp
// outside the tolerance and a header holding no well-formed signature. When
// the header is exactly one signature, it decodes it into sig, returns its
// length and reports single.
func (v *Verifier) check(sig *[maxMACSize]byte, id, ts, header string) (n int, single bool, err error) {
	if v.segments != nil {
		if err := v.checkTimestamp(id, ts); err != nil {
			return 0, false, err
		}
	}
	if n, single = v.single(sig, header); !single {
		err = v.checkHeader(header)
	}
	return n, single, err
}

// compare computes the MAC of the message of body, id and ts with every
// secret and compares each with sig when single, or else with every
// signature in header. The headers passed check.
func (v *Verifier) compare(body []byte, id, ts, header string, single bool, sig []byte) error {
	set := v.pool.Get().(*macSet)
	for i := range set.hs {
		v.mac(set, i, body, id, ts, v.segments != nil)
	}
	err := errInvalid
	if single && v.equal(set, sig) || !single && v.match(set, header) {
		err = nil
	}
	v.pool.Put(set)
	return err
}

// single decodes header into sig when it is exactly one signature: the
// prefix (in any case) followed by an encoded MAC, with nothing around it.
// That is the common case, decided without scanning for separators. It
// reports false for any other header, which match then parses.
func (v *Verifier) single(sig *[maxMACSize]byte, header string) (int, bool) {
	p := v.prefix
	if len(header) <= len(p) || !strings.EqualFold(header[:len(p)], p) {
		return 0, false
	}
	n, r := v.decode(sig, header[len(p):])
	return n, r == reasonOK
}

// equal compares sig with the MAC of every secret in set, whatever matches
// first, in constant time, and reports whether one matched.
func (v *Verifier) equal(set *macSet, sig []byte) bool {
	matched := false
	for i := range set.sums {
		matched = hmac.Equal(set.sums[i][:v.size], sig) || matched
	}
	return matched
}

// checkHeader makes sure header holds at least one well-formed signature,
// and returns ErrMissingSignature or ErrMalformedSignature when not.
func (v *Verifier) checkHeader(header string) error {
	var sig [maxMACSize]byte
	seen, prefixed := false, false
	why := reasonOK
	for rest := header; rest != ""; {
		var tok string
		var kind int
		tok, kind, rest = v.next(rest)
		switch kind {
		case wordNone:
			continue
		case wordForeign:
			seen = true
			continue
		}
		seen, prefixed = true, true
		_, r := v.decode(&sig, tok)
		if r == reasonOK {
			return nil
		}
		if why == reasonOK {
			why = r
		}
	}
	switch {
	case !seen:
		return errMissing
	case !prefixed:
		return refuse(ErrMalformedSignature, fmt.Sprintf("hmacverify: malformed signature: none with prefix %q", v.prefix), ErrInvalidSignature)
	}
	return refuse(ErrMalformedSignature, "hmacverify: malformed signature: "+v.reason(why), ErrInvalidSignature)
}

// match compares every well-formed signature in header with the MAC of
// every secret in set, whatever matches first, and reports whether one
// matched. Each signature is decoded once, into a buffer on the stack.
func (v *Verifier) match(set *macSet, header string) bool {
	var sig [maxMACSize]byte
	matched := false
	for rest := header; rest != ""; {
		var tok string
		var kind int
		tok, kind, rest = v.next(rest)
		if kind != wordSignature {
			continue
		}
		if n, r := v.decode(&sig, tok); r == reasonOK {
			matched = v.equal(set, sig[:n]) || matched
		}
	}
	return matched
}

// isSeparator reports whether c separates signatures in a header value.
func isSeparator(c byte) bool { return c == ' ' || c == ',' || c == '\t' }

// Kinds of word in a header value.
const (
	wordNone      = iota // no word left
	wordForeign          // a word without the prefix: another scheme's or version's
	wordSignature        // a signature, its prefix removed
)

// next returns the next word of a header value, its kind, and the rest of
// the value.
func (v *Verifier) next(s string) (tok string, kind int, rest string) {
	i := 0
	for i < len(s) && isSeparator(s[i]) {
		i++
	}
	s = s[i:]
	if s == "" {
		return "", wordNone, ""
	}
	kind = wordSignature
	if p := v.prefix; p != "" {
		if len(s) >= len(p) && strings.EqualFold(s[:len(p)], p) {
			s = s[len(p):]
		} else {
			kind = wordForeign
		}
	}
	// The scan always moves on: a foreign word starts with a non-separator,
	// and a signature's prefix was consumed.
	i = 0
	for i < len(s) && !isSeparator(s[i]) {
		i++
	}
	return s[:i], kind, s[i:]
}

// Reasons a signature does not decode.
const (
	reasonOK = iota
	reasonEmpty
	reasonLength
	reasonEncoding
)

// reason describes why a signature did not decode.
func (v *Verifier) reason(r int) string {
	switch r {
	case reasonEmpty:
		return "empty after prefix"
	case reasonLength:
		return fmt.Sprintf("wrong length for %s %v", v.hash, v.encoding)
	default:
		return "not " + v.encoding.String()
	}
}

// decode decodes one encoded signature into sig and returns its length, or
// why it cannot be a MAC of this verifier. It allocates nothing.
func (v *Verifier) decode(sig *[maxMACSize]byte, s string) (int, int) {
	if s == "" {
		return 0, reasonEmpty
	}
	var src [maxEncodedSize]byte
	if v.encoding == Hex {
		if len(s) != 2*v.size {
			return 0, reasonLength
		}
		n := copy(src[:], s)
		if _, err := hex.Decode(sig[:], src[:n]); err != nil {
			return 0, reasonEncoding
		}
		return v.size, reasonOK
	}
	enc := base64.RawStdEncoding.Strict()
	if v.encoding == Base64URL {
		enc = base64.RawURLEncoding.Strict()
	}
	s = strings.TrimRight(s, "=")
	if len(s) != enc.EncodedLen(v.size) {
		return 0, reasonLength
	}
	n := copy(src[:], s)
	m, err := enc.Decode(sig[:], src[:n])
	if err != nil || m != v.size {
		return 0, reasonEncoding
	}
	return m, reasonOK
}

// checkTimestamp checks the id and the timestamp of the timestamped scheme
// against the clock and the tolerance.
func (v *Verifier) checkTimestamp(id, ts string) error {
	if ts == "" {
		return refuse(ErrMissingTimestamp, "")
	}
	if v.idHeader != "" && id == "" {
		return refuse(ErrMissingID, "")
	}
	sec, ok := parseSeconds(ts)
	if !ok {
		return refuse(ErrMalformedTimestamp, "hmacverify: malformed timestamp: want Unix seconds")
	}
	now := v.now()
	// Compare in seconds, so that no instant overflows time.Time's range.
	nowSec := now.Unix()
	tol := int64((v.tolerance + time.Second - 1) / time.Second)
	switch {
	case sec < nowSec-tol:
		return refuse(ErrTimestampTooOld, fmt.Sprintf("hmacverify: timestamp too old: more than %v before the clock", v.tolerance))
	case sec > nowSec+tol:
		return refuse(ErrTimestampTooNew, fmt.Sprintf("hmacverify: timestamp too new: more than %v after the clock", v.tolerance))
	}
	return nil
}

// parseSeconds parses a non-negative decimal of at most 12 digits, which
// covers every Unix time in seconds until the year 33658.
func parseSeconds(s string) (int64, bool) {
	if s == "" || len(s) > 12 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}
