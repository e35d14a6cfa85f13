package sleep_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks"
	"github.com/vendorhooks/vendorhooks/internal/hostile"
	"github.com/vendorhooks/vendorhooks/internal/tolerant"
	"github.com/vendorhooks/vendorhooks/sleep"
	"github.com/vendorhooks/vendorhooks/sleep/sleeptest"
)

// hostileBodies are bodies a sender with a key can post, shaped as those
// whose cost once grew with the body, each of DefaultMaxBodyBytes (1 MiB):
// one huge member name (7x: built into its path, by append's growth), as
// UTF-8 and as Latin-1, many unknown members in the data and in the
// envelope (23x: a warning each), many duplicate keys (39x), many stages of
// the wrong type, and arrays nested to tolerant.MaxDepth. A warning past
// the first 100 is counted without building its path or message
// (tolerant.Counted): members now cost 0.07x. The stages cost what their
// []SleepStage costs, 8 bytes for each 4-byte `,"x"`, grown by append
// (about 10x), which no bound on warnings removes (49x before, with a path
// and message each).
func hostileBodies() []hostile.Case {
	const size = int(sleep.DefaultMaxBodyBytes)
	const head = `{"event":"INFERENCE_COMPLETE","version":"V3","data":{"session_id":"s1"`
	const tail = `}}`
	deep := hostile.Nested(tolerant.MaxDepth - 3)
	return []hostile.Case{
		{Name: "key", Body: hostile.Member(size, head, "k", tail), Decode: 1.5, Serve: 3.5, Warnings: 1},
		{Name: "latin1-key", Body: hostile.Member(size, head, "\xe9", tail), Decode: 4.5, Serve: 6.5, Warnings: 1},
		// At the top, where the path's cut falls inside a character.
		{Name: "latin1-key-top", Body: hostile.Member(size, head+"}", "\xe9", "}"), Decode: 4.5, Serve: 6.5, Warnings: 1},
		{Name: "members", Body: hostile.Fill(size, head, func(i int) string { return `,"a` + strconv.Itoa(i) + `":1` }, tail), Decode: 1.5, Serve: 3.5, Warnings: 101},
		{Name: "envelope-members", Body: hostile.Fill(size, `{"event":"INFERENCE_COMPLETE","data":{"session_id":"s1"}`, func(i int) string { return `,"a` + strconv.Itoa(i) + `":1` }, `}`), Decode: 1.5, Serve: 3.5, Warnings: 101},
		{Name: "duplicates", Body: hostile.Fill(size, head, func(int) string { return `,"seq_num":1` }, tail), Decode: 1.5, Serve: 3.5, Warnings: 101},
		{Name: "stages", Body: hostile.Fill(size, head+`,"sleep_stages":["x"`, func(int) string { return `,"x"` }, "]"+tail), Decode: 12, Serve: 14, Warnings: 101},
		{Name: "deep", Body: hostile.Fill(size, head+`,"x":[0`, func(int) string { return "," + deep }, "]"+tail), Decode: 1.5, Serve: 3.5, Warnings: 1},
	}
}

// TestHostileBodyCost: a hostile body costs a small multiple of its size,
// never a warning per member or a copy of a name per path: at most 100
// warnings in body order, the rest counted (tolerant.Limit), and no path
// longer than 256 bytes and a marker.
func TestHostileBodyCost(t *testing.T) {
	const key = "hostile-test-key"
	hostile.Run(t, hostile.Target{
		MaxBody:   sleep.DefaultMaxBodyBytes,
		Decode:    hostile.Decoder(sleep.DecodeWarnings),
		Handler:   sleep.NewHandler(func(context.Context, sleep.Event) error { return nil }, sleep.WithAPIKeys(key)),
		Request:   func(c hostile.Case) *http.Request { return sleeptest.NewRequest("/", c.Body, key) },
		Delivered: true,
	}, hostileBodies())
}

// TestHostileWarningsInBodyOrder: the warnings listed are the first 100 in
// body order, whichever pass found them (the envelope is read before the
// data), and the count of the rest keeps Decode's error.
func TestHostileWarningsInBodyOrder(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"event":"INFERENCE_COMPLETE","data":{"session_id":"s1"`)
	for i := range 150 {
		b.WriteString(`,"d` + strconv.Itoa(i) + `":1`)
	}
	b.WriteString(`}`)
	for i := range 150 {
		b.WriteString(`,"e` + strconv.Itoa(i) + `":1`)
	}
	b.WriteString(`,"version":1}`)
	_, ws, err := sleep.DecodeWarnings([]byte(b.String()))
	require.NoError(t, err)
	require.Len(t, ws, tolerant.MaxWarnings+2)
	for i, w := range ws[:tolerant.MaxWarnings] {
		require.Equal(t, "/data/d"+strconv.Itoa(i), w.Path)
	}
	assert.Equal(t, vendorhooks.Warning{Offset: -1, Msg: "200 more warnings for unknown members, not listed", Unknown: true}, ws[100])
	assert.Equal(t, vendorhooks.Warning{Offset: -1, Msg: "1 more warning, not listed"}, ws[101])
	_, err = sleep.Decode([]byte(b.String()))
	var list *vendorhooks.Warnings
	require.ErrorAs(t, err, &list, "the version of the wrong type, not listed, is still an error")
	assert.Equal(t, []vendorhooks.Warning{ws[101]}, list.List)
}
