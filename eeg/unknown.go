package eeg

import (
	"github.com/vendorhooks/vendorhooks/internal/lit"
)

// unknownJSON converts the one tolerant value in src to compact strict JSON
// for Unknown.Raw, as lit.AppendJSON does, except that NaN, Infinity and
// -Infinity (and nan, inf, -inf) become the strings "NaN", "Infinity" and
// "-Infinity", as Value writes them, where lit.AppendJSON refuses them. It
// is here rather than in internal/lit because lit's refusal is right for
// its other users, who have no Value to read those strings back.
//
// Decode calls it only on text it has already read whole, so its errors are
// those of text Decode refused first.
func unknownJSON(src []byte) ([]byte, error) {
	var s lit.Scanner
	s.Reset(src)
	out, err := appendUnknown(&s, make([]byte, 0, len(src)))
	if err == nil {
		err = s.End()
	}
	return out, err
}

func appendUnknown(s *lit.Scanner, dst []byte) ([]byte, error) {
	k, err := s.Peek()
	if err != nil {
		return dst, err
	}
	switch k {
	case lit.Null:
		return append(dst, "null"...), s.ReadNull()
	case lit.Bool:
		b, err := s.ReadBool()
		if b {
			return append(dst, "true"...), err
		}
		return append(dst, "false"...), err
	case lit.Number:
		n, err := s.ReadNumber()
		if err != nil {
			return dst, err
		}
		switch c := n[len(n)-1]; {
		case c >= '0' && c <= '9':
			return append(dst, n...), nil
		case c == 'N' || c == 'n': // NaN, nan
			return append(dst, `"NaN"`...), nil
		case n[0] == '-': // -Infinity, -inf
			return append(dst, `"-Infinity"`...), nil
		default: // Infinity, inf
			return append(dst, `"Infinity"`...), nil
		}
	case lit.String:
		str, err := s.ReadString()
		if err != nil {
			return dst, err
		}
		return lit.AppendQuote(dst, str), nil
	case lit.Object:
		if err := s.BeginObject(); err != nil {
			return dst, err
		}
		dst = append(dst, '{')
		for first := true; ; first = false {
			key, more, err := s.NextKey()
			if err != nil {
				return dst, err
			}
			if !more {
				return append(dst, '}'), nil
			}
			if !first {
				dst = append(dst, ',')
			}
			dst = append(lit.AppendQuote(dst, key), ':')
			if dst, err = appendUnknown(s, dst); err != nil {
				return dst, err
			}
		}
	default: // lit.Array
		if err := s.BeginArray(); err != nil {
			return dst, err
		}
		dst = append(dst, '[')
		for first := true; ; first = false {
			more, err := s.More()
			if err != nil {
				return dst, err
			}
			if !more {
				return append(dst, ']'), nil
			}
			if !first {
				dst = append(dst, ',')
			}
			if dst, err = appendUnknown(s, dst); err != nil {
				return dst, err
			}
		}
	}
}
