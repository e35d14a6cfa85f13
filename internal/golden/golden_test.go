package golden

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks"
)

// recorder is a TB that records failures; Fatalf stops the call by panicking
// with errFatal, which run recovers.
type recorder struct {
	errs  []string
	fatal string
}

var errFatal = errors.New("fatal")

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, a ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, a...))
}
func (r *recorder) Fatalf(format string, a ...any) {
	r.fatal = fmt.Sprintf(format, a...)
	panic(errFatal)
}

func (r *recorder) run(f func()) {
	defer func() {
		if p := recover(); p != nil && p != errFatal {
			panic(p)
		}
	}()
	f()
}

func (r *recorder) failed() bool { return len(r.errs) > 0 || r.fatal != "" }

// setUpdate sets the -update flag to v for the rest of the test, so these
// tests check the harness the same way under `go test ./... -update`.
func setUpdate(t *testing.T, v bool) {
	old := *Update
	*Update = v
	t.Cleanup(func() { *Update = old })
}

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
}

type value struct {
	A int    `json:"a"`
	B string `json:"b"`
}

func TestCheckMatchingGoldenPasses(t *testing.T) {
	setUpdate(t, false)
	dir := t.TempDir()
	write(t, dir, "ok.golden.json", "{\n  \"a\": 1,\n  \"b\": \"<x>\"\n}\n")
	var r recorder
	r.run(func() { Check(&r, dir, "ok", value{A: 1, B: "<x>"}, nil) })
	assert.False(t, r.failed(), "errs=%v fatal=%q", r.errs, r.fatal)
}

func TestCheckMismatchShowsDiff(t *testing.T) {
	setUpdate(t, false)
	dir := t.TempDir()
	write(t, dir, "ok.golden.json", "{\n  \"a\": 1,\n  \"b\": \"x\"\n}\n")
	var r recorder
	r.run(func() { Check(&r, dir, "ok", value{A: 2, B: "x"}, nil) })
	require.Len(t, r.errs, 1)
	assert.Contains(t, r.errs[0], "mismatch")
	assert.Contains(t, r.errs[0], `"a": 2`)
}

func TestCheckMissingGoldenFails(t *testing.T) {
	setUpdate(t, false)
	dir := t.TempDir()
	var r recorder
	r.run(func() { Check(&r, dir, "new", value{A: 1}, nil) })
	assert.Contains(t, r.fatal, "missing")
	_, err := os.Stat(filepath.Join(dir, "new.golden.json"))
	assert.ErrorIs(t, err, os.ErrNotExist, "a missing golden file must not be created without -update")
}

func TestCheckErrorCases(t *testing.T) {
	setUpdate(t, false)
	dir := t.TempDir()
	write(t, dir, "bad.err", "pkg: boom\n")
	write(t, dir, "good.golden.json", "{}\n")

	var r recorder
	r.run(func() { Check(&r, dir, "bad", nil, errors.New("pkg: boom")) })
	assert.False(t, r.failed(), "errs=%v fatal=%q", r.errs, r.fatal)

	r = recorder{}
	r.run(func() { Check(&r, dir, "bad", nil, errors.New("pkg: other")) })
	require.Len(t, r.errs, 1)
	assert.Contains(t, r.errs[0], "pkg: other")

	r = recorder{}
	r.run(func() { Check(&r, dir, "bad", value{}, nil) })
	assert.Contains(t, r.fatal, "expects an error")

	r = recorder{}
	r.run(func() { Check(&r, dir, "good", nil, errors.New("pkg: boom")) })
	assert.Contains(t, r.fatal, "expects success")
}

func TestCheckUpdateRewritesAndRemovesStale(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "c.err", "old error\n")
	setUpdate(t, true)

	var r recorder
	r.run(func() { Check(&r, dir, "c", value{A: 3}, nil) })
	require.False(t, r.failed())
	got, err := os.ReadFile(filepath.Join(dir, "c.golden.json"))
	require.NoError(t, err)
	assert.Equal(t, "{\n  \"a\": 3,\n  \"b\": \"\"\n}\n", string(got))
	_, err = os.Stat(filepath.Join(dir, "c.err"))
	assert.ErrorIs(t, err, os.ErrNotExist)
}

func TestCasesFindsInputsAndOrphans(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "b.in", "B")
	write(t, dir, "a.in", "A")
	write(t, dir, "a.golden.json", "{}\n")
	write(t, dir, "b.err", "x\n")
	write(t, dir, "b.golden.json", "{}\n")
	write(t, dir, "orphan.golden.json", "{}\n")

	var r recorder
	var cases []Case
	r.run(func() { cases = Cases(&r, dir) })
	require.Len(t, cases, 2)
	assert.Equal(t, "a", cases[0].Name)
	assert.Equal(t, []byte("A"), cases[0].Data)
	assert.Equal(t, "b", cases[1].Name)
	require.Len(t, r.errs, 2)
	assert.Contains(t, r.errs[0]+r.errs[1], "orphan.golden.json has no input")
	assert.Contains(t, r.errs[0]+r.errs[1], "both")
}

func TestCasesEmptyDirFails(t *testing.T) {
	var r recorder
	r.run(func() { Cases(&r, t.TempDir()) })
	assert.Contains(t, r.fatal, "no .in files")
}

// seeds records what Seed adds.
type seeds struct {
	recorder
	added [][]any
}

func (s *seeds) Add(args ...any) { s.added = append(s.added, args) }

var _ Seeder = (*testing.F)(nil)

func TestSeedAddsEveryInput(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "b.in", "B")
	write(t, dir, "a.in", "A")
	write(t, dir, "a.golden.json", "{}\n")
	var s seeds
	s.run(func() { Seed(&s, dir) })
	require.False(t, s.failed())
	assert.Equal(t, [][]any{{[]byte("A")}, {[]byte("B")}}, s.added)
}

func TestWarned(t *testing.T) {
	v := map[string]int{"a": 1}
	assert.Equal(t, v, Warned(v, nil), "a clean case is the value alone")
	got, err := Marshal(Warned(v, []vendorhooks.Warning{
		{Path: "/a", Offset: 5, Msg: "want a number, got string; left at 0"},
		{Path: "/b", Offset: -1, Msg: "unknown field, kept", Unknown: true},
	}))
	require.NoError(t, err)
	assert.Equal(t, `{
  "value": {
    "a": 1
  },
  "warnings": [
    "/a (offset 5): want a number, got string; left at 0",
    "/b unknown: unknown field, kept"
  ]
}
`, string(got))
}
