// Package lit scans the literal text that webhook payloads arrive in when
// they are not strict JSON: Python dict reprs (what the Petal Metrics docs
// and users' logs show) and JavaScript object literals (what older Peak
// Signage senders put in sensor_data), as well as strict JSON itself.
//
// The grammar is JSON widened as follows, and nothing more:
//
//   - strings in single or double quotes, with the escapes \' \" \\ \/ \b
//     \f \n \r \t \v \a \0, \xNN (the code point U+00NN, as in Python),
//     \uNNNN (surrogate pairs joined; a lone surrogate becomes U+FFFD) and
//     \UNNNNNNNN;
//   - True, False, None as well as true, false, null;
//   - the numbers NaN, Infinity, -Infinity, nan, inf and -inf;
//   - a trailing comma before a closing bracket;
//   - bare identifier keys ([A-Za-z_$][A-Za-z0-9_$]*) in objects;
//   - a missing comma between two elements, but only where a newline
//     separates them (the Petal docs lose one that way); anywhere else a
//     missing comma is an error.
//
// Nesting is bounded by MaxDepth, invalid UTF-8 inside strings is an error,
// and a number of any size scans without panicking (its value is a matter
// for ParseFloat and ParseInt, which report range errors).
//
// The Scanner is a pull scanner over one value with no reflection, no
// regular expressions and no copy of the input: a string without escapes is
// returned as a sub-slice of the input, a string with escapes is unescaped
// into a buffer the Scanner reuses. AppendJSON converts a whole value to
// strict JSON.
package lit

import (
	"errors"
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/vendorhooks/vendorhooks/internal/tolerant"
)

// MaxDepth is the deepest nesting of objects and arrays a Scanner accepts:
// tolerant.MaxDepth, the bound of every vendorhooks decoder. Deeper input is
// a syntax error, never a stack exhaustion.
const MaxDepth = tolerant.MaxDepth

// SyntaxError reports where and why the input is not a tolerant literal.
// Offset is the 0-based byte offset; Line and Column are 1-based, and
// Column counts bytes.
type SyntaxError struct {
	Offset int
	Line   int
	Column int
	Reason string
}

// Error returns "line L, column C (offset O): reason".
func (e *SyntaxError) Error() string {
	return "line " + strconv.Itoa(e.Line) + ", column " + strconv.Itoa(e.Column) +
		" (offset " + strconv.Itoa(e.Offset) + "): " + e.Reason
}

// Kind is the kind of the next value.
type Kind uint8

// Value kinds. Invalid is returned with an error.
const (
	Invalid Kind = iota
	Null         // null, None
	Bool         // true, false, True, False
	Number       // a JSON number, NaN, Infinity, -Infinity, nan, inf, -inf
	String       // single- or double-quoted
	Object
	Array
)

var kindNames = [...]string{"invalid", "null", "bool", "number", "string", "object", "array"}

// String returns the kind's name as used in error messages ("number",
// "object").
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Scanner reads one value from src. The zero Scanner is empty; Reset gives
// it input. A Scanner is not safe for concurrent use, and slices it returns
// alias either src or its own buffer (valid until the next call).
//
// Reading an object:
//
//	if err := s.BeginObject(); err != nil { ... }
//	for {
//		more, err := s.More()
//		if err != nil || !more { ... }
//		key, err := s.Key()
//		... read or Skip the value ...
//	}
//
// Arrays are read the same way with BeginArray and no Key.
type Scanner struct {
	src   []byte
	pos   int
	depth int
	open  bool                  // just after '[' or '{': no element read yet
	obj   [MaxDepth / 64]uint64 // bit set: container at that depth is an object
	buf   []byte
}

// Reset makes s scan src from its start, keeping s's buffer.
func (s *Scanner) Reset(src []byte) {
	s.src, s.pos, s.depth, s.open = src, 0, 0, false
	s.buf = s.buf[:0]
}

// Offset returns the byte offset of the next unread byte.
func (s *Scanner) Offset() int { return s.pos }

// Error returns a *SyntaxError at byte offset off of s's input.
func (s *Scanner) Error(off int, reason string) *SyntaxError {
	return NewSyntaxError(s.src, off, reason)
}

// NewSyntaxError returns the error for reason at byte offset off of src,
// with its line and column.
func NewSyntaxError(src []byte, off int, reason string) *SyntaxError {
	if off > len(src) {
		off = len(src)
	}
	line, col := 1, 1
	for _, c := range src[:off] {
		if c == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return &SyntaxError{Offset: off, Line: line, Column: col, Reason: reason}
}

// skipSpace skips white space and reports whether it held a newline.
func (s *Scanner) skipSpace() bool {
	nl := false
	for s.pos < len(s.src) {
		switch s.src[s.pos] {
		case '\n':
			nl = true
		case ' ', '\t', '\r':
		default:
			return nl
		}
		s.pos++
	}
	return nl
}

// describe names the byte at s.pos for an error message.
func (s *Scanner) describe() string {
	if s.pos >= len(s.src) {
		return "end of input"
	}
	c := s.src[s.pos]
	if c < 0x20 || c >= 0x7f {
		return "byte 0x" + strconv.FormatUint(uint64(c), 16)
	}
	return strconv.QuoteRune(rune(c))
}

// Peek skips white space and returns the kind of the next value without
// reading it.
func (s *Scanner) Peek() (Kind, error) {
	s.skipSpace()
	if s.pos >= len(s.src) {
		return Invalid, s.Error(s.pos, "unexpected end of input, want a value")
	}
	switch c := s.src[s.pos]; c {
	case '{':
		return Object, nil
	case '[':
		return Array, nil
	case '"', '\'':
		return String, nil
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return Number, nil
	default:
		if isIdentStart(c) {
			end := s.identEnd(s.pos)
			switch string(s.src[s.pos:end]) {
			case "null", "None":
				return Null, nil
			case "true", "false", "True", "False":
				return Bool, nil
			case "NaN", "nan", "Infinity", "inf":
				return Number, nil
			}
			return Invalid, s.Error(s.pos, "unexpected identifier "+strconv.Quote(string(s.src[s.pos:end])))
		}
		return Invalid, s.Error(s.pos, "unexpected "+s.describe()+", want a value")
	}
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '$'
}

func isIdent(c byte) bool {
	return isIdentStart(c) || c >= '0' && c <= '9'
}

func (s *Scanner) identEnd(i int) int {
	for i < len(s.src) && isIdent(s.src[i]) {
		i++
	}
	return i
}

func (s *Scanner) begin(open byte, object bool) error {
	s.skipSpace()
	if s.pos >= len(s.src) || s.src[s.pos] != open {
		want := "array"
		if object {
			want = "object"
		}
		return s.Error(s.pos, "unexpected "+s.describe()+", want "+want)
	}
	if s.depth >= MaxDepth {
		return s.Error(s.pos, "nesting deeper than "+strconv.Itoa(MaxDepth))
	}
	s.pos++
	word, bit := s.depth/64, uint64(1)<<(s.depth%64)
	if object {
		s.obj[word] |= bit
	} else {
		s.obj[word] &^= bit
	}
	s.depth++
	s.open = true
	return nil
}

// BeginObject reads the '{' that opens an object.
func (s *Scanner) BeginObject() error { return s.begin('{', true) }

// BeginArray reads the '[' that opens an array.
func (s *Scanner) BeginArray() error { return s.begin('[', false) }

func (s *Scanner) inObject() bool {
	d := s.depth - 1
	return d >= 0 && s.obj[d/64]&(1<<(d%64)) != 0
}

// More reports whether the current object or array has another element.
// It reads the comma before that element, or the closing bracket (after an
// optional trailing comma) when there is none, so that the caller's next
// step is the element (Key for an object) or the rest of the outer value.
func (s *Scanner) More() (bool, error) {
	// Fast path for the common `, ` before another element; anything
	// else (white space other than spaces, a closing bracket after the
	// comma) takes the general path below.
	if src, i := s.src, s.pos; !s.open && s.depth > 0 && i < len(src) && src[i] == ',' {
		for i++; i < len(src) && src[i] == ' '; i++ {
		}
		if i < len(src) {
			if c := src[i]; c != ']' && c != '}' && c != '\n' && c != '\r' && c != '\t' {
				s.pos = i
				return true, nil
			}
		}
	}
	if s.depth == 0 {
		return false, s.Error(s.pos, "More outside an object or array")
	}
	closing := byte(']')
	if s.inObject() {
		closing = '}'
	}
	nl := s.skipSpace()
	if s.pos >= len(s.src) {
		return false, s.Error(s.pos, "unexpected end of input, want "+strconv.QuoteRune(rune(closing)))
	}
	c := s.src[s.pos]
	if s.open {
		s.open = false
		if c == closing {
			s.pos++
			s.depth--
			return false, nil
		}
		return true, nil
	}
	switch {
	case c == ',':
		s.pos++
		s.skipSpace()
		if s.pos < len(s.src) && s.src[s.pos] == closing {
			s.pos++
			s.depth--
			return false, nil
		}
		return true, nil
	case c == closing:
		s.pos++
		s.depth--
		return false, nil
	case nl && c != ']' && c != '}':
		// A missing comma is forgiven only across a newline.
		return true, nil
	}
	return false, s.Error(s.pos, "unexpected "+s.describe()+", want ',' or "+strconv.QuoteRune(rune(closing)))
}

// NextKey is More followed, when there is another member, by Key: it
// returns the next key of the current object, or ok false at its end.
func (s *Scanner) NextKey() (key []byte, ok bool, err error) {
	// Fast path for the common `, "key"` inside an object: a comma, spaces
	// and a quoted key (the general path handles everything else,
	// including trailing commas and newlines).
	if src, i := s.src, s.pos; !s.open && i < len(src) && src[i] == ',' {
		for i++; i < len(src) && src[i] == ' '; i++ {
		}
		if i < len(src) && (src[i] == '"' || src[i] == '\'') && s.inObject() {
			s.pos = i
			if key, err = s.readString(); err != nil {
				return nil, false, err
			}
			return s.colon(key)
		}
	}
	more, err := s.More()
	if err != nil || !more {
		return nil, false, err
	}
	key, err = s.Key()
	return key, err == nil, err
}

// PeekByte skips white space and returns the next byte, or 0 at the end of
// the input. It is a cheap look ahead for callers that branch on a quote,
// a minus sign or a digit before calling Peek for the general case.
func (s *Scanner) PeekByte() byte {
	s.skipSpace()
	if s.pos < len(s.src) {
		return s.src[s.pos]
	}
	return 0
}

// Key reads an object key and the ':' after it. The key is a quoted string
// or a bare identifier.
func (s *Scanner) Key() ([]byte, error) {
	if !s.inObject() {
		return nil, s.Error(s.pos, "Key outside an object")
	}
	s.skipSpace()
	var key []byte
	if s.pos < len(s.src) && isIdentStart(s.src[s.pos]) {
		end := s.identEnd(s.pos)
		key = s.src[s.pos:end]
		s.pos = end
	} else if s.pos < len(s.src) && (s.src[s.pos] == '"' || s.src[s.pos] == '\'') {
		k, err := s.readString()
		if err != nil {
			return nil, err
		}
		key = k
	} else {
		return nil, s.Error(s.pos, "unexpected "+s.describe()+", want an object key")
	}
	key, _, err := s.colon(key)
	return key, err
}

// colon reads the ':' after key.
func (s *Scanner) colon(key []byte) ([]byte, bool, error) {
	if s.pos < len(s.src) && s.src[s.pos] == ':' {
		s.pos++
		return key, true, nil
	}
	s.skipSpace()
	if s.pos >= len(s.src) || s.src[s.pos] != ':' {
		return nil, false, s.Error(s.pos, "unexpected "+s.describe()+", want ':' after object key")
	}
	s.pos++
	return key, true, nil
}

// ReadString reads a quoted string and returns its content. Without escapes
// the result is a sub-slice of the input; with escapes it is the unescaped
// text in s's buffer, valid until the next call on s.
func (s *Scanner) ReadString() ([]byte, error) {
	s.skipSpace()
	if s.pos >= len(s.src) || (s.src[s.pos] != '"' && s.src[s.pos] != '\'') {
		return nil, s.Error(s.pos, "unexpected "+s.describe()+", want a string")
	}
	return s.readString()
}

// readString reads the string whose opening quote is at s.pos.
func (s *Scanner) readString() ([]byte, error) {
	q := s.src[s.pos]
	start := s.pos + 1
	i := start
	src := s.src
	for i < len(src) {
		c := src[i]
		if plain[c] {
			i++
			continue
		}
		switch {
		case c == q:
			s.pos = i + 1
			return s.src[start:i], nil
		case c == '\\':
			return s.readEscaped(start, i, q)
		case c < 0x20:
			return nil, s.Error(i, "control character in string")
		case c < utf8.RuneSelf:
			i++
		default:
			r, n := utf8.DecodeRune(s.src[i:])
			if r == utf8.RuneError && n == 1 {
				return nil, s.Error(i, "invalid UTF-8 in string")
			}
			i += n
		}
	}
	return nil, s.Error(start-1, "unterminated string")
}

// readEscaped finishes a string whose content starts at start and whose
// first backslash is at i.
func (s *Scanner) readEscaped(start, i int, q byte) ([]byte, error) {
	buf := append(s.buf[:0], s.src[start:i]...)
	for i < len(s.src) {
		c := s.src[i]
		switch {
		case c == q:
			s.pos = i + 1
			s.buf = buf
			return buf, nil
		case c == '\\':
			if i+1 >= len(s.src) {
				return nil, s.Error(start-1, "unterminated string")
			}
			e := s.src[i+1]
			i += 2
			switch e {
			case '\'', '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'v':
				buf = append(buf, '\v')
			case 'a':
				buf = append(buf, '\a')
			case '0':
				buf = append(buf, 0)
			case 'x', 'u', 'U':
				n := 2
				if e == 'u' {
					n = 4
				} else if e == 'U' {
					n = 8
				}
				r, ok := hexRune(s.src, i, n)
				if !ok {
					return nil, s.Error(i-2, "invalid \\"+string(e)+" escape")
				}
				i += n
				if e == 'u' && utf16.IsSurrogate(r) {
					r2, ok2 := rune(-1), false
					if i+6 <= len(s.src) && s.src[i] == '\\' && s.src[i+1] == 'u' {
						r2, ok2 = hexRune(s.src, i+2, 4)
					}
					if ok2 {
						if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
							r = d
							i += 6
						} else {
							r = utf8.RuneError
						}
					} else {
						r = utf8.RuneError
					}
				}
				if r > utf8.MaxRune || (r >= 0xD800 && r < 0xE000) {
					r = utf8.RuneError
				}
				buf = utf8.AppendRune(buf, r)
			default:
				return nil, s.Error(i-2, "invalid escape "+strconv.Quote(string([]byte{'\\', e})))
			}
		case c < 0x20:
			return nil, s.Error(i, "control character in string")
		case c < utf8.RuneSelf:
			buf = append(buf, c)
			i++
		default:
			r, n := utf8.DecodeRune(s.src[i:])
			if r == utf8.RuneError && n == 1 {
				return nil, s.Error(i, "invalid UTF-8 in string")
			}
			buf = append(buf, s.src[i:i+n]...)
			i += n
		}
	}
	return nil, s.Error(start-1, "unterminated string")
}

// plain marks the bytes a string's content can hold with no further
// check: printable ASCII other than quotes and the backslash.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = c != '"' && c != '\'' && c != '\\'
	}
	return t
}()

func hexRune(src []byte, i, n int) (rune, bool) {
	if i+n > len(src) {
		return 0, false
	}
	var r rune
	for _, c := range src[i : i+n] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// ReadNumber reads a number and returns its text, a sub-slice of the input:
// a JSON number, or one of NaN, Infinity, -Infinity, nan, inf, -inf. Its
// size is not limited; ParseFloat and ParseInt give its value.
func (s *Scanner) ReadNumber() ([]byte, error) {
	s.skipSpace()
	start, i := s.pos, s.pos
	src := s.src
	if i < len(src) && src[i] == '-' {
		i++
	}
	if i < len(src) && isIdentStart(src[i]) {
		end := s.identEnd(i)
		w := string(src[i:end])
		if w == "Infinity" || w == "inf" || (i == start && (w == "NaN" || w == "nan")) {
			s.pos = end
			return src[start:end], nil
		}
		return nil, s.Error(start, "unexpected "+strconv.Quote(string(src[start:end]))+", want a number")
	}
	switch {
	case i < len(src) && src[i] == '0':
		i++
	case i < len(src) && src[i] >= '1' && src[i] <= '9':
		for i < len(src) && src[i] >= '0' && src[i] <= '9' {
			i++
		}
	default:
		s.pos = i
		return nil, s.Error(i, "unexpected "+s.describe()+", want a digit")
	}
	if i < len(src) && src[i] == '.' {
		i++
		d := i
		for i < len(src) && src[i] >= '0' && src[i] <= '9' {
			i++
		}
		if i == d {
			s.pos = i
			return nil, s.Error(i, "unexpected "+s.describe()+", want a digit after '.'")
		}
	}
	if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
		i++
		if i < len(src) && (src[i] == '+' || src[i] == '-') {
			i++
		}
		d := i
		for i < len(src) && src[i] >= '0' && src[i] <= '9' {
			i++
		}
		if i == d {
			s.pos = i
			return nil, s.Error(i, "unexpected "+s.describe()+", want a digit in exponent")
		}
	}
	if i < len(src) && (isIdent(src[i]) || src[i] == '.') {
		s.pos = i
		return nil, s.Error(i, "unexpected "+s.describe()+" after number")
	}
	s.pos = i
	return src[start:i], nil
}

// ReadFloat reads a number as ReadNumber does and returns its value as
// ParseFloat does (with ParseFloat's range error), and its text. It is
// ReadNumber and ParseFloat in one pass for the common short decimals.
func (s *Scanner) ReadFloat() (float64, []byte, error) {
	s.skipSpace()
	src := s.src
	i := s.pos
	neg := false
	if i < len(src) && src[i] == '-' {
		neg = true
		i++
	}
	// Fast path: [-](0|[1-9][0-9]*)[.[0-9]+] with a mantissa below 2^53
	// and at most 22 fraction digits, followed by a delimiter or the end.
	var mant uint64
	intStart := i
	for ; i < len(src) && src[i] >= '0' && src[i] <= '9'; i++ {
		mant = mant*10 + uint64(src[i]-'0')
	}
	digits, frac := i-intStart, 0
	fast := digits > 0 && (digits == 1 || src[intStart] != '0')
	if fast && i < len(src) && src[i] == '.' {
		i++
		fracStart := i
		for ; i < len(src) && src[i] >= '0' && src[i] <= '9'; i++ {
			mant = mant*10 + uint64(src[i]-'0')
		}
		frac = i - fracStart
		digits += frac
		fast = frac > 0
	}
	if fast && (i == len(src) || delimiter[src[i]]) && digits <= 19 && mant < 1<<53 && frac <= 22 {
		f := float64(mant)
		if frac > 0 {
			f /= pow10[frac]
		}
		if neg {
			f = -f
		}
		text := src[s.pos:i]
		s.pos = i
		return f, text, nil
	}
	text, err := s.ReadNumber()
	if err != nil {
		return 0, nil, err
	}
	f, err := ParseFloat(text)
	return f, text, err
}

// delimiter marks the bytes that may follow a number.
var delimiter = func() (t [256]bool) {
	for _, c := range []byte(" \t\r\n,]}") {
		t[c] = true
	}
	return t
}()

// ReadBool reads true, false, True or False.
func (s *Scanner) ReadBool() (bool, error) {
	s.skipSpace()
	end := s.identEnd(s.pos)
	switch string(s.src[s.pos:end]) {
	case "true", "True":
		s.pos = end
		return true, nil
	case "false", "False":
		s.pos = end
		return false, nil
	}
	return false, s.Error(s.pos, "unexpected "+s.describe()+", want true or false")
}

// ReadNull reads null or None.
func (s *Scanner) ReadNull() error {
	s.skipSpace()
	end := s.identEnd(s.pos)
	switch string(s.src[s.pos:end]) {
	case "null", "None":
		s.pos = end
		return nil
	}
	return s.Error(s.pos, "unexpected "+s.describe()+", want null")
}

// Skip reads the next value whole, whatever its kind, and returns the
// offset where it started.
func (s *Scanner) Skip() (int, error) {
	k, err := s.Peek()
	if err != nil {
		return s.pos, err
	}
	start := s.pos
	switch k {
	case Null:
		err = s.ReadNull()
	case Bool:
		_, err = s.ReadBool()
	case Number:
		_, err = s.ReadNumber()
	case String:
		_, err = s.ReadString()
	case Object, Array:
		err = s.skipContainer(k == Object)
	}
	return start, err
}

func (s *Scanner) skipContainer(object bool) error {
	var err error
	if object {
		err = s.BeginObject()
	} else {
		err = s.BeginArray()
	}
	if err != nil {
		return err
	}
	for {
		more, err := s.More()
		if err != nil || !more {
			return err
		}
		if object {
			if _, err := s.Key(); err != nil {
				return err
			}
		}
		if _, err := s.Skip(); err != nil {
			return err
		}
	}
}

// End reports an error unless only white space remains after the value.
func (s *Scanner) End() error {
	s.skipSpace()
	if s.pos < len(s.src) {
		return s.Error(s.pos, "unexpected "+s.describe()+" after the value")
	}
	return nil
}

// ErrRange is returned (wrapped in a *strconv.NumError by ParseFloat's
// fallback, or alone) for a number outside the range of the result type.
var ErrRange = strconv.ErrRange

// errSyntax is returned by ParseFloat and ParseInt for text that is not a
// number; text from ReadNumber never is.
var errSyntax = errors.New("lit: not a number")

var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// ParseFloat returns the value of number text from ReadNumber, correctly
// rounded. NaN, Infinity and their spellings give math.NaN() and ±Inf with
// no error; a finite number too large for float64 gives ±Inf and an error
// for which errors.Is(err, ErrRange) holds.
func ParseFloat(text []byte) (float64, error) {
	// Fast path (Clinger): a mantissa below 2^53 and a power of ten up to
	// 10^22 are exact in float64, so one division rounds correctly.
	i, neg := 0, false
	if len(text) > 0 && text[0] == '-' {
		neg, i = true, 1
	}
	start := i
	var mant uint64
	digits, exp := 0, 0
	for ; i < len(text) && text[i] >= '0' && text[i] <= '9'; i++ {
		mant = mant*10 + uint64(text[i]-'0')
		digits++
	}
	if i < len(text) && text[i] == '.' {
		for i++; i < len(text) && text[i] >= '0' && text[i] <= '9'; i++ {
			mant = mant*10 + uint64(text[i]-'0')
			digits++
			exp--
		}
	}
	if i == len(text) && i > start && digits <= 19 && mant < 1<<53 && exp >= -22 {
		f := float64(mant)
		if exp < 0 {
			f /= pow10[-exp]
		}
		if neg {
			f = -f
		}
		return f, nil
	}
	switch string(text) {
	case "NaN", "nan":
		return math.NaN(), nil
	case "Infinity", "inf":
		return math.Inf(1), nil
	case "-Infinity", "-inf":
		return math.Inf(-1), nil
	}
	f, err := strconv.ParseFloat(string(text), 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return f, ErrRange
		}
		return 0, errSyntax
	}
	return f, nil
}

// ParseInt returns the value of integer number text from ReadNumber. A
// fraction, an exponent, NaN or Infinity is a syntax error; a value outside
// int64 an error for which errors.Is(err, ErrRange) holds.
func ParseInt(text []byte) (int64, error) {
	i, neg := 0, false
	if len(text) > 0 && text[0] == '-' {
		neg, i = true, 1
	}
	if i == len(text) {
		return 0, errSyntax
	}
	var n uint64
	for ; i < len(text); i++ {
		c := text[i]
		if c < '0' || c > '9' {
			return 0, errSyntax
		}
		if n > (math.MaxUint64-9)/10 {
			return 0, ErrRange
		}
		n = n*10 + uint64(c-'0')
	}
	if neg {
		if n > 1<<63 {
			return 0, ErrRange
		}
		return -int64(n), nil
	}
	if n > math.MaxInt64 {
		return 0, ErrRange
	}
	return int64(n), nil
}
