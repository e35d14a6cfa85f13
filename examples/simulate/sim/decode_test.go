package sim

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
	gens := []Generator{
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
				require.True(t, g.Authorize(r, true) || g.Vendor() == Labvanced)
				ev, err := decode(r)
				require.NoError(t, err, "%s %s session %d: %s", g.Vendor(), r.Kind, n, r.Body)
				assert.Equal(t, r.Kind, ev.Kind(), "%s: %s", g.Vendor(), r.Body)
			}
		}
	}
}
