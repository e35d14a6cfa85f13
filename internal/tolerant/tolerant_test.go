package tolerant_test

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks"
	_ "github.com/vendorhooks/vendorhooks/internal/golden" // every test binary must accept -update
	"github.com/vendorhooks/vendorhooks/internal/jsonptr"
	"github.com/vendorhooks/vendorhooks/internal/race"
	"github.com/vendorhooks/vendorhooks/internal/tolerant"
)

func TestText(t *testing.T) {
	s, latin1 := tolerant.Text([]byte("21,5 °C café"))
	assert.Equal(t, "21,5 °C café", s)
	assert.False(t, latin1)
	// What btoa(JSON.stringify("21,5 °C café")) carries: one byte per
	// character up to U+00FF.
	s, latin1 = tolerant.Text([]byte("21,5 \xb0C caf\xe9"))
	assert.Equal(t, "21,5 °C café", s)
	assert.True(t, latin1)
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	s, latin1 = tolerant.Text(all)
	assert.True(t, latin1)
	assert.True(t, utf8.ValidString(s))
	assert.Equal(t, 256, utf8.RuneCountInString(s))
	for i, r := range []rune(s) {
		require.Equal(t, rune(i), r)
	}
}

func TestListErr(t *testing.T) {
	var l tolerant.List
	assert.NoError(t, l.Err("eeg"))
	l.Unknown("/data/new_field", 10)
	assert.NoError(t, l.Err("eeg"), "unknown members are never an error")
	l.Add("/data/blink", 20, "want a number, got string; left at 0")
	l.Add("/time", 30, tolerant.Latin1Msg)
	err := l.Err("eeg")
	require.Error(t, err)
	assert.NotErrorIs(t, err, vendorhooks.ErrMalformed, "a warning is not a refusal")
	var ws *vendorhooks.Warnings
	require.True(t, errors.As(err, &ws))
	assert.Equal(t, "eeg", ws.Vendor)
	assert.Len(t, ws.List, 2)
	assert.EqualError(t, err, "eeg: /data/blink: want a number, got string; left at 0 (and 1 more)")
	assert.Len(t, l, 3)
	assert.True(t, l[0].Unknown)
}

func TestCutPath(t *testing.T) {
	short := "/" + strings.Repeat("a", tolerant.MaxPathBytes-1)
	assert.Equal(t, short, tolerant.CutPath(short), "at the limit: unchanged")
	long := "/" + strings.Repeat("a", 30<<20)
	assert.Equal(t, short+tolerant.PathCutMarker, tolerant.CutPath(long))
	// "é" is 2 bytes: 255 bytes of "é" after "/" end mid-rune at 256.
	cut := tolerant.CutPath("/" + strings.Repeat("é", 1000))
	assert.True(t, utf8.ValidString(cut))
	assert.Equal(t, "/"+strings.Repeat("é", 127)+tolerant.PathCutMarker, cut)
	// An escape "~1" that straddles the cut is dropped whole.
	cut = tolerant.CutPath("/" + strings.Repeat("a", tolerant.MaxPathBytes-2) + "~1" + strings.Repeat("b", 10))
	assert.Equal(t, "/"+strings.Repeat("a", tolerant.MaxPathBytes-2)+tolerant.PathCutMarker, cut)
	var l tolerant.List
	l.Add(long, 0, "m")
	l.Unknown(long, 0)
	for _, w := range l {
		assert.Len(t, w.Path, tolerant.MaxPathBytes+len(tolerant.PathCutMarker))
	}
}

// byOffset is a body order for the tests of Limit.
func byOffset(a, b vendorhooks.Warning) int { return int(a.Offset - b.Offset) }

func TestLimit(t *testing.T) {
	var l tolerant.List
	assert.Empty(t, tolerant.Limit(l, byOffset))
	for i := range tolerant.MaxWarnings {
		l.Unknown("/u"+strconv.Itoa(i), int64(1000-i))
	}
	assert.Equal(t, l, tolerant.Limit(slices.Clone(l), nil), "at MaxWarnings: nothing counted")

	// 1000 unknown members and 10 values of the wrong type, added in a
	// scrambled order and compacted as they come: the first 100 by offset
	// are listed, the rest counted in two warnings.
	l = nil
	var all tolerant.List
	for i := range 1010 {
		off := int64((i * 7919) % 1010)
		if off%101 == 0 {
			l.Add("/w"+strconv.Itoa(int(off)), off, "want integer")
			all.Add("/w"+strconv.Itoa(int(off)), off, "want integer")
		} else {
			l.Unknown("/u"+strconv.Itoa(int(off)), off)
			all.Unknown("/u"+strconv.Itoa(int(off)), off)
		}
		l = tolerant.Compact(l, byOffset)
		require.Less(t, len(l), 2*tolerant.MaxWarnings+2)
	}
	got := tolerant.Limit(l, byOffset)
	slices.SortStableFunc(all, byOffset)
	require.Len(t, got, tolerant.MaxWarnings+2)
	assert.Equal(t, all[:tolerant.MaxWarnings], got[:tolerant.MaxWarnings])
	assert.Equal(t, vendorhooks.Warning{Offset: -1, Msg: "901 more warnings for unknown members, not listed", Unknown: true}, got[100])
	assert.Equal(t, vendorhooks.Warning{Offset: -1, Msg: "9 more warnings, not listed"}, got[101])
	assert.Equal(t, got, tolerant.Limit(slices.Clone(got), byOffset), "Limit of a limited list changes nothing")

	// Whether Decode fails depends on the warnings not listed too.
	l = nil
	for i := range 2 * tolerant.MaxWarnings {
		l.Unknown("/u", int64(i))
	}
	l = tolerant.Limit(l, byOffset)
	assert.NoError(t, l.Err("eeg"), "only unknown members, listed or counted")
	l = append(l, vendorhooks.Warning{Path: "/x", Offset: 500, Msg: "want integer"})
	for range tolerant.MaxWarnings {
		l.Unknown("/u", 600)
	}
	l = tolerant.Limit(l, byOffset)
	assert.EqualError(t, l.Err("eeg"), "eeg: 1 more warning, not listed")
}

func TestAppendLatin1GrowsOnce(t *testing.T) {
	if race.Enabled {
		t.Skip("an allocation bound: checked without -race, whose instrumentation allocates (.ci/run runs it so)")
	}
	b := []byte(strings.Repeat("\xe9", 1000) + "abc")
	var out []byte
	assert.Equal(t, 1.0, testing.AllocsPerRun(10, func() { out = tolerant.AppendLatin1(nil, b) }))
	assert.Equal(t, 2003, len(out))
}

// AppendToken and AppendIndex build a path only as far as CutPath shows
// it: a 30 MiB member name costs a few hundred bytes, and the cut path
// equals the cut of the whole one.
func TestAppendTokenIsBounded(t *testing.T) {
	name := strings.Repeat("a/", 15<<20)
	p := tolerant.AppendToken([]byte("/data"), name)
	assert.Less(t, len(p), 2*tolerant.MaxPathBytes+8, "escaped, a byte may take two")
	whole := jsonptr.Join("data", name)
	assert.Equal(t, tolerant.CutPath(whole), tolerant.CutPath(string(p)))
	p = tolerant.AppendIndex(tolerant.AppendToken(p, "more"), 3)
	assert.Equal(t, tolerant.CutPath(whole), tolerant.CutPath(string(p)), "nothing is appended past the bound")
	assert.Equal(t, "/data/a~1b/3", string(tolerant.AppendIndex(tolerant.AppendToken([]byte("/data"), "a/b"), 3)), "a short path is jsonptr's")
}

// Counted is true only for a warning that Limit would count: after a cut,
// at or after the last listed warning in order; and a warning added bare
// (no path, no message) in its place is counted like the one it stands for.
func TestCounted(t *testing.T) {
	var l, all tolerant.List
	for i := range 2*tolerant.MaxWarnings - 1 {
		l.Unknown("/u", int64(i))
		all.Unknown("/u", int64(i))
		assert.False(t, tolerant.Counted(l, vendorhooks.Warning{Offset: 1 << 20}, byOffset), "not cut yet")
	}
	l = tolerant.Compact(append(l, vendorhooks.Warning{Path: "/w", Offset: 500, Msg: "want integer"}), byOffset)
	all = append(all, vendorhooks.Warning{Path: "/w", Offset: 500, Msg: "want integer"})
	require.Len(t, l, tolerant.MaxWarnings+2, "cut")
	assert.False(t, tolerant.Counted(l, vendorhooks.Warning{Offset: tolerant.MaxWarnings - 2}, byOffset), "before the last listed")
	for _, off := range []int64{tolerant.MaxWarnings - 1, 300, 1000} {
		w := vendorhooks.Warning{Offset: off}
		require.True(t, tolerant.Counted(l, w, byOffset), "offset %d", off)
		l = tolerant.Compact(append(l, w), byOffset)
		all.Add("/bare"+strconv.Itoa(int(off)), off, "a message the bare one skipped")
	}
	assert.True(t, tolerant.Counted(l, vendorhooks.Warning{}, nil), "nil: the order of l")
	assert.Equal(t, tolerant.Limit(all, byOffset), tolerant.Limit(l, byOffset))
	// A message that only looks like a count is a warning like any other.
	for _, msg := range []string{"+5 more warnings, not listed", "05 more warnings, not listed", "1 more warnings, not listed", "2 more warning, not listed"} {
		got := tolerant.Limit(tolerant.List{{Offset: -1, Msg: msg}}, nil)
		assert.Equal(t, msg, got[0].Msg)
	}
}
