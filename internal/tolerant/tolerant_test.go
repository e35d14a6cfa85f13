package tolerant_test

import (
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks"
	_ "github.com/vendorhooks/vendorhooks/internal/golden" // every test binary must accept -update
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
