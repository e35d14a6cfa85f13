package eeg

import (
	"errors"
	"strconv"
)

// ErrSyntax is the error class of every *SyntaxError: errors.Is(err,
// ErrSyntax) holds for a payload that is not a tolerant literal at all.
var ErrSyntax = errors.New("eeg: syntax error")

// ErrType is the error class of every *TypeError: errors.Is(err, ErrType)
// holds for a well-formed payload whose fields have the wrong shape.
var ErrType = errors.New("eeg: wrong field type")

// SyntaxError reports where a payload stops being JSON or Python-literal
// text. Offset is the 0-based byte offset; Line and Column are 1-based
// (Column counts bytes).
type SyntaxError struct {
	Offset int
	Line   int
	Column int
	Reason string
}

// Error returns "eeg: line L, column C (offset O): reason".
func (e *SyntaxError) Error() string {
	return "eeg: line " + strconv.Itoa(e.Line) + ", column " + strconv.Itoa(e.Column) +
		" (offset " + strconv.Itoa(e.Offset) + "): " + e.Reason
}

// Unwrap returns ErrSyntax.
func (e *SyntaxError) Unwrap() error { return ErrSyntax }

// TypeError reports a field of a known message type that holds the wrong
// kind of value, or is missing. Path names the field as the vendor spells
// it ("data.bandpower.ch2.alpha", "action.value[3]"); Got is empty for a
// missing field.
type TypeError struct {
	Path   string
	Want   string
	Got    string
	Offset int // byte offset of the value, or -1 for a missing field
}

// Error returns `eeg: PATH: want WANT, got GOT` or `eeg: PATH: missing,
// want WANT`.
func (e *TypeError) Error() string {
	if e.Got == "" {
		return "eeg: " + e.Path + ": missing, want " + e.Want
	}
	return "eeg: " + e.Path + ": want " + e.Want + ", got " + e.Got
}

// Unwrap returns ErrType.
func (e *TypeError) Unwrap() error { return ErrType }

// fieldPath names a field without building a string until an error needs
// it: a chain of names from the message down, each with an optional array
// index. It lives on the stack of the decoder's calls.
type fieldPath struct {
	parent *fieldPath
	name   string
	index  int // -1: none
}

// pathOf returns the path of a top-level field, such as "data" or "type".
func pathOf(name string) fieldPath { return fieldPath{name: name, index: -1} }

func (p *fieldPath) dot(name string) fieldPath {
	return fieldPath{parent: p, name: name, index: -1}
}

func (p fieldPath) at(i int) fieldPath {
	p.index = i
	return p
}

func (p *fieldPath) String() string {
	// Not recursive, so that escape analysis keeps paths on the stack.
	var chain [8]*fieldPath
	n := 0
	for q := p; q != nil && n < len(chain); q = q.parent {
		chain[n] = q
		n++
	}
	// Built in a byte slice so that the result never shares memory with
	// the path (which would make the path escape).
	b := make([]byte, 0, 64)
	for i := n - 1; i >= 0; i-- {
		if i < n-1 {
			b = append(b, '.')
		}
		b = append(b, chain[i].name...)
		if chain[i].index >= 0 {
			b = append(b, '[')
			b = strconv.AppendInt(b, int64(chain[i].index), 10)
			b = append(b, ']')
		}
	}
	return string(b)
}
