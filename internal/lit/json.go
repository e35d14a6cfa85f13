package lit

// AppendJSON converts the one tolerant value in src to compact strict JSON
// and appends it to dst. Keys become double-quoted strings, True, False and
// None become true, false and null, strings are re-quoted with JSON escapes
// (only '"', '\\' and control characters are escaped; other text, valid
// UTF-8 by then, is copied), and numbers are copied as written.
//
// NaN, Infinity and their spellings have no JSON form: AppendJSON reports
// them as a *SyntaxError rather than turning them into null, which would
// lose data silently. Any other error is a *SyntaxError too, and dst is
// then returned unchanged. White space after the value is allowed; any
// other trailing text is an error.
func AppendJSON(dst, src []byte) ([]byte, error) {
	return appendJSON(dst, src, false)
}

// AppendJSONQuotingNonFinite is AppendJSON, except that NaN, Infinity and
// -Infinity (and nan, inf, -inf) become the JSON strings "NaN", "Infinity"
// and "-Infinity" instead of an error: the form of a caller that can read
// those strings back (eeg's Value writes them so), and keeps a message
// whose numbers it does not know whole.
func AppendJSONQuotingNonFinite(dst, src []byte) ([]byte, error) {
	return appendJSON(dst, src, true)
}

func appendJSON(dst, src []byte, quoteNonFinite bool) ([]byte, error) {
	var s Scanner
	s.Reset(src)
	out, err := s.appendJSON(dst, quoteNonFinite)
	if err == nil {
		err = s.End()
	}
	if err != nil {
		return dst, err
	}
	return out, nil
}

// AppendJSON reads the next value as AppendJSON does and appends its strict
// JSON form to dst.
func (s *Scanner) AppendJSON(dst []byte) ([]byte, error) {
	return s.appendJSON(dst, false)
}

func (s *Scanner) appendJSON(dst []byte, quoteNonFinite bool) ([]byte, error) {
	k, err := s.Peek()
	if err != nil {
		return dst, err
	}
	switch k {
	case Null:
		return append(dst, "null"...), s.ReadNull()
	case Bool:
		b, err := s.ReadBool()
		if b {
			return append(dst, "true"...), err
		}
		return append(dst, "false"...), err
	case Number:
		start := s.pos
		n, err := s.ReadNumber()
		if err != nil {
			return dst, err
		}
		switch c := n[len(n)-1]; {
		case c >= '0' && c <= '9':
			return append(dst, n...), nil
		case !quoteNonFinite:
			return dst, s.Error(start, string(n)+" has no JSON form")
		case c == 'N' || c == 'n': // NaN, nan
			return append(dst, `"NaN"`...), nil
		case n[0] == '-': // -Infinity, -inf
			return append(dst, `"-Infinity"`...), nil
		default: // Infinity, inf
			return append(dst, `"Infinity"`...), nil
		}
	case String:
		str, err := s.ReadString()
		if err != nil {
			return dst, err
		}
		return AppendQuote(dst, str), nil
	case Object:
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
			dst = append(AppendQuote(dst, key), ':')
			if dst, err = s.appendJSON(dst, quoteNonFinite); err != nil {
				return dst, err
			}
		}
	default: // Array
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
			if dst, err = s.appendJSON(dst, quoteNonFinite); err != nil {
				return dst, err
			}
		}
	}
}

const hexDigits = "0123456789abcdef"

// AppendQuote appends str, which must be valid UTF-8, as a JSON string:
// double quotes, with '"', '\\' and control characters escaped (\n, \r, \t
// by name, others as \u00XX) and everything else copied.
// It is not labvanced's appendQuoted (encoding/json's form: \b, \f,
// \u2028, \u2029), which here would change the bytes eeg writes.
func AppendQuote(dst, str []byte) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(str); i++ {
		c := str[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, str[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	dst = append(dst, str[start:]...)
	return append(dst, '"')
}
