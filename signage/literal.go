package signage

import "github.com/vendorhooks/vendorhooks/internal/lit"

// literalJSON turns the text of a sensor_data string (a JavaScript object
// literal, a Python literal or JSON) into strict JSON. Its errors are
// *lit.SyntaxError.
func literalJSON(src []byte) ([]byte, error) {
	return lit.AppendJSON(nil, src)
}
