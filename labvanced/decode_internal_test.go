package labvanced

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestFieldPointer: a field's path is an RFC 6901 pointer, with "/" and "~"
// in member names escaped.
func TestFieldPointer(t *testing.T) {
	o := &object{d: &decoder{}, path: "/recData"}
	assert.Equal(t, "/recData/a~1b~0c.d[0]", o.field("a/b~c.d[0]"))
	assert.Equal(t, "/x", (&object{d: &decoder{}}).field("x"))
	o.Ints("a/b")
	assert.Nil(t, o.d.err)
	o.m = map[string]any{"a/b": []any{"1", "x"}}
	o.Ints("a/b")
	assert.Equal(t, "/recData/a~1b/1", o.d.err.Path)
	assert.Equal(t, int64(-1), o.d.err.Offset)
}
