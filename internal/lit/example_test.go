package lit_test

import (
	"fmt"

	"github.com/vendorhooks/vendorhooks/internal/lit"
)

func ExampleAppendJSON() {
	out, err := lit.AppendJSON(nil, []byte(`{id: 's1', 'ok': True, "note": 'it\'s', 'v': None,}`))
	fmt.Println(string(out), err)
	_, err = lit.AppendJSON(nil, []byte("{'a': 1 'b': 2}"))
	fmt.Println(err)
	// Output:
	// {"id":"s1","ok":true,"note":"it's","v":null} <nil>
	// line 1, column 9 (offset 8): unexpected '\'', want ',' or '}'
}
