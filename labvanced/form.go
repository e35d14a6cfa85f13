package labvanced

import (
	"bytes"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/vendorhooks/vendorhooks/internal/tolerant"
)

// formNode is an object or array being built from bracketed keys. It
// keeps no list of its keys beside the map: a body of a million pairs
// would grow one by append to four times its final size.
type formNode struct {
	vals map[string]any // string or *formNode
}

func newFormNode() *formNode { return &formNode{vals: map[string]any{}} }

// formParser reads one form body; see parseForm.
type formParser struct {
	list    *tolerant.List
	offsets map[string]int64
	at      int64  // offset of the pair being read
	path    []byte // scratch for pointers
}

// parseForm reads an application/x-www-form-urlencoded body in the bracket
// notation of jQuery's $.param:
//
//	a=1                  {"a": "1"}
//	a[b][c]=1            {"a": {"b": {"c": "1"}}}
//	a[]=1&a[]=2          {"a": ["1", "2"]}
//	a[0][b]=x&a[1][b]=y  {"a": [{"b": "x"}, {"b": "y"}]}
//
// Every value is a string; a key without "=" has the empty value, which is
// how jQuery sends null and undefined. An object whose keys are exactly
// 0..n-1 becomes an array.
//
// Any body can be read, so the only fatal error is a key nested deeper than
// tolerant.MaxDepth. The rest is a warning, at the pair's offset, and loses
// nothing: a key given twice, or used both as a value and as an object,
// keeps its last value (a repeated "a[]" appends, as jQuery means it); a
// key whose brackets do not parse is kept whole as a plain name; a bad
// percent escape is kept as sent; text that is not UTF-8 after decoding is
// read as Latin-1. When offsets is not nil it receives the offset of the
// first pair of each path up to offsetTokens deep.
func parseForm(body []byte, list *tolerant.List, offsets map[string]int64) (map[string]any, *DecodeError) {
	p := &formParser{list: list, offsets: offsets}
	root := newFormNode()
	for off := 0; off < len(body); {
		pair, _, _ := bytes.Cut(body[off:], []byte{'&'})
		p.at = int64(off)
		off += len(pair) + 1
		if len(pair) == 0 {
			continue
		}
		rawKey, rawVal, _ := bytes.Cut(pair, []byte{'='})
		if len(rawKey) > maxKeyEncoded && brackets(rawKey) <= tolerant.MaxDepth {
			// Too long to keep, and not too deep to read (a deeper key
			// is refused below): dropped before it is unescaped, which
			// would copy it whole.
			warn(p.list, string(tolerant.AppendToken(nil, pathText(rawKey))), p.at, longWrittenKeyMsg(len(rawKey)))
			continue
		}
		key := p.unescape(rawKey, nil)
		segs, ok := splitFormKey(key)
		if !ok {
			segs = []string{key}
		}
		if len(segs) > tolerant.MaxDepth {
			return nil, decodeError("", p.at, "form body: key nested deeper than "+strconv.Itoa(tolerant.MaxDepth))
		}
		if len(key) > maxKeyBytes {
			// Not kept: the key's text (and its value's) is garbage
			// from here, not held by the event.
			warn(p.list, string(tolerant.AppendToken(nil, pathText(rawKey))), p.at, longKeyMsg(len(key)))
			continue
		}
		p.path = p.path[:0]
		for _, s := range segs {
			p.path = tolerant.AppendToken(p.path, s)
		}
		if !ok {
			warn(p.list, string(p.path), p.at, "brackets of the key do not parse: kept as a plain name")
		}
		val := p.unescape(rawVal, p.path)
		p.path = p.path[:0]
		root.set(p, segs, val)
	}
	return root.object(), nil
}

// brackets counts the opening brackets of a raw form key, sent as they are
// or percent-encoded: at least as many as the key has segments, less one.
func brackets(key []byte) int {
	return bytes.Count(key, []byte("[")) + bytes.Count(key, []byte("%5B")) + bytes.Count(key, []byte("%5b"))
}

// unescape percent-decodes s ('+' is a space). A bad escape keeps s as
// sent; text that is not UTF-8 is read as Latin-1. Both are warnings at
// path, or, for a key (path nil), at the pointer of the key's own text.
func (p *formParser) unescape(s []byte, path []byte) string {
	at := func() string {
		if path == nil {
			return string(tolerant.AppendToken(nil, pathText(s)))
		}
		return string(path)
	}
	sent := string(s)
	out, err := url.QueryUnescape(sent)
	if err != nil {
		warn(p.list, at(), p.at, "bad percent escape: kept as sent")
		out = sent
	}
	if !utf8.ValidString(out) {
		out = latin1String(out)
		warn(p.list, at(), p.at, tolerant.Latin1Msg)
	}
	return out
}

// pathText returns as text (Latin-1 where it is not UTF-8, like the key
// itself) as much of a raw key as a warning's path can show: all of it, or,
// for a key longer than tolerant.MaxPathBytes, a start of it long enough
// that tolerant.CutPath still cuts it, and never the whole 30 MiB of a
// hostile key.
func pathText(s []byte) string {
	n := min(len(s), tolerant.MaxPathBytes+utf8.UTFMax+1)
	if utf8.Valid(s) {
		for n < len(s) && !utf8.RuneStart(s[n]) {
			n-- // stays above MaxPathBytes: a rune has at most UTFMax bytes
		}
		return string(s[:n])
	}
	t, _ := tolerant.Text(s[:n])
	return t
}

// latin1String returns s read as Latin-1, without the copy of s a
// conversion to []byte would make.
func latin1String(s string) string {
	n := len(s)
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			n++
		}
	}
	var out strings.Builder // gives the string without copying it
	out.Grow(n)
	for i := 0; i < len(s); i++ {
		out.WriteRune(rune(s[i]))
	}
	return out.String()
}

// splitFormKey splits "a[b][]" into "a", "b", "". It reports false for a
// key whose brackets do not parse: an empty name, an unclosed bracket, text
// after a closing bracket.
func splitFormKey(key string) ([]string, bool) {
	name, rest, hasBracket := strings.Cut(key, "[")
	if name == "" {
		return nil, false
	}
	segs := []string{name}
	if !hasBracket {
		return segs, true
	}
	rest = key[len(name):] // from the first "[", without a copy of the key
	for rest != "" {
		if rest[0] != '[' {
			return nil, false
		}
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return nil, false
		}
		segs = append(segs, rest[1:end])
		rest = rest[end+1:]
		if len(segs) > tolerant.MaxDepth {
			return segs, true // refused by the caller, without splitting the rest
		}
	}
	return segs, true
}

// set stores val under the path segs; an empty segment after the first
// appends to an array. A key given twice, or used both as a value and as an
// object, keeps the last value, with a warning.
func (n *formNode) set(p *formParser, segs []string, val string) {
	key := segs[0]
	if key == "" {
		key = strconv.Itoa(len(n.vals))
	}
	p.path = tolerant.AppendToken(p.path, key)
	cur, exists := n.vals[key]
	if !exists {
		if p.offsets != nil && len(p.path) <= tolerant.MaxPathBytes && bytes.Count(p.path, []byte{'/'}) <= offsetTokens {
			p.offsets[string(p.path)] = p.at
		}
	}
	if len(segs) == 1 {
		if exists {
			warn(p.list, string(p.path), p.at, msgDuplicate)
		}
		n.vals[key] = val
		return
	}
	child, isNode := cur.(*formNode)
	if !isNode {
		if exists {
			warn(p.list, string(p.path), p.at, msgDuplicate)
		}
		child = newFormNode()
		n.vals[key] = child
	}
	child.set(p, segs[1:], val)
}

// value returns the node as []any when its keys are 0..n-1, else as an
// object.
func (n *formNode) value() any {
	if n.isArray() {
		a := make([]any, len(n.vals))
		for i := range a {
			a[i] = formValue(n.vals[strconv.Itoa(i)])
		}
		return a
	}
	return n.object()
}

func (n *formNode) object() map[string]any {
	// The node's own map becomes the object, its nodes replaced by their
	// values: the node is not used after this, and a copy would cost a
	// second map as large.
	m := n.vals
	for k, x := range m {
		if c, ok := x.(*formNode); ok {
			m[k] = c.value()
		}
	}
	return m
}

func (n *formNode) isArray() bool {
	for i := range len(n.vals) {
		if _, ok := n.vals[strconv.Itoa(i)]; !ok {
			return false
		}
	}
	return len(n.vals) > 0
}

func formValue(x any) any {
	if n, ok := x.(*formNode); ok {
		return n.value()
	}
	return x
}
