// Package golden is the golden-file harness every vendorhooks decoder is
// tested with.
//
// A case is a file NAME.in under testdata/<pkg>/ holding a payload as it
// arrives. Beside it stands exactly one expectation: NAME.golden.json, the
// decoded value marshalled as indented JSON, or NAME.err, the error text for
// an input that must fail. Run compares each with cmp.Diff. A missing
// expectation fails the test; it is never created silently. An expectation
// with no input, or a case with both expectations, fails too, so no golden
// file goes uncompared.
//
// `go test ./... -update` rewrites the expectations from what the decoder
// does now (and removes the one that no longer applies). Read every rewritten
// file before committing it.
//
// Because `go test ./... -update` hands -update to every test binary, every
// package with tests must import this package (a blank import is enough).
package golden

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorhooks/vendorhooks"
)

// Update is set by the -update flag: rewrite golden files instead of
// comparing against them.
var Update = flag.Bool("update", false, "rewrite golden files in testdata/ from the current output")

// Suffixes of the three files of a case.
const (
	InSuffix     = ".in"
	GoldenSuffix = ".golden.json"
	ErrSuffix    = ".err"
)

// TB is the part of testing.TB the harness reports through.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// Case is one golden input.
type Case struct {
	Name string // file name without ".in"
	Path string // path of the .in file
	Data []byte // its content, byte for byte
}

// Cases returns the golden inputs in dir, sorted by name. It fails tb when
// dir holds none, or holds an expectation without an input or a case with
// both expectations.
func Cases(tb TB, dir string) []Case {
	tb.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatalf("golden: %v", err)
	}
	ins := map[string]bool{}
	var expect []string
	for _, e := range entries {
		n := e.Name()
		switch {
		case e.IsDir():
		case strings.HasSuffix(n, InSuffix):
			ins[strings.TrimSuffix(n, InSuffix)] = true
		case strings.HasSuffix(n, GoldenSuffix), strings.HasSuffix(n, ErrSuffix):
			expect = append(expect, n)
		}
	}
	seen := map[string]string{}
	for _, n := range expect {
		base := strings.TrimSuffix(strings.TrimSuffix(n, GoldenSuffix), ErrSuffix)
		if !ins[base] {
			tb.Errorf("golden: %s has no input %s%s", filepath.Join(dir, n), base, InSuffix)
		}
		if other, ok := seen[base]; ok {
			tb.Errorf("golden: case %s has both %s and %s", base, other, n)
		}
		seen[base] = n
	}
	names := make([]string, 0, len(ins))
	for n := range ins {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) == 0 {
		tb.Fatalf("golden: no %s files in %s", InSuffix, dir)
	}
	cases := make([]Case, 0, len(names))
	for _, n := range names {
		p := filepath.Join(dir, n+InSuffix)
		data, err := os.ReadFile(p)
		if err != nil {
			tb.Fatalf("golden: %v", err)
		}
		cases = append(cases, Case{Name: n, Path: p, Data: data})
	}
	return cases
}

// Run decodes every case in dir with decode and compares the result with the
// case's expectation, each case as a subtest named after it. decode receives
// the case (its name can carry what the payload alone does not, such as a
// route). With -update it rewrites the expectations instead.
func Run(t *testing.T, dir string, decode func(c Case) (any, error)) {
	t.Helper()
	for _, c := range Cases(t, dir) {
		t.Run(c.Name, func(t *testing.T) {
			v, err := decode(c)
			Check(t, dir, c.Name, v, err)
		})
	}
}

// Check compares one decode result with the expectation of case name in dir:
// the error text with NAME.err when err is not nil, otherwise v marshalled as
// indented JSON with NAME.golden.json.
func Check(t TB, dir, name string, v any, err error) {
	t.Helper()
	goldenPath := filepath.Join(dir, name+GoldenSuffix)
	errPath := filepath.Join(dir, name+ErrSuffix)
	var got []byte
	var want, stale string
	if err != nil {
		got = []byte(err.Error() + "\n")
		want, stale = errPath, goldenPath
	} else {
		b, merr := Marshal(v)
		if merr != nil {
			t.Fatalf("golden: marshal %s: %v", name, merr)
		}
		got = b
		want, stale = goldenPath, errPath
	}
	if *Update {
		if werr := os.WriteFile(want, got, 0o644); werr != nil {
			t.Fatalf("golden: %v", werr)
		}
		if rerr := os.Remove(stale); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
			t.Fatalf("golden: %v", rerr)
		}
		return
	}
	expected, rerr := os.ReadFile(want)
	if errors.Is(rerr, os.ErrNotExist) {
		if _, serr := os.Stat(stale); serr == nil {
			if err != nil {
				t.Fatalf("golden: %s: decode failed, but %s expects success: %v", name, filepath.Base(stale), err)
			}
			t.Fatalf("golden: %s: decode succeeded, but %s expects an error; got:\n%s", name, filepath.Base(stale), got)
		}
		t.Fatalf("golden: %s is missing (run go test -update, then read it); got:\n%s", want, got)
	}
	if rerr != nil {
		t.Fatalf("golden: %v", rerr)
	}
	if diff := cmp.Diff(lines(expected), lines(got)); diff != "" {
		t.Errorf("golden: %s mismatch (-want +got):\n%s", want, diff)
	}
}

// Marshal is the canonical form of a golden file: indented JSON with a
// trailing newline, HTML characters not escaped.
func Marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Warned is what a decoder's golden file holds for value v decoded with
// warnings ws: v itself when there are none, so that a clean case reads as
// the value alone, and otherwise {"value": v, "warnings": [...]}, each
// warning as "PATH (offset N): MSG" (an unknown member marked "unknown").
func Warned(v any, ws []vendorhooks.Warning) any {
	if len(ws) == 0 {
		return v
	}
	type warned struct {
		Value    any      `json:"value"`
		Warnings []string `json:"warnings"`
	}
	out := warned{Value: v, Warnings: make([]string, len(ws))}
	for i, w := range ws {
		s := w.Path
		if w.Offset >= 0 {
			s += " (offset " + strconv.FormatInt(w.Offset, 10) + ")"
		}
		if w.Unknown {
			s += " unknown"
		}
		out.Warnings[i] = s + ": " + w.Msg
	}
	return out
}

// Seeder is the part of *testing.F that Seed uses.
type Seeder interface {
	TB
	Add(args ...any)
}

// Seed adds every golden input in dir to the fuzz corpus of f, a
// *testing.F, as one []byte argument each.
func Seed(f Seeder, dir string) {
	f.Helper()
	for _, c := range Cases(f, dir) {
		f.Add(c.Data)
	}
}

// lines splits b into lines, so a mismatch shows as a line diff.
func lines(b []byte) []string { return strings.Split(string(b), "\n") }
