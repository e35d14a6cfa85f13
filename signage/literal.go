package signage

import (
	"encoding/json"
	"errors"
)

// errLiteralTODO is returned for a sensor_data string that is not strict
// JSON until the tolerant scanner (internal/lit) is available.
// TODO(signage): use lit.AppendJSON once internal/lit lands.
var errLiteralTODO = errors.New("JavaScript object literals are not supported yet")

// literalJSON turns the text of a sensor_data string (a JavaScript object
// literal, a Python literal or JSON) into strict JSON.
func literalJSON(src []byte) ([]byte, error) {
	if json.Valid(src) {
		return src, nil
	}
	return nil, errLiteralTODO
}
