package contract_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks"
	"github.com/vendorhooks/vendorhooks/eeg"
	"github.com/vendorhooks/vendorhooks/internal/golden"
	"github.com/vendorhooks/vendorhooks/internal/jsonptr"
	"github.com/vendorhooks/vendorhooks/labvanced"
	"github.com/vendorhooks/vendorhooks/signage"
	"github.com/vendorhooks/vendorhooks/signage/signagetest"
	"github.com/vendorhooks/vendorhooks/sleep"
	"github.com/vendorhooks/vendorhooks/wms"
)

// decoder is one vendor's Decode as the property test uses it: it reports
// whether the payload was deliverable (a non-nil event and no ErrMalformed).
type decoder struct {
	vendor string
	// body returns the JSON body of a golden input (nil: none).
	body func(in []byte) []byte
	// decode decodes body of golden case name.
	decode func(name string, body []byte) (deliverable bool, err error)
	// identity lists the pointers of the identity fields of doc, whose
	// replacement (or the replacement of an object holding one) must be
	// refused.
	identity func(doc map[string]any) []string
}

// fixed is the identity of a vendor whose identity fields are the same in
// every message.
func fixed(ids ...string) func(map[string]any) []string {
	return func(map[string]any) []string { return ids }
}

// holdsIdentity reports whether p is one of ids or holds one.
func holdsIdentity(ids []string, p string) bool {
	for _, id := range ids {
		if id == p || strings.HasPrefix(id, p+"/") {
			return true
		}
	}
	return false
}

func deliverable(ev any, isNil bool, err error) (bool, error) {
	if errors.Is(err, vendorhooks.ErrMalformed) {
		return false, err
	}
	if isNil {
		return false, errors.New("nil event without ErrMalformed")
	}
	return true, err
}

var decoders = []decoder{
	{
		vendor: "eeg",
		decode: func(_ string, b []byte) (bool, error) {
			ev, err := eeg.Decode(b)
			return deliverable(ev, ev == nil, err)
		},
		identity: fixed("/type"),
	},
	{
		vendor: "sleep",
		decode: func(_ string, b []byte) (bool, error) {
			ev, err := sleep.Decode(b)
			return deliverable(ev, ev == nil, err)
		},
		// The event name, and for a known event its session id: V3 has it
		// at /data/session_id (INFERENCE_COMPLETE) or /data/session/id
		// (SESSION_COMPLETE); V1 and V2 at /callback_data/session_id, and
		// again in the report at /callback_data/sleep_data/session/id,
		// where a string must agree and anything else is a warning.
		identity: func(doc map[string]any) []string {
			name, _ := doc["event"].(string)
			if n, ok := doc["callback_event"].(string); ok {
				name = n
			}
			version, _ := doc["version"].(string)
			if v, ok := doc["callback_version"].(string); ok {
				version = v
			}
			ids := []string{"/event", "/callback_event"}
			knownVersion := version == "" || slices.Contains([]sleep.Version{sleep.V1, sleep.V2, sleep.V3}, sleep.Version(version))
			if !knownVersion {
				// An unknown version is what makes the body an Unknown:
				// one we cannot read leaves a known event, which then
				// needs its session id.
				ids = append(ids, "/version", "/callback_version")
			}
			if knownVersion && (name == sleep.KindInferenceComplete || name == sleep.KindSessionComplete) {
				ids = append(ids, "/data/session/id", "/data/session_id", "/callback_data/session_id")
			}
			return ids
		},
	},
	{
		vendor: "signage",
		body: func(in []byte) []byte { // signage goldens are whole requests
			r, err := signagetest.ParseRequest(in)
			if err != nil || r.Method != "POST" {
				return nil
			}
			b, _ := io.ReadAll(r.Body)
			return b
		},
		decode: func(_ string, b []byte) (bool, error) {
			t, err := signage.DecodeBody(b)
			return deliverable(t, t.EventID == "", err)
		},
		identity: fixed("/event_id"),
	},
	{
		vendor: "labvanced",
		decode: func(name string, b []byte) (bool, error) {
			route, _, _ := strings.Cut(name, ".")
			ev, err := labvanced.Decode(route, "application/json", b)
			return deliverable(ev, ev == nil, err)
		},
		identity: fixed(), // fields may arrive empty
	},
	{
		vendor: "wms",
		decode: func(_ string, b []byte) (bool, error) {
			ev, err := wms.Decode(b)
			return deliverable(ev, ev.SessionID == "", err)
		},
		identity: fixed("/event", "/sessionId", "/sequence"),
	},
}

// mutation is a body with the value at path replaced by one of another
// type: for an identity field, an object, which no identity can be.
type mutation struct {
	path     string
	body     []byte
	identity bool
}

// otherType is a value of another JSON type than v, and one that no
// decoder could take for an id of its own: a second copy of an identity
// that disagrees with the first is refused, rightly.
func otherType(v any) any {
	switch v.(type) {
	case string:
		return json.Number("12345")
	case json.Number:
		return true
	case nil:
		return "a string where null was"
	default: // booleans, objects, arrays
		return "a string where another type was"
	}
}

// mutations returns every body made from doc by replacing one value (the
// first three elements of an array stand for the rest).
func mutations(doc any, isIdentity func(string) bool) []mutation {
	var out []mutation
	var walk func(v any, path []any, set func(any))
	root := doc
	walk = func(v any, path []any, set func(any)) {
		if len(path) > 0 {
			p := jsonptr.Join(path...)
			m := mutation{path: p, identity: isIdentity(p)}
			if m.identity {
				set(map[string]any{"not": "an identity"})
			} else {
				set(otherType(v))
			}
			b, err := json.Marshal(root)
			if err != nil {
				panic(err)
			}
			m.body = b
			out = append(out, m)
			set(v)
		}
		switch v := v.(type) {
		case map[string]any:
			for k, child := range v {
				walk(child, append(slices.Clone(path), k), func(x any) { v[k] = x })
			}
		case []any:
			for i := range min(len(v), 3) {
				walk(v[i], append(slices.Clone(path), i), func(x any) { v[i] = x })
			}
		}
	}
	walk(doc, nil, nil)
	return out
}

// TestPropertyOtherTypes checks the tolerant-reader rule across every
// package: for every good JSON golden input, replacing any one value that is
// not an identity field with a value of another type still delivers, and
// replacing an identity field is refused.
func TestPropertyOtherTypes(t *testing.T) {
	for _, d := range decoders {
		t.Run(d.vendor, func(t *testing.T) {
			dir := filepath.Join("..", "..", "testdata", d.vendor)
			tested := 0
			for _, c := range golden.Cases(t, dir) {
				if _, err := os.Stat(filepath.Join(dir, c.Name+golden.GoldenSuffix)); err != nil {
					continue // a refused case
				}
				data := c.Data
				if d.body != nil {
					data = d.body(c.Data)
				}
				dec := json.NewDecoder(bytes.NewReader(data))
				dec.UseNumber()
				var doc any
				if dec.Decode(&doc) != nil || dec.More() {
					continue // not JSON (Python literals, forms, multipart)
				}
				obj, ok := doc.(map[string]any)
				if !ok {
					continue
				}
				ids := d.identity(obj)
				if ok, err := d.decode(c.Name, data); !ok {
					t.Fatalf("%s: the golden itself is refused: %v", c.Name, err)
				}
				for _, m := range mutations(doc, func(p string) bool { return holdsIdentity(ids, p) }) {
					tested++
					ok, err := d.decode(c.Name, m.body)
					if m.identity {
						if ok {
							t.Errorf("%s: %s of another type was delivered; an identity field must be refused", c.Name, m.path)
						}
						continue
					}
					if !ok {
						t.Errorf("%s: %s of another type was refused: %v", c.Name, m.path, err)
					}
				}
			}
			require.Positive(t, tested, "no JSON golden to mutate")
			t.Logf("%d mutations", tested)
		})
	}
}
