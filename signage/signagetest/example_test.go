package signagetest_test

import (
	"context"
	"fmt"

	"github.com/vendorhooks/vendorhooks/signage"
	"github.com/vendorhooks/vendorhooks/signage/signagetest"
)

// soundAlarm is the code under test: it triggers the signage emergency mode.
func soundAlarm(ctx context.Context, c *signage.Client) error {
	return c.Trigger(ctx, signage.Trigger{EventID: "emergency-on"})
}

func ExampleServer() {
	s := signagetest.NewServer()
	defer s.Close()

	if err := soundAlarm(context.Background(), s.NewClient()); err != nil {
		panic(err)
	}
	fmt.Println(s.Triggers())

	s.FailNext(503)
	fmt.Println(soundAlarm(context.Background(), s.NewClient()))
	// Output:
	// [{emergency-on <nil>}]
	// signage: server answered 503: Error (signagetest: injected failure)
}
