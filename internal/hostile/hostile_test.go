package hostile_test

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"

	_ "github.com/vendorhooks/vendorhooks/internal/golden" // knows -update, as every test binary must
	"github.com/vendorhooks/vendorhooks/internal/hostile"
	"github.com/vendorhooks/vendorhooks/internal/race"
)

// TestFill: the body starts with head, ends with tail, repeats unit in
// order, and stops within one unit of size without passing it.
func TestFill(t *testing.T) {
	unit := func(i int) string { return "," + strconv.Itoa(i) }
	b := hostile.Fill(100, "[0", unit, "]")
	assert.LessOrEqual(t, len(b), 100)
	assert.Greater(t, len(b)+len(unit(35)), 100, "one more unit would not fit")
	assert.Equal(t, "[0,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34]", string(b))
	assert.Equal(t, "{}", string(hostile.Fill(1, "{", unit, "}")), "head and tail even past size")
}

// TestAllocated: a 1 MiB allocation is counted as at least 1 MiB, and
// allocating nothing counts less than it.
func TestAllocated(t *testing.T) {
	if race.Enabled {
		t.Skip("an allocation count: checked without -race, whose instrumentation allocates (.ci/run runs it so)")
	}
	var keep []byte
	n := hostile.Allocated(func() { keep = make([]byte, 1<<20) })
	assert.GreaterOrEqual(t, n, uint64(1<<20))
	assert.Len(t, keep, 1<<20)
	assert.Less(t, hostile.Allocated(func() {}), uint64(1<<20))
}

// TestMemberAndNested: Member's body is size-3 bytes of one member, and
// Nested wraps 0 in n arrays.
func TestMemberAndNested(t *testing.T) {
	b := hostile.Member(20, `{"a":1`, "k", `}`)
	assert.Equal(t, `{"a":1,"kkkkk":1}`, string(b))
	assert.Len(t, b, 20-3)
	assert.Equal(t, "[[0]]", hostile.Nested(2))
	assert.Equal(t, "0", hostile.Nested(0))
}
