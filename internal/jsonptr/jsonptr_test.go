package jsonptr_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	_ "github.com/vendorhooks/vendorhooks/internal/golden" // every test binary must accept -update
	"github.com/vendorhooks/vendorhooks/internal/jsonptr"
)

func TestJoin(t *testing.T) {
	assert.Equal(t, "", jsonptr.Join())
	assert.Equal(t, "/data/bandpower/ch2/alpha", jsonptr.Join("data", "bandpower", "ch2", "alpha"))
	assert.Equal(t, "/action/value/3", jsonptr.Join("action", "value", 3))
	assert.Equal(t, "/a~1b/c~0d/~01", jsonptr.Join("a/b", "c~d", "~1"))
	assert.Equal(t, "/", jsonptr.Join(""))
	assert.Equal(t, "/x.y[0]", jsonptr.Join("x.y[0]"), "dots and brackets are plain characters in a pointer")
	assert.Panics(t, func() { jsonptr.Join(1.5) })
}
