package labvanced

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
)

func formatInt(n int64) string { return strconv.FormatInt(n, 10) }

// TestFieldPointer: a field's path is an RFC 6901 pointer, with "/" and "~"
// in member names escaped; a wrong-typed element is a warning there.
func TestFieldPointer(t *testing.T) {
	o := &object{d: &decoder{}, path: "/recData"}
	assert.Equal(t, "/recData/a~1b~0c.d[0]", o.field("a/b~c.d[0]"))
	assert.Equal(t, "/x", (&object{d: &decoder{}}).field("x"))
	o.Ints("a/b")
	assert.Empty(t, o.d.list)
	o.m = map[string]any{"a/b": []any{"1", "x"}}
	assert.Equal(t, []int{1, 0}, o.Ints("a/b"))
	if assert.Len(t, o.d.list, 1) {
		assert.Equal(t, "/recData/a~1b/1", o.d.list[0].Path)
		assert.Equal(t, int64(-1), o.d.list[0].Offset)
	}
}
