package signage_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

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
// user's function, or, for any other answer, an error "STATUS BODY".
func serveGolden(name string, data []byte) (any, error) {
	r, err := signagetest.ParseRequest(data)
	if err != nil {
		return nil, err
	}
	var got any
	var h http.Handler
	if strings.HasPrefix(name, "action-") {
		h = signage.NewHandler(nil, signage.WithAPIKeys(testKeys...), signage.WithActions(testActions,
			func(_ context.Context, c signage.Command) error { got = c; return nil }))
	} else {
		h = signage.NewHandler(func(_ context.Context, t signage.Trigger) error { got = t; return nil },
			signage.WithAPIKeys(testKeys...))
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	body := strings.TrimSuffix(w.Body.String(), "\n")
	switch {
	case w.Code != http.StatusOK && got != nil:
		return nil, fmt.Errorf("%w: answered %d after calling the function", errInvariant, w.Code)
	case w.Code != http.StatusOK:
		return nil, fmt.Errorf("%d %s", w.Code, body)
	case body != `{"message":"success"}` || got == nil:
		return nil, fmt.Errorf("%w: 200 with body %s, function called: %v", errInvariant, body, got != nil)
	}
	return got, nil
}

func TestGolden(t *testing.T) {
	golden.Run(t, dir, func(c golden.Case) (any, error) { return serveGolden(c.Name, c.Data) })
}

// FuzzDecode feeds each input to DecodeBody and DecodePayload, and, as a
// request, to the handler. Nothing may panic; what a decoder accepts must
// re-encode and decode equal, in both forms.
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
		if tr, err := signage.DecodeBody(data); err == nil {
			checkRoundTrip(t, tr)
		} else {
			checkDecodeError(t, err, int64(len(data)))
		}
		if tr, err := signage.DecodePayload(string(data)); err == nil {
			checkRoundTrip(t, tr)
		} else {
			checkDecodeError(t, err, -1)
		}
		if _, err := serveGolden("fuzz", data); errors.Is(err, errInvariant) {
			t.Fatal(err)
		}
	})
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

// checkRoundTrip checks that an accepted trigger survives a POST body and a
// GET payload unchanged.
func checkRoundTrip(t *testing.T, tr signage.Trigger) {
	t.Helper()
	require.NotEmpty(t, tr.EventID)
	body, err := json.Marshal(tr)
	require.NoError(t, err)
	again, err := signage.DecodeBody(body)
	require.NoError(t, err, "body %s", body)
	if diff := cmp.Diff(tr, again); diff != "" {
		t.Fatalf("body round trip (-first +again):\n%s", diff)
	}
	r := signagetest.NewGetRequest(signage.Path, tr, "k")
	again, err = signage.DecodeQuery(r.URL.Query())
	require.NoError(t, err)
	if diff := cmp.Diff(tr, again); diff != "" {
		t.Fatalf("payload round trip (-first +again):\n%s", diff)
	}
}
