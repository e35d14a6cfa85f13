package wms

import "unicode/utf8"

// NodeASCII returns body as the vendor's sample code feeds it to the MAC:
// Node's requestBody.toString() decodes it as UTF-8 (each maximal invalid
// subsequence becoming U+FFFD, as the WHATWG decoder does), and
// hmac.update(s, 'ascii') then keeps the low byte of each UTF-16 code unit.
// So "é" (U+00E9) gives 0xE9, "€" (U+20AC) gives 0xAC, an emoji gives the
// low bytes of its two surrogates, and an invalid byte gives 0xFD. For an
// ASCII body the result equals body (and NodeASCII returns body itself).
//
// The transform is one-to-one only for a valid UTF-8 body whose every
// character is at most U+00FF; beyond that, bodies differing in a character
// ("Ŧ" and "f", "Ģ" and a quote) share one form and so one MAC. That is why
// NewNodeVerifier accepts no other body.
func NodeASCII(body []byte) []byte {
	i := asciiLen(body)
	if i == len(body) {
		return body
	}
	out := make([]byte, i, len(body))
	copy(out, body[:i])
	for i < len(body) {
		c := body[i]
		if c < utf8.RuneSelf {
			out = append(out, c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(body[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			out = append(out, 0xFD) // U+FFFD
			i += invalidLen(body[i:])
		case r >= 0x10000:
			r -= 0x10000
			out = append(out, byte(0xD800+r>>10), byte(0xDC00+r&0x3FF))
			i += size
		default:
			out = append(out, byte(r))
			i += size
		}
	}
	return out
}

// invalidLen returns the length of the maximal subpart of an ill-formed
// UTF-8 sequence at the start of b: the bytes a WHATWG decoder replaces with
// one U+FFFD. b starts with an invalid or incomplete sequence.
func invalidLen(b []byte) int {
	var need int
	lo, hi := byte(0x80), byte(0xBF)
	switch c := b[0]; {
	case c >= 0xC2 && c <= 0xDF:
		need = 1
	case c == 0xE0:
		need, lo = 2, 0xA0
	case c == 0xED:
		need, hi = 2, 0x9F
	case c >= 0xE1 && c <= 0xEF:
		need = 2
	case c == 0xF0:
		need, lo = 3, 0x90
	case c == 0xF4:
		need, hi = 3, 0x8F
	case c >= 0xF1 && c <= 0xF3:
		need = 3
	default:
		return 1
	}
	n := 1
	for n <= need && n < len(b) && b[n] >= lo && b[n] <= hi {
		n++
		lo, hi = 0x80, 0xBF
	}
	return n
}

// asciiLen returns the length of the ASCII prefix of b.
func asciiLen(b []byte) int {
	i := 0
	for i < len(b) && b[i] < utf8.RuneSelf {
		i++
	}
	return i
}

// isASCII reports whether b is all ASCII, so that NodeASCII(b) equals b.
func isASCII(b []byte) bool { return asciiLen(b) == len(b) }

// latin1Text reports whether b is valid UTF-8 with every character at most
// U+00FF: ASCII bytes, and two-byte sequences C2 or C3 followed by a
// continuation byte. For such a b, NodeASCII(b) is its Latin-1 encoding,
// one byte per character, which no other such body shares.
func latin1Text(b []byte) bool {
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c < utf8.RuneSelf {
			continue
		}
		if (c != 0xC2 && c != 0xC3) || i+1 >= len(b) || b[i+1]&0xC0 != 0x80 {
			return false
		}
		i++
	}
	return true
}
