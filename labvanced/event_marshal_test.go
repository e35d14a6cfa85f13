package labvanced

import (
	"runtime/metrics"
	"strings"
	"testing"
)

// TestMarshalUnknownMemberCost: an event whose unknown member has a huge key
// (a hostile form body of '<') marshals in about its size once, with no
// HTML escaping: inline writes into one allocation of the exact size.
func TestMarshalUnknownMemberCost(t *testing.T) {
	const size = 4 << 20
	key := strings.Repeat("<", size)
	e := RecordTrial{Extra: map[string]Value{key: {v: ""}}}
	sample := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(sample)
	before := sample[0].Value.Uint64()
	b, err := e.MarshalJSON()
	metrics.Read(sample)
	if err != nil {
		t.Fatal(err)
	}
	if got := sample[0].Value.Uint64() - before; got > 3*size/2 {
		t.Errorf("marshalling a %d-byte key allocated %d bytes, want under 1.5x", size, got)
	}
	if !strings.Contains(string(b), `"`+key+`":""`) {
		t.Errorf("the key is not written as itself")
	}
}
