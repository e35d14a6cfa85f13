package server

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/wms"
)

// TestWMSStateMatchesTracker compares wmsState with wms.Tracker over random
// sequences (in order, repeats, gaps, late numbers, out of range, and more
// than 256 runs of missing numbers), carrying the state through its stored
// form as the writer does.
func TestWMSStateMatchesTracker(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	trimmed := 0
	for round := range 50 {
		tr := wms.NewTracker()
		var st wmsState
		next := int64(0)
		for i := range 3000 {
			var seq int64
			switch k := r.IntN(10); {
			case k < 4:
				seq = next
			case k < 6:
				seq = next + 1 + r.Int64N(3)
			case k < 9:
				seq = r.Int64N(next + 1)
			default:
				seq = []int64{-1, 1 << 53, next + 2}[r.IntN(3)]
			}
			if seq >= 0 && seq < 1<<53 {
				next = max(next, seq+1)
			}
			want := tr.Track("s", seq)
			got, _ := st.track(seq)
			require.Equal(t, want, got, "round %d event %d (%d)", round, i, seq)
			require.LessOrEqual(t, len(st.holes), wmsMaxHoles)
		}
		if st.trimmed > 0 {
			trimmed++
		}
	}
	require.Positive(t, trimmed, "no round had more than 256 runs of missing numbers")
}
