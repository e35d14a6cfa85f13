package labvanced

import (
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"

	// Every test binary must know -update (see internal/golden).
	_ "github.com/vendorhooks/vendorhooks/internal/golden"
)

func TestSafeFileName(t *testing.T) {
	for in, want := range map[string]string{
		"audio_rec1_b1_t2_tr3.webm": "audio_rec1_b1_t2_tr3.webm",
		"../../etc/passwd":          "_._etc_passwd",
		"/abs/path":                 "_abs_path",
		`C:\Users\x\rec.webm`:       "C__Users_x_rec.webm",
		"a\x00b":                    "a_b",
		"CON":                       "_CON",
		"con.webm":                  "_con.webm",
		"LPT1":                      "_LPT1",
		"COM10":                     "COM10",
		"..":                        "file",
		".hidden":                   "hidden",
		"":                          "file",
		"-rf":                       "rf",
		"name.":                     "name",
		"Aufnahme äöü 日本.webm":      "Aufnahme_äöü_日本.webm",
		"evil\u202Egpj.exe":         "evil_gpj.exe",
		"a\nb\tc":                   "a_b_c",
		"bad\xffutf8":               "bad_utf8",
	} {
		assert.Equal(t, want, safeFileName(in), "safeFileName(%q)", in)
	}
	long := safeFileName(strings.Repeat("x", 300) + ".webm")
	assert.Len(t, long, maxNameBytes)
	assert.True(t, strings.HasSuffix(long, ".webm"))
	uni := safeFileName(strings.Repeat("日", 100))
	assert.LessOrEqual(t, len(uni), maxNameBytes)
	assert.True(t, utf8.ValidString(uni))
}

// FuzzFileName checks that the safe form of any name is one harmless path
// element.
func FuzzFileName(f *testing.F) {
	for _, s := range []string{"../../etc/passwd", "/abs/path", "a\x00b", "CON", strings.Repeat("ä", 150), "x/../..", `..\..\win`, " . ", "nul.txt"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		name := safeFileName(in)
		if name == "" || name == "." || name == ".." || strings.Contains(name, "..") {
			t.Fatalf("safeFileName(%q) = %q: empty or dots", in, name)
		}
		if strings.ContainsAny(name, "/\\:\x00") || !filepath.IsLocal(name) || filepath.Base(name) != name {
			t.Fatalf("safeFileName(%q) = %q: not a single local element", in, name)
		}
		if len(name) > maxNameBytes || !utf8.ValidString(name) {
			t.Fatalf("safeFileName(%q) = %q: too long or invalid UTF-8", in, name)
		}
		if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "-") || strings.HasSuffix(name, ".") {
			t.Fatalf("safeFileName(%q) = %q: leading dot or dash, or trailing dot", in, name)
		}
		if isReservedName(name) {
			t.Fatalf("safeFileName(%q) = %q: reserved", in, name)
		}
		for _, r := range name {
			if unicode.IsControl(r) || unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) {
				t.Fatalf("safeFileName(%q) = %q: control, space or format character", in, name)
			}
		}
		if again := safeFileName(name); again != name {
			t.Fatalf("safeFileName not stable: %q -> %q -> %q", in, name, again)
		}
	})
}

func TestNewGUID(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		g := newGUID()
		assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, g)
		assert.False(t, seen[g])
		seen[g] = true
	}
}
