package labvanced

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/vendorhooks/vendorhooks/internal/httpx"
)

// maxFormDepth bounds the brackets of one form key.
const maxFormDepth = 32

// formNode is an object or array being built from bracketed keys.
type formNode struct {
	keys []string       // in order of arrival
	vals map[string]any // string or *formNode
}

func newFormNode() *formNode { return &formNode{vals: map[string]any{}} }

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
// 0..n-1 becomes an array. A key given twice, or used both as a value and as
// an object, is an error: jQuery never sends either.
func parseForm(body []byte) (map[string]any, error) {
	root := newFormNode()
	for off := 0; off < len(body); {
		pair, _, _ := bytes.Cut(body[off:], []byte{'&'})
		at := int64(off)
		off += len(pair) + 1
		if len(pair) == 0 {
			continue
		}
		rawKey, rawVal, _ := bytes.Cut(pair, []byte{'='})
		// Invalid UTF-8 becomes U+FFFD, as in a JSON body.
		key, err := url.QueryUnescape(string(rawKey))
		if err != nil {
			return nil, &formError{at, "key " + httpx.Quote(string(rawKey)) + ": bad escape"}
		}
		val, err := url.QueryUnescape(string(rawVal))
		if err != nil {
			return nil, &formError{at, "value of " + httpx.Quote(key) + ": bad escape"}
		}
		key, val = strings.ToValidUTF8(key, "\uFFFD"), strings.ToValidUTF8(val, "\uFFFD")
		segs, err := splitFormKey(key)
		if err != nil {
			return nil, &formError{at, "key " + httpx.Quote(key) + ": " + err.Error()}
		}
		if err := root.set(segs, val); err != nil {
			return nil, &formError{at, "key " + httpx.Quote(key) + ": " + err.Error()}
		}
	}
	return root.object(), nil
}

// formError is a problem of a form body at the byte offset of its pair.
type formError struct {
	off int64
	msg string
}

func (e *formError) Error() string { return e.msg }

// splitFormKey splits "a[b][]" into "a", "b", "".
func splitFormKey(key string) ([]string, error) {
	name, rest, hasBracket := strings.Cut(key, "[")
	if name == "" {
		return nil, errors.New("empty name")
	}
	segs := []string{name}
	if !hasBracket {
		return segs, nil
	}
	rest = "[" + rest
	for rest != "" {
		if rest[0] != '[' {
			return nil, errors.New("text after a closing bracket")
		}
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return nil, errors.New("unclosed bracket")
		}
		segs = append(segs, rest[1:end])
		rest = rest[end+1:]
		if len(segs) > maxFormDepth {
			return nil, fmt.Errorf("more than %d levels", maxFormDepth)
		}
	}
	return segs, nil
}

var (
	errDuplicate = errors.New("given twice")
	errConflict  = errors.New("used both as a value and as an object")
)

// set stores val under the path segs; an empty segment after the first
// appends to an array.
func (n *formNode) set(segs []string, val string) error {
	key := segs[0]
	if key == "" {
		key = strconv.Itoa(len(n.keys))
	}
	cur, exists := n.vals[key]
	if len(segs) == 1 {
		if exists {
			if _, isNode := cur.(*formNode); isNode {
				return errConflict
			}
			return errDuplicate
		}
		n.keys = append(n.keys, key)
		n.vals[key] = val
		return nil
	}
	child, isNode := cur.(*formNode)
	if exists && !isNode {
		return errConflict
	}
	if !exists {
		child = newFormNode()
		n.keys = append(n.keys, key)
		n.vals[key] = child
	}
	return child.set(segs[1:], val)
}

// value returns the node as []any when its keys are 0..n-1, else as an
// object.
func (n *formNode) value() any {
	if n.isArray() {
		a := make([]any, len(n.keys))
		for i := range a {
			a[i] = formValue(n.vals[strconv.Itoa(i)])
		}
		return a
	}
	return n.object()
}

func (n *formNode) object() map[string]any {
	m := make(map[string]any, len(n.keys))
	for _, k := range n.keys {
		m[k] = formValue(n.vals[k])
	}
	return m
}

func (n *formNode) isArray() bool {
	for i := range n.keys {
		if _, ok := n.vals[strconv.Itoa(i)]; !ok {
			return false
		}
	}
	return len(n.keys) > 0
}

func formValue(x any) any {
	if n, ok := x.(*formNode); ok {
		return n.value()
	}
	return x
}
