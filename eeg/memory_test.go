package eeg_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/vendorhooks/vendorhooks/eeg"
	"github.com/vendorhooks/vendorhooks/eeg/eegtest"
	"github.com/vendorhooks/vendorhooks/internal/hostile"
	"github.com/vendorhooks/vendorhooks/internal/tolerant"
)

// hostileBodies are bodies anyone can post (Petal sends no key), shaped as
// those whose cost once grew with the body, each of DefaultMaxBodyBytes
// (1 MiB): one huge member name (7x: copied, then built into its path), as
// UTF-8 and as Latin-1 (which the Latin-1 reading doubles), many unknown
// members, many duplicate keys, known and unknown, and arrays nested to
// tolerant.MaxDepth. A warning past the first 100 is counted without
// building its path or message (tolerant.Counted); built and then dropped,
// they cost 1.6x (members) and 2.4x (repeats of one unknown name) the body,
// now 0.06x and 0.5x.
func hostileBodies() []hostile.Case {
	const size = int(eeg.DefaultMaxBodyBytes)
	const head = `{"type":"blink","data":{"blink":{"blink":1}`
	const tail = `}}`
	deep := hostile.Nested(tolerant.MaxDepth - 3)
	return []hostile.Case{
		{Name: "key", Body: hostile.Member(size, head, "k", tail), Decode: 1.5, Serve: 3.5, Warnings: 1},
		{Name: "latin1-key", Body: hostile.Member(size, head, "\xe9", tail), Decode: 4.5, Serve: 6.5, Warnings: 2},
		// At the top, where the path's cut falls inside a character.
		{Name: "latin1-key-top", Body: hostile.Member(size, head+"}", "\xe9", "}"), Decode: 4.5, Serve: 6.5, Warnings: 2},
		{Name: "members", Body: hostile.Fill(size, head, func(i int) string { return `,"a` + strconv.Itoa(i) + `":1` }, tail), Decode: 1.5, Serve: 3.5, Warnings: 101},
		{Name: "duplicates", Body: hostile.Fill(size, head, func(int) string { return `,"id":1` }, tail), Decode: 1.5, Serve: 3.5, Warnings: 101},
		{Name: "unknown-duplicates", Body: hostile.Fill(size, head, func(int) string { return `,"x":1` }, tail), Decode: 1.5, Serve: 3.5, Warnings: 102},
		{Name: "deep", Body: hostile.Fill(size, head+`,"x":[0`, func(int) string { return "," + deep }, "]"+tail), Decode: 1.5, Serve: 3.5, Warnings: 1},
	}
}

// TestHostileBodyCost: a hostile body costs a small multiple of its size,
// never one per warning or per copy of a path. A 1 MiB member name once
// cost 7x the body (its name copied, then built into a path), now almost
// nothing; a million unknown members or duplicate keys were held to 101
// warnings before, by a rule of eeg's own, now by tolerant's.
func TestHostileBodyCost(t *testing.T) {
	hostile.Run(t, hostile.Target{
		MaxBody:   eeg.DefaultMaxBodyBytes,
		Decode:    hostile.Decoder(eeg.DecodeWarnings),
		Handler:   eeg.NewHandler(func(context.Context, eeg.Event) error { return nil }),
		Request:   func(c hostile.Case) *http.Request { return eegtest.NewRequest("/", c.Body) },
		Delivered: true,
	}, hostileBodies())
}

// TestDeepAtTheCap: the deep body above is at tolerant.MaxDepth, not past
// it, so that its figure is a decode's, not a refusal's.
func TestDeepAtTheCap(t *testing.T) {
	nested := func(n int) []byte {
		return []byte(`{"type":"blink","data":{"x":[` + strings.Repeat("[", n) + strings.Repeat("]", n) + `]}}`)
	}
	_, _, err := eeg.DecodeWarnings(nested(tolerant.MaxDepth - 3))
	assert.NoError(t, err)
	_, _, err = eeg.DecodeWarnings(nested(tolerant.MaxDepth - 2))
	assert.ErrorIs(t, err, eeg.ErrMalformed)
}
