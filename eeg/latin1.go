package eeg

import (
	"sort"
	"unicode/utf8"

	"github.com/vendorhooks/vendorhooks"
	"github.com/vendorhooks/vendorhooks/internal/lit"
	"github.com/vendorhooks/vendorhooks/internal/tolerant"
)

// litInvalidUTF8 is the reason of internal/lit's syntax error for a string
// that is not UTF-8 (TestLatin1ReasonIsLits checks it). The scanner refuses
// such strings, so Decode reads a body that holds one again, as text whose
// strings that are not UTF-8 are read as Latin-1 (tolerant.Text's rule).
// This costs nothing on the common path: a body is looked at twice only
// after the scanner refused it for this reason.
const litInvalidUTF8 = "invalid UTF-8 in string"

// latin1Fix is the Latin-1 reading of a body: text is the body with each
// string that is not UTF-8 read as Latin-1, spans where those strings are.
type latin1Fix struct {
	body  []byte // as sent
	text  []byte // as read
	spans []span
}

// span is one converted string's content: [at, end) in text, from at0 in
// the body, which is end-at-(extra) bytes shorter.
type span struct {
	at, end int // in text: the content after the opening quote
	at0     int // in body
	extra   int // bytes the conversion added, in this span and all before
}

// newLatin1Fix finds the strings of body (quoted with ' or ", backslash
// escaping the next byte, as lit reads them) whose content is not UTF-8 and
// reads each as Latin-1. Outside a string the literal grammar has no quote,
// so this finds exactly the strings the scanner reads; for a body that is
// not a literal at all, the scanner's error on text is the answer anyway.
func newLatin1Fix(body []byte) *latin1Fix {
	f := &latin1Fix{body: body, text: make([]byte, 0, len(body)+len(body)/4)}
	last, extra := 0, 0
	for i := 0; i < len(body); i++ {
		q := body[i]
		if q != '"' && q != '\'' {
			continue
		}
		j := i + 1
		for j < len(body) && body[j] != q {
			if body[j] == '\\' {
				j++
			}
			j++
		}
		end := min(j, len(body))
		content := body[i+1 : end]
		if !utf8.Valid(content) {
			f.text = append(f.text, body[last:i+1]...)
			at := len(f.text)
			f.text = tolerant.AppendLatin1(f.text, content)
			extra += len(f.text) - at - len(content)
			f.spans = append(f.spans, span{at: at, end: len(f.text), at0: i + 1, extra: extra})
			last = end
		}
		i = j
	}
	f.text = append(f.text, body[last:]...)
	return f
}

// orig returns the body offset of text offset o: inside a converted string,
// the start of its character's byte; elsewhere, o less the bytes added
// before it.
func (f *latin1Fix) orig(o int) int64 {
	// The first span that ends after o.
	k := sort.Search(len(f.spans), func(k int) bool { return f.spans[k].end > o })
	before := 0
	if k > 0 {
		before = f.spans[k-1].extra
	}
	if k < len(f.spans) && o >= f.spans[k].at {
		sp := f.spans[k]
		// Count the characters of text[sp.at:o]: one body byte each.
		return int64(sp.at0 + utf8.RuneCount(f.text[sp.at:o]))
	}
	return int64(o - before)
}

// decodeLatin1 is DecodeWarnings for a body with a string that is not
// UTF-8: it decodes the Latin-1 reading, with offsets of the body as sent,
// and warns for each such string (tolerant.Latin1Msg) at its path.
func decodeLatin1(body []byte) (Event, []vendorhooks.Warning, error) {
	f := newLatin1Fix(body)
	d := &decoder{fix: f}
	d.s.Reset(f.text)
	ev, err := d.decode(f.text)
	if err != nil {
		return nil, nil, err
	}
	d.latin1Warnings()
	return ev, d.sorted(), nil
}

// latin1Warnings walks the text read again, which parsed, and warns for
// every converted string, keys included, at its JSON Pointer (cut by
// tolerant's rule, and built no further).
func (d *decoder) latin1Warnings() {
	f := d.fix
	var s lit.Scanner
	s.Reset(f.text)
	k := 0 // the next span
	// at reports whether a converted string's content starts in [from, to).
	at := func(from, to int) (int, bool) {
		for k < len(f.spans) && f.spans[k].at < from {
			k++
		}
		if k < len(f.spans) && f.spans[k].at < to {
			k++
			return f.spans[k-1].at0 - 1, true // the opening quote
		}
		return 0, false
	}
	warn := func(path []byte, off int) {
		d.warn(vendorhooks.Warning{Path: string(path), Offset: int64(off), Msg: tolerant.Latin1Msg})
	}
	var walk func(path []byte) error
	walk = func(path []byte) error {
		kind, err := s.Peek()
		if err != nil {
			return err
		}
		from := s.Offset()
		switch kind {
		case lit.String:
			if _, err := s.ReadString(); err != nil {
				return err
			}
			if off, ok := at(from, s.Offset()); ok {
				warn(path, off)
			}
			return nil
		case lit.Object, lit.Array:
			obj := kind == lit.Object
			if obj {
				err = s.BeginObject()
			} else {
				err = s.BeginArray()
			}
			if err != nil {
				return err
			}
			for i := 0; ; i++ {
				from := s.Offset()
				var key []byte
				var more bool
				if obj {
					key, more, err = s.NextKey()
				} else {
					more, err = s.More()
				}
				if err != nil || !more {
					return err
				}
				var p []byte
				if obj {
					// No more of the key than the path shows: the
					// path of a 30 MiB name is a few hundred bytes.
					p = tolerant.AppendToken(append([]byte(nil), path...), string(key[:min(len(key), tolerant.MaxPathBytes+1)]))
					if off, ok := at(from, s.Offset()); ok {
						warn(p, off)
					}
				} else {
					p = tolerant.AppendIndex(append([]byte(nil), path...), i)
				}
				if err := walk(p); err != nil {
					return err
				}
			}
		}
		_, err = s.Skip()
		return err
	}
	// The text parsed once; a second parse cannot fail.
	_ = walk(nil)
}
