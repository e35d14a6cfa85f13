package sim

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/eeg"
	"github.com/vendorhooks/vendorhooks/labvanced"
	"github.com/vendorhooks/vendorhooks/signage"
	"github.com/vendorhooks/vendorhooks/sleep"
	"github.com/vendorhooks/vendorhooks/wms"
)

// kinded is what every vendor package's events have in common.
type kinded interface{ Kind() string }

// TestGeneratorsDecode checks that every request a generator builds decodes
// with the vendor package's own decoder to the kind the simulator expects
// the receiver to store, so a failure in a simulation is the receiver's.
func TestGeneratorsDecode(t *testing.T) {
	decoders := map[string]func(r *Request) (kinded, error){
		Sleep: func(r *Request) (kinded, error) { return sleep.Decode(r.Body) },
		WMS:   func(r *Request) (kinded, error) { return wms.Decode(r.Body) },
		Signage: func(r *Request) (kinded, error) {
			if r.Method == "GET" {
				return signage.DecodeQuery(r.Query)
			}
			return signage.DecodeBody(r.Body)
		},
		Labvanced: func(r *Request) (kinded, error) {
			return labvanced.Decode(r.Route, r.Header.Get("Content-Type"), r.Body)
		},
	}
	decoders[EEG] = func(r *Request) (kinded, error) { return eeg.Decode(r.Body) }
	gens := []Generator{
		&eegGen{messages: 50},
		&eegGen{messages: 50, python: true},
		&sleepGen{key: "k", version: "V1", windows: 6},
		&sleepGen{key: "k", version: "V2", windows: 6},
		&sleepGen{key: "k", version: "V3", windows: 6},
		&wmsGen{secret: "s"},
		&signageGen{key: "k"},
		&labvancedGen{base: 1000},
	}
	for _, g := range gens {
		decode := decoders[g.Vendor()]
		require.NotNil(t, decode, g.Vendor())
		for n := range 20 {
			rng := rand.New(rand.NewPCG(9, uint64(n)))
			for _, r := range g.Session(rng, n) {
				if r.NoEvent {
					continue
				}
				g.Authorize(r, true)
				ev, err := decode(r)
				require.NoError(t, err, "%s %s session %d: %s", g.Vendor(), r.Kind, n, r.Body)
				assert.Equal(t, r.Kind, ev.Kind(), "%s: %s", g.Vendor(), r.Body)
			}
		}
	}
}

// TestEEGPythonMatchesJSON checks that a Petal stream posted as Python-literal
// text decodes to the same events as the JSON stream from the same seed.
func TestEEGPythonMatchesJSON(t *testing.T) {
	plain := (&eegGen{messages: 40}).Session(rand.New(rand.NewPCG(5, 6)), 0)
	python := (&eegGen{messages: 40, python: true}).Session(rand.New(rand.NewPCG(5, 6)), 0)
	require.Len(t, python, len(plain))
	bad := 0
	for i := range plain {
		assert.Contains(t, string(python[i].Body), "'type': ")
		a, err := eeg.Decode(plain[i].Body)
		require.NoError(t, err)
		b, err := eeg.Decode(python[i].Body)
		require.NoError(t, err)
		ja, err := json.Marshal(a)
		require.NoError(t, err)
		jb, err := json.Marshal(b)
		require.NoError(t, err)
		assert.JSONEq(t, string(ja), string(jb), "message %d", i)
		bad += strings.Count(string(plain[i].Body), `"bad_data"`)
	}
	assert.Positive(t, bad, "a stream carries some bad_data")
}
