package signagetest_test

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"

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
	fmt.Printf("%d trigger: %s\n", len(s.Triggers()), s.Triggers()[0].EventID)

	s.FailNext(503)
	fmt.Println(soundAlarm(context.Background(), s.NewClient()))
	// Output:
	// 1 trigger: emergency-on
	// signage: server answered 503: Error (signagetest: injected failure)
}

// NewClientRequest builds a request to send over a real connection, here to
// an httptest.Server running the signage handler.
func ExampleNewClientRequest() {
	h := signage.NewHandler(func(ctx context.Context, t signage.Trigger) error {
		fmt.Println("got", t.EventID)
		return nil
	}, signage.WithAPIKeys("K3y"))
	srv := httptest.NewServer(h)
	defer srv.Close()

	for _, key := range []string{"K3y", "wrong"} {
		r, err := signagetest.NewClientRequest(context.Background(), srv.URL+signage.Path, []byte(`{"event_id":"quake"}`), key)
		if err != nil {
			panic(err)
		}
		resp, err := srv.Client().Do(r)
		if err != nil {
			panic(err)
		}
		answer, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Print(resp.StatusCode, " ", string(answer))
	}
	// Output:
	// got quake
	// 200 {"message":"success"}
	// 401 {"message":"Error","error":"signage: invalid key"}
}
