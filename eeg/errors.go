package eeg

import (
	"strconv"
	"strings"

	"github.com/vendorhooks/vendorhooks"
	"github.com/vendorhooks/vendorhooks/internal/httpx"
	"github.com/vendorhooks/vendorhooks/internal/lit"
	"github.com/vendorhooks/vendorhooks/internal/tolerant"
)

// ErrMalformed is vendorhooks.ErrMalformed: errors.Is(err, ErrMalformed)
// holds for every refusal by Decode, and for the handler means "answer
// 400". It does not hold for the *vendorhooks.Warnings Decode returns
// beside a deliverable event.
var ErrMalformed = vendorhooks.ErrMalformed

// DecodeError is vendorhooks.DecodeError, the one error type of every
// refusal by Decode (and by Value.UnmarshalJSON and Quality.UnmarshalText).
// Its Vendor is "eeg". For text that is not a literal object at all, Path is
// empty and Offset is the byte where reading stopped; Msg then ends with the
// line and column. For a refused type, Path is "/type" and Offset the byte
// offset of its value, or -1 when it is missing. Offsets count bytes of the
// body as sent, also where Decode read a string as Latin-1. Msg quotes at
// most about 32 bytes of the input.
type DecodeError = vendorhooks.DecodeError

// vendor is the package's name in DecodeError and Delivery.
const vendor = "eeg"

// syntaxError converts a scanner error to a *DecodeError with an empty
// path.
func syntaxError(se *lit.SyntaxError) *DecodeError {
	return &DecodeError{
		Vendor: vendor,
		Path:   "",
		Offset: int64(se.Offset),
		Msg:    shortenQuoted(se.Reason) + " at line " + strconv.Itoa(se.Line) + ", column " + strconv.Itoa(se.Column),
	}
}

// shortenQuoted re-quotes the one double-quoted run of input a scanner
// message may hold (an identifier, which may be as long as the body) with
// httpx.Quote, so that the message quotes at most about 32 bytes. Shorter
// messages are returned as they are.
func shortenQuoted(reason string) string {
	const short = 48
	if len(reason) <= short {
		return reason
	}
	i := strings.IndexByte(reason, '"')
	j := strings.LastIndexByte(reason, '"')
	if i < 0 || j <= i {
		return reason
	}
	q, err := strconv.Unquote(reason[i : j+1])
	if err != nil {
		return reason
	}
	return reason[:i] + httpx.Quote(q) + reason[j+1:]
}

// fieldPath names a field without building a string until an error needs
// it: a chain of member names from the message down, each with an optional
// array index. It lives on the stack of the decoder's calls; the root (the
// message itself) has no name.
type fieldPath struct {
	parent *fieldPath
	name   string
	index  int // -1: none
}

// root is the path of the message as a whole: the empty pointer.
func root() fieldPath { return fieldPath{index: -1} }

// pathOf returns the path of a top-level member, such as "data" or "type".
func pathOf(name string) fieldPath { return fieldPath{name: name, index: -1} }

func (p *fieldPath) dot(name string) fieldPath {
	return fieldPath{parent: p, name: name, index: -1}
}

func (p fieldPath) at(i int) fieldPath {
	p.index = i
	return p
}

// String returns the path as an RFC 6901 JSON Pointer: "" for the root,
// "/data/bandpower/ch2/alpha", "/action/value/3"; built no further than
// tolerant.CutPath shows it (tolerant.AppendToken), so that a long member
// name costs a path of a few hundred bytes.
func (p *fieldPath) String() string {
	// Built in a byte slice so that the result never shares memory with
	// the path (which would make the path escape).
	return string(p.append(make([]byte, 0, 64)))
}

// append appends the path's pointer (String) to b.
func (p *fieldPath) append(b []byte) []byte {
	// Not recursive, so that escape analysis keeps paths on the stack.
	var chain [8]*fieldPath
	n := 0
	for q := p; q != nil && n < len(chain); q = q.parent {
		chain[n] = q
		n++
	}
	for i := n - 1; i >= 0; i-- {
		if chain[i].name != "" || chain[i].parent != nil {
			b = tolerant.AppendToken(b, chain[i].name)
		}
		if chain[i].index >= 0 {
			b = tolerant.AppendIndex(b, chain[i].index)
		}
	}
	return b
}
