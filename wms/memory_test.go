package wms_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/vendorhooks/vendorhooks/internal/hostile"
	"github.com/vendorhooks/vendorhooks/internal/tolerant"
	"github.com/vendorhooks/vendorhooks/wms"
	"github.com/vendorhooks/vendorhooks/wms/wmstest"
)

// hostileBodies are signed bodies (the handler's MAC is in its figure),
// shaped as those whose cost once grew with the body, each of
// DefaultMaxBodyBytes (1 MiB): one huge member name (8x: built into its
// path, by append's growth), as UTF-8 and as Latin-1, many unknown members
// at the top and in a payload (90x: a warning each, and the growth of
// their slice and maps), many duplicate keys (37x, 74x in a payload), and
// arrays nested to tolerant.MaxDepth. A warning past the first 100 is
// counted without building its path or message (tolerant.Counted). What
// remains is what the event keeps: every unknown member in Extra (a map
// entry, its name and value, about 17x a body of 8-byte members, as
// labvanced's tree costs) and the members of an object split once (56
// bytes each: 7x a body of 8-byte duplicates), Compact and HTMLEscape's
// copies of the deep array kept in Extra (2x).
func hostileBodies() []hostile.Case {
	const size = int(wms.DefaultMaxBodyBytes)
	const head = `{"event":"INTERMEDIATE_RESULTS","sessionId":"s1","sequence":1,"timestamp":1700000000`
	const tail = `}`
	const payload = head + `,"payload":{"measurementId":"m1"`
	deep := hostile.Nested(tolerant.MaxDepth - 2)
	return []hostile.Case{
		{Name: "key", Body: hostile.Member(size, head, "k", tail), Decode: 1.5, Serve: 3.5, Warnings: 1},
		{Name: "latin1-key", Body: hostile.Member(size, head, "\xe9", tail), Decode: 4.5, Serve: 6.5, Warnings: 2},
		{Name: "members", Body: hostile.Fill(size, head, func(i int) string { return `,"a` + strconv.Itoa(i) + `":1` }, tail), Decode: 20, Serve: 22, Warnings: 101},
		{Name: "payload-members", Body: hostile.Fill(size, payload, func(i int) string { return `,"a` + strconv.Itoa(i) + `":1` }, "}"+tail), Decode: 20, Serve: 22, Warnings: 101},
		{Name: "duplicates", Body: hostile.Fill(size, head, func(int) string { return `,"severity":"x"` }, tail), Decode: 5, Serve: 7, Warnings: 101},
		{Name: "payload-duplicates", Body: hostile.Fill(size, payload, func(int) string { return `,"snr":1` }, "}"+tail), Decode: 8.5, Serve: 10.5, Warnings: 101},
		{Name: "deep", Body: hostile.Fill(size, head+`,"x":[0`, func(int) string { return "," + deep }, "]"+tail), Decode: 2.5, Serve: 4.5, Warnings: 1},
	}
}

// TestHostileBodyCost: a hostile body costs a small multiple of its size,
// never a warning per member or a copy of a name per path: at most 100
// warnings in body order, the rest counted (tolerant.Limit), and no path
// longer than 256 bytes and a marker.
func TestHostileBodyCost(t *testing.T) {
	const secret = "hostile-test-secret"
	hostile.Run(t, hostile.Target{
		MaxBody:   wms.DefaultMaxBodyBytes,
		Decode:    hostile.Decoder(wms.DecodeWarnings),
		Handler:   wms.NewHandler(func(context.Context, wms.Event) error { return nil }, wms.WithSecrets(secret)),
		Request:   func(c hostile.Case) *http.Request { return wmstest.NewRequest("/", c.Body, secret) },
		Delivered: true,
	}, hostileBodies())
}

// TestDeepAtTheCap: the deep body above is at tolerant.MaxDepth, not past
// it, so that its figure is a decode's, not a refusal's.
func TestDeepAtTheCap(t *testing.T) {
	nested := func(n int) []byte {
		return []byte(`{"event":"WMS_LOADED","sessionId":"s1","sequence":1,"timestamp":1700000000,"x":` + strings.Repeat("[", n) + strings.Repeat("]", n) + `}`)
	}
	_, _, err := wms.DecodeWarnings(nested(tolerant.MaxDepth - 1))
	assert.NoError(t, err)
	_, _, err = wms.DecodeWarnings(nested(tolerant.MaxDepth))
	assert.ErrorIs(t, err, wms.ErrMalformed)
}
