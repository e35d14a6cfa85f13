package labvanced

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/vendorhooks/vendorhooks/internal/httpx"
	"github.com/vendorhooks/vendorhooks/internal/tolerant"
)

// Warning messages shared by the JSON and form readers.
const (
	msgDuplicate = "duplicate key: the last value wins"
	msgSurrogate = `lone surrogate escape: read as U+FFFD`
)

// offsetTokens is how deep a member's offset is remembered for the field
// readers' warnings: the top-level fields, the members of var_data,
// survey_data and recData, and their direct elements. Deeper, free-form
// members are not read field by field, so their offsets are not needed.
const offsetTokens = 3

// jsonParser reads one JSON value into the tree a Value holds (nil, string,
// json.Number, bool, []any, map[string]any), following the tolerant-reader
// rule: nesting deeper than tolerant.MaxDepth and bad syntax are fatal; a
// duplicate key (the last value wins) and a string that is not UTF-8 (read
// as Latin-1) are warnings. encoding/json, which this replaces, took the last
// duplicate silently, turned invalid UTF-8 into U+FFFD silently and read a
// thousand levels. internal/lit's Scanner does not fit either: it reads a
// wider grammar (single quotes, bare keys) and refuses invalid UTF-8.
type jsonParser struct {
	src     []byte
	pos     int
	depth   int
	path    []byte           // JSON Pointer of the value being read
	list    *tolerant.List   // warnings
	offsets map[string]int64 // value offsets of members up to offsetTokens deep; nil: not kept
	latin1  [][2]int         // spans of string contents read as Latin-1
	tooDeep bool             // the error is nesting deeper than tolerant.MaxDepth
}

// syntax returns the fatal error at offset off.
func (p *jsonParser) syntax(off int, msg string) *DecodeError {
	return decodeError("", int64(off), "json body: "+msg)
}

func (p *jsonParser) skipSpace() {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\r', '\n':
			p.pos++
		default:
			return
		}
	}
}

// unexpected describes the byte at p.pos in a syntax error.
func (p *jsonParser) unexpected() string {
	if p.pos >= len(p.src) {
		return "unexpected end of input"
	}
	return "invalid character " + strconv.QuoteRune(rune(p.src[p.pos]))
}

// parseJSON reads the whole of src as one JSON value. Warnings go to list,
// and, when offsets is not nil, the value offsets of shallow members to it.
func parseJSON(src []byte, list *tolerant.List, offsets map[string]int64) (any, *jsonParser, *DecodeError) {
	p := &jsonParser{src: src, list: list, offsets: offsets}
	p.skipSpace()
	if p.pos == len(src) {
		return nil, p, p.syntax(0, "empty")
	}
	x, err := p.value()
	if err != nil {
		return nil, p, err
	}
	p.skipSpace()
	if p.pos != len(src) {
		return nil, p, p.syntax(p.pos, "trailing data after the JSON value")
	}
	return x, p, nil
}

func (p *jsonParser) value() (any, *DecodeError) {
	p.skipSpace()
	if p.pos >= len(p.src) {
		return nil, p.syntax(p.pos, "unexpected end of input")
	}
	switch c := p.src[p.pos]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		return p.str()
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	case c == 't':
		return p.literal("true", true)
	case c == 'f':
		return p.literal("false", false)
	case c == 'n':
		return p.literal("null", nil)
	}
	return nil, p.syntax(p.pos, p.unexpected()+" looking for beginning of value")
}

func (p *jsonParser) literal(word string, v any) (any, *DecodeError) {
	if len(p.src)-p.pos < len(word) || string(p.src[p.pos:p.pos+len(word)]) != word {
		for i := 0; i < len(word); i++ {
			if p.pos+i >= len(p.src) || p.src[p.pos+i] != word[i] {
				p.pos += i
				return nil, p.syntax(p.pos, p.unexpected()+" in literal "+word)
			}
		}
	}
	p.pos += len(word)
	return v, nil
}

// enter counts one more level of nesting; deeper than tolerant.MaxDepth is
// fatal. The error has no path: a pointer that deep could be long.
func (p *jsonParser) enter() *DecodeError {
	if p.depth >= tolerant.MaxDepth {
		p.tooDeep = true
		return p.syntax(p.pos, "nesting deeper than "+strconv.Itoa(tolerant.MaxDepth))
	}
	p.depth++
	return nil
}

// latin1Len returns the length of b read as Latin-1 in UTF-8.
func latin1Len(b []byte) int {
	n := len(b)
	for _, c := range b {
		if c >= utf8.RuneSelf {
			n++
		}
	}
	return n
}

// remember records the offset of the value at p.path.
func (p *jsonParser) remember(off int) {
	if p.offsets != nil && p.depth <= offsetTokens && len(p.path) <= tolerant.MaxPathBytes {
		p.offsets[string(p.path)] = int64(off)
	}
}

func (p *jsonParser) object() (any, *DecodeError) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	p.pos++ // '{'
	m := map[string]any{}
	base := len(p.path)
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == '}' {
		p.pos++
		p.depth--
		return m, nil
	}
	for {
		p.skipSpace()
		if p.pos >= len(p.src) || p.src[p.pos] != '"' {
			return nil, p.syntax(p.pos, p.unexpected()+" looking for beginning of object key string")
		}
		keyAt := p.pos
		// A name over maxKeyBytes is not kept, and so is its value. One
		// whose escaped form is over maxKeyEscaped cannot fit once
		// decoded: it is skipped, not read into a string.
		var key string
		keep := true
		if end := stringEnd(p.src, p.pos); end-p.pos-2 > maxKeyEscaped {
			keep = false
			p.path = tolerant.AppendToken(p.path[:base], pathText(p.src[p.pos+1:end-1]))
			warn(p.list, string(p.path), int64(keyAt), longWrittenKeyMsg(end-p.pos-2))
			p.pos = end
		} else {
			kx, err := p.str()
			if err != nil {
				return nil, err
			}
			key = kx.(string)
			p.path = tolerant.AppendToken(p.path[:base], key)
			if len(key) > maxKeyBytes {
				keep = false
				warn(p.list, string(p.path), int64(keyAt), longKeyMsg(len(key)))
			}
		}
		p.skipSpace()
		if p.pos >= len(p.src) || p.src[p.pos] != ':' {
			return nil, p.syntax(p.pos, p.unexpected()+" after object key")
		}
		p.pos++
		if _, dup := m[key]; keep && dup {
			warn(p.list, string(p.path), int64(keyAt), msgDuplicate)
		}
		p.skipSpace()
		p.remember(p.pos)
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		if keep {
			m[key] = v
		}
		p.path = p.path[:base]
		p.skipSpace()
		if p.pos < len(p.src) && p.src[p.pos] == ',' {
			p.pos++
			continue
		}
		if p.pos < len(p.src) && p.src[p.pos] == '}' {
			p.pos++
			p.depth--
			return m, nil
		}
		return nil, p.syntax(p.pos, p.unexpected()+" after object key:value pair")
	}
}

func (p *jsonParser) array() (any, *DecodeError) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	p.pos++ // '['
	a := []any{}
	base := len(p.path)
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == ']' {
		p.pos++
		p.depth--
		return a, nil
	}
	for {
		p.path = tolerant.AppendIndex(p.path[:base], len(a))
		p.skipSpace()
		p.remember(p.pos)
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		p.path = p.path[:base]
		p.skipSpace()
		if p.pos < len(p.src) && p.src[p.pos] == ',' {
			p.pos++
			continue
		}
		if p.pos < len(p.src) && p.src[p.pos] == ']' {
			p.pos++
			p.depth--
			return a, nil
		}
		return nil, p.syntax(p.pos, p.unexpected()+" after array element")
	}
}

// number reads a number as its text (json.Number), checked against the
// JSON grammar.
func (p *jsonParser) number() (any, *DecodeError) {
	start := p.pos
	digits := func() int {
		n := 0
		for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
			p.pos++
			n++
		}
		return n
	}
	if p.src[p.pos] == '-' {
		p.pos++
	}
	if p.pos < len(p.src) && p.src[p.pos] == '0' {
		p.pos++
	} else if digits() == 0 {
		return nil, p.syntax(p.pos, p.unexpected()+" in numeric literal")
	}
	if p.pos < len(p.src) && p.src[p.pos] == '.' {
		p.pos++
		if digits() == 0 {
			return nil, p.syntax(p.pos, p.unexpected()+" after decimal point in numeric literal")
		}
	}
	if p.pos < len(p.src) && (p.src[p.pos] == 'e' || p.src[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.src) && (p.src[p.pos] == '+' || p.src[p.pos] == '-') {
			p.pos++
		}
		if digits() == 0 {
			return nil, p.syntax(p.pos, p.unexpected()+" in exponent of numeric literal")
		}
	}
	return json.Number(p.src[start:p.pos]), nil
}

// str reads a quoted string. Its content, when not valid UTF-8, is read as
// Latin-1 (each raw byte its own code point; escapes keep their meaning)
// with a warning at the string's offset.
func (p *jsonParser) str() (any, *DecodeError) {
	start := p.pos
	p.pos++ // '"'
	i := p.pos
	plain := true
	for ; i < len(p.src); i++ {
		c := p.src[i]
		if c == '"' {
			break
		}
		if c == '\\' {
			plain = false
			i++
			continue
		}
		if c < 0x20 {
			p.pos = i
			return nil, p.syntax(i, "invalid character "+strconv.QuoteRune(rune(c))+" in string literal")
		}
	}
	if i >= len(p.src) {
		p.pos = len(p.src)
		return nil, p.syntax(p.pos, "unexpected end of input in string literal")
	}
	content := p.src[p.pos:i]
	latin1 := !utf8.Valid(content)
	if latin1 {
		warn(p.list, string(p.path), int64(start), tolerant.Latin1Msg)
		p.latin1 = append(p.latin1, [2]int{p.pos, i})
	}
	if plain && !latin1 {
		p.pos = i + 1
		return string(content), nil
	}
	size := len(content)
	if latin1 {
		size = latin1Len(content)
	}
	// A Builder, grown once, gives the string without a copy of the bytes.
	var out strings.Builder
	out.Grow(size)
	for j := 0; j < len(content); j++ {
		c := content[j]
		if c != '\\' {
			if latin1 {
				out.WriteRune(rune(c))
			} else {
				out.WriteByte(c)
			}
			continue
		}
		j++
		esc := content[j]
		switch esc {
		case '"', '\\', '/':
			out.WriteByte(esc)
		case 'b':
			out.WriteByte('\b')
		case 'f':
			out.WriteByte('\f')
		case 'n':
			out.WriteByte('\n')
		case 'r':
			out.WriteByte('\r')
		case 't':
			out.WriteByte('\t')
		case 'u':
			r, ok := hex4(content, j+1)
			if !ok {
				return nil, p.syntax(p.pos+j, "invalid \\u escape in string literal")
			}
			j += 4
			if utf16.IsSurrogate(r) {
				r2, ok2 := rune(-1), false
				if j+2 < len(content) && content[j+1] == '\\' && content[j+2] == 'u' {
					r2, ok2 = hex4(content, j+3)
				}
				if dec := utf16.DecodeRune(r, r2); ok2 && dec != utf8.RuneError {
					r = dec
					j += 6
				} else {
					r = utf8.RuneError
					warn(p.list, string(p.path), int64(p.pos+j-5), msgSurrogate)
				}
			}
			out.WriteRune(r)
		default:
			return nil, p.syntax(p.pos+j, "invalid escape "+httpx.Quote(`\`+string(esc))+" in string literal")
		}
	}
	p.pos = i + 1
	return out.String(), nil
}

// hex4 reads the four hex digits at b[i:].
func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[i:i+4]), 16, 32)
	return rune(n), err == nil
}

// latin1Body returns a copy of src with the content of every string in
// spans read as Latin-1: the JSON exactly as it arrived, but valid UTF-8.
func latin1Body(src []byte, spans [][2]int) []byte {
	n := len(src)
	for _, s := range spans {
		n += latin1Len(src[s[0]:s[1]]) - (s[1] - s[0])
	}
	out := make([]byte, 0, n)
	at := 0
	for _, s := range spans {
		out = append(out, src[at:s[0]]...)
		out = tolerant.AppendLatin1(out, src[s[0]:s[1]])
		at = s[1]
	}
	return append(out, src[at:]...)
}

// stringEnd returns the offset just past the JSON string that starts at
// src[pos] (a quote), or len(src) when it is not closed.
func stringEnd(src []byte, pos int) int {
	for i := pos + 1; i < len(src); i++ {
		switch src[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(src)
}
