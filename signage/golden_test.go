package signage_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks"
	"github.com/vendorhooks/vendorhooks/internal/golden"
	"github.com/vendorhooks/vendorhooks/signage"
	"github.com/vendorhooks/vendorhooks/signage/signagetest"
)

// dir holds the golden requests, in the format of signagetest.ParseRequest.
const dir = "../testdata/signage"

// Keys the golden requests are checked against.
var testKeys = []string{"test-key", "rotated-key"}

// testActions is the action table of the golden cases named action-*.
var testActions = signage.Actions{
	"show-menu":        {Action: signage.ActionLoadURL, Target: signage.Group("lobby"), URL: "https://example.com/menu"},
	"sensor-temp":      {Action: signage.ActionSendSensorData, Target: signage.Tag("hall")},
	"toast-fire-drill": {Action: signage.ActionShowToast, Target: signage.AllDevices(), Message: "Fire drill at 10:00", Duration: 30e9},
}

// errInvariant marks an answer that breaks the handler's contract whatever
// the input: the function called but not 200, or 200 without the success
// body.
var errInvariant = errors.New("handler contract broken")

// serveGolden runs one golden request through NewHandler (with testActions
// when the case name starts with "action-"). It returns what reached the
// user's function, with the Delivery's warnings (golden.Warned), or, for
// any other answer, an error "STATUS BODY". The warnings must be those of
// DecodeBodyWarnings or DecodeQueryWarnings on the same request, and a
// GET's Delivery.Body valid UTF-8 JSON.
func serveGolden(name string, data []byte) (any, error) {
	r, err := signagetest.ParseRequest(data)
	if err != nil {
		return nil, err
	}
	var body []byte
	if r.Method == http.MethodPost {
		body, _ = io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	var got any
	var d vendorhooks.Delivery
	keep := func(ctx context.Context, v any) error {
		got = v
		dv, _ := vendorhooks.DeliveryFromContext(ctx)
		d = *dv
		d.Body = bytes.Clone(dv.Body)
		return nil
	}
	var h http.Handler
	if strings.HasPrefix(name, "action-") {
		h = signage.NewHandler(nil, signage.WithAPIKeys(testKeys...), signage.WithActions(testActions,
			func(ctx context.Context, c signage.Command) error { return keep(ctx, c) }))
	} else {
		h = signage.NewHandler(func(ctx context.Context, t signage.Trigger) error { return keep(ctx, t) },
			signage.WithAPIKeys(testKeys...))
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	answer := strings.TrimSuffix(w.Body.String(), "\n")
	switch {
	case w.Code != http.StatusOK && got != nil:
		return nil, fmt.Errorf("%w: answered %d after calling the function", errInvariant, w.Code)
	case w.Code != http.StatusOK:
		return nil, fmt.Errorf("%d %s", w.Code, answer)
	case answer != `{"message":"success"}` || got == nil:
		return nil, fmt.Errorf("%w: 200 with body %s, function called: %v", errInvariant, answer, got != nil)
	}
	var tr signage.Trigger
	var ws []vendorhooks.Warning
	if r.Method == http.MethodGet {
		tr, ws, err = signage.DecodeQueryWarnings(r.URL.Query())
		if !json.Valid(d.Body) || !utf8.Valid(d.Body) {
			return nil, fmt.Errorf("%w: a GET's Delivery.Body is not UTF-8 JSON: %q", errInvariant, d.Body)
		}
	} else {
		tr, ws, err = signage.DecodeBodyWarnings(body)
	}
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w: delivered, but the decoder refuses it: %v", errInvariant, err)
	case !cmp.Equal(ws, d.Warnings):
		return nil, fmt.Errorf("%w: Delivery.Warnings differ from the decoder's: %s", errInvariant, cmp.Diff(ws, d.Warnings))
	case !strings.HasPrefix(name, "action-") && !cmp.Equal(tr, got):
		return nil, fmt.Errorf("%w: delivered trigger differs from the decoder's: %s", errInvariant, cmp.Diff(tr, got))
	}
	return golden.Warned(got, d.Warnings), nil
}

func TestGolden(t *testing.T) {
	golden.Run(t, dir, func(c golden.Case) (any, error) { return serveGolden(c.Name, c.Data) })
}

// FuzzDecode feeds each input to DecodeBody and DecodePayload (and their
// Warnings forms), and, as a request, to the handler. Nothing may panic; a
// refusal is a DecodeError; what a decoder accepts must marshal to valid
// UTF-8 JSON and re-encode and decode equal, in both forms.
func FuzzDecode(f *testing.F) {
	golden.Seed(f, dir)
	for _, c := range golden.Cases(f, dir) {
		r, err := signagetest.ParseRequest(c.Data)
		require.NoError(f, err)
		if r.Method == http.MethodPost {
			var b bytes.Buffer
			_, _ = b.ReadFrom(r.Body)
			f.Add(b.Bytes())
		}
		if p := r.URL.Query().Get(signage.QueryPayload); p != "" {
			f.Add([]byte(p))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecoded(t, data, int64(len(data)), func() (signage.Trigger, error) { return signage.DecodeBody(data) },
			func() (signage.Trigger, []vendorhooks.Warning, error) { return signage.DecodeBodyWarnings(data) })
		q := url.Values{signage.QueryPayload: {string(data)}}
		checkDecoded(t, data, -1, func() (signage.Trigger, error) { return signage.DecodePayload(string(data)) },
			func() (signage.Trigger, []vendorhooks.Warning, error) { return signage.DecodeQueryWarnings(q) })
		if _, err := serveGolden("fuzz", data); errors.Is(err, errInvariant) {
			t.Fatal(err)
		}
	})
}

// checkDecoded checks one decoder on one input (of size n, or n < 0 where
// the size is not known here): a refusal is a DecodeError with the zero
// Trigger, from both forms; an accepted trigger comes with a nil
// error or a *vendorhooks.Warnings that does not match ErrMalformed, its
// Warnings form gives it too, and it round-trips.
func checkDecoded(t *testing.T, data []byte, n int64, decode func() (signage.Trigger, error),
	decodeWarnings func() (signage.Trigger, []vendorhooks.Warning, error)) {
	t.Helper()
	tr, err := decode()
	tr2, ws, err2 := decodeWarnings()
	if errors.Is(err, signage.ErrMalformed) {
		require.Zero(t, tr)
		require.Zero(t, tr2)
		require.ErrorIs(t, err2, signage.ErrMalformed) // a query's own errors differ for an empty payload
		checkDecodeError(t, err, n)
		return
	}
	require.NoError(t, err2, "%q", data)
	require.Equal(t, tr, tr2)
	if err != nil {
		var list *vendorhooks.Warnings
		require.ErrorAs(t, err, &list)
		require.NotEmpty(t, list.List)
	}
	for _, w := range ws {
		require.True(t, utf8.ValidString(w.Path) && utf8.ValidString(w.Msg), "%q", w)
		require.True(t, w.Path == "" || strings.HasPrefix(w.Path, "/"), w.Path)
	}
	checkRoundTrip(t, tr)
}

// checkDecodeError checks that a refusal is a *DecodeError of this package
// matching ErrMalformed, with an offset of -1 or within the input (of size
// n; n < 0 when the input's size is not known here, as for a payload).
func checkDecodeError(t *testing.T, err error, n int64) {
	t.Helper()
	var de *signage.DecodeError
	require.ErrorAs(t, err, &de)
	require.ErrorIs(t, err, signage.ErrMalformed)
	require.Equal(t, "signage", de.Vendor)
	require.GreaterOrEqual(t, de.Offset, int64(-1), err.Error())
	if n >= 0 {
		require.LessOrEqual(t, de.Offset, n, err.Error())
	}
	require.True(t, de.Path == "" || strings.HasPrefix(de.Path, "/"), de.Path)
}

// sameJSON compares Extra values as json.Marshal writes them: it escapes
// '<', '>' and '&' in the strings of a Marshaler's output.
var sameJSON = cmp.Transformer("marshalled", func(v json.RawMessage) string {
	var b bytes.Buffer
	json.HTMLEscape(&b, v)
	return b.String()
})

// checkRoundTrip checks that an accepted trigger marshals to valid UTF-8
// JSON and survives a POST body and a GET payload unchanged (its warnings
// may be fewer: a string read as Latin-1 is UTF-8 once re-encoded), Extra
// members included.
func checkRoundTrip(t *testing.T, tr signage.Trigger) {
	t.Helper()
	require.NotEmpty(t, tr.EventID)
	body, err := json.Marshal(tr)
	require.NoError(t, err)
	require.True(t, json.Valid(body) && utf8.Valid(body), "%q", body)
	again, _, err := signage.DecodeBodyWarnings(body)
	require.NoError(t, err, "body %s", body)
	if diff := cmp.Diff(tr, again, sameJSON); diff != "" {
		t.Fatalf("body round trip (-first +again):\n%s", diff)
	}
	r := signagetest.NewGetRequest(signage.Path, tr, "k")
	again, _, err = signage.DecodeQueryWarnings(r.URL.Query())
	require.NoError(t, err)
	if diff := cmp.Diff(tr, again, sameJSON); diff != "" {
		t.Fatalf("payload round trip (-first +again):\n%s", diff)
	}
}
