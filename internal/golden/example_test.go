package golden_test

import (
	"fmt"

	"github.com/vendorhooks/vendorhooks/internal/golden"
)

// Marshal gives the canonical form of a golden file: indented JSON, HTML
// characters kept as they are, and a final newline.
func ExampleMarshal() {
	b, err := golden.Marshal(map[string]any{"kind": "<blink>", "value": 1})
	if err != nil {
		panic(err)
	}
	fmt.Print(string(b))
	// Output:
	// {
	//   "kind": "<blink>",
	//   "value": 1
	// }
}
