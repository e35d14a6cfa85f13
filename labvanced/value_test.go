package labvanced_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/labvanced"
)

func TestValueAccessors(t *testing.T) {
	var data map[string]labvanced.Value
	require.NoError(t, json.Unmarshal([]byte(`{
		"n": 512, "f": 431.5, "big": 12345678901234567890, "s": "512", "word": "red",
		"t": true, "ts": "false", "null": null, "arr": [1, "2", {"x": 3}], "obj": {"a": [true]}
	}`), &data))

	kinds := map[string]labvanced.ValueKind{}
	for k, v := range data {
		kinds[k] = v.Kind()
	}
	assert.Equal(t, map[string]labvanced.ValueKind{
		"n": labvanced.Number, "f": labvanced.Number, "big": labvanced.Number, "s": labvanced.String,
		"word": labvanced.String, "t": labvanced.Bool, "ts": labvanced.String, "null": labvanced.Null,
		"arr": labvanced.Array, "obj": labvanced.Object,
	}, kinds)
	assert.Equal(t, "number", labvanced.Number.String())

	for key, want := range map[string]struct {
		i   int64
		iOK bool
		f   float64
		fOK bool
	}{
		"n": {512, true, 512, true}, "s": {512, true, 512, true}, "f": {0, false, 431.5, true},
		"big": {0, false, 12345678901234567890, true}, "word": {0, false, 0, false},
		"t": {0, false, 0, false}, "null": {0, false, 0, false}, "arr": {0, false, 0, false},
	} {
		i, ok := data[key].AsInt()
		assert.Equal(t, want.iOK, ok, "%s.AsInt", key)
		assert.Equal(t, want.i, i, "%s.AsInt", key)
		f, ok := data[key].AsFloat()
		assert.Equal(t, want.fOK, ok, "%s.AsFloat", key)
		assert.Equal(t, want.f, f, "%s.AsFloat", key)
	}
	b, ok := data["t"].AsBool()
	assert.True(t, ok && b)
	b, ok = data["ts"].AsBool()
	assert.True(t, ok && !b)
	_, ok = data["n"].AsBool()
	assert.False(t, ok)
	s, ok := data["word"].AsString()
	assert.True(t, ok)
	assert.Equal(t, "red", s)
	_, ok = data["n"].AsString()
	assert.False(t, ok, "a number is not a string")

	arr, ok := data["arr"].AsArray()
	require.True(t, ok)
	require.Len(t, arr, 3)
	n, _ := arr[1].AsInt()
	assert.EqualValues(t, 2, n)
	x, ok := arr[2].AsObject()
	require.True(t, ok)
	assert.Equal(t, "3", x["x"].String())
	_, ok = data["obj"].AsArray()
	assert.False(t, ok)

	assert.Equal(t, "12345678901234567890", data["big"].String(), "numbers keep their text")
	assert.Equal(t, `{"a":[true]}`, data["obj"].String())
	assert.Equal(t, "null", data["null"].String())
	assert.True(t, data["null"].IsNull())
	assert.True(t, labvanced.Value{}.IsNull())

	out, err := json.Marshal(data["arr"])
	require.NoError(t, err)
	assert.JSONEq(t, `[1,"2",{"x":3}]`, string(out))
	assert.True(t, data["n"].Equal(data["n"]))
	assert.False(t, data["n"].Equal(data["s"]), "512 and \"512\" are different values")
	assert.Error(t, json.Unmarshal([]byte(`{"a": 1} x`), new(labvanced.Value)))
	assert.EqualError(t, new(labvanced.Value).UnmarshalJSON([]byte(`{"a": 1} 2`)), "labvanced: value: trailing data after the JSON value")
}
