package labvancedtest_test

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"net/url"

	"github.com/vendorhooks/vendorhooks"
	"github.com/vendorhooks/vendorhooks/labvanced"
	"github.com/vendorhooks/vendorhooks/labvanced/labvancedtest"
)

// Param writes a body the way the experiment player's jQuery does, and
// NewFormRequest sends it, so a test sees what the real player sends.
func Example() {
	payload := map[string]any{
		"expSessionNr": 982345,
		"trialNr":      3,
		"recData":      map[string]any{"data": map[string]any{"rt": 512, "correct": true}, "scope": "trial"},
	}
	body, _ := url.QueryUnescape(labvancedtest.Param(payload))
	fmt.Println(body)

	h := labvanced.NewHandler(func(ctx context.Context, ev labvanced.Event) error {
		fmt.Println("received", ev.Kind())
		return nil
	})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, labvancedtest.NewFormRequest("/study/recordTrial", labvancedtest.Payload(labvanced.RouteRecordTrial)))
	fmt.Println(w.Code, w.Body.String())
	// Output:
	// expSessionNr=982345&recData[data][correct]=true&recData[data][rt]=512&recData[scope]=trial&trialNr=3
	// received recordTrial
	// 200 {"success":true}
}

// NewClientRequest sends what the player sends over a real connection, here
// to an httptest.Server running the handler.
func ExampleNewClientRequest() {
	h := labvanced.NewHandler(func(ctx context.Context, ev labvanced.Event) error {
		d, _ := vendorhooks.DeliveryFromContext(ctx)
		fmt.Println("received", d.Kind, "of session", d.Session)
		return nil
	})
	srv := httptest.NewServer(h)
	defer srv.Close()

	body := []byte(labvancedtest.Param(labvancedtest.Payload(labvanced.RouteRecordTrial)))
	req, err := labvancedtest.NewClientRequest(context.Background(), srv.URL+"/study/recordTrial", body)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	fmt.Print(resp.StatusCode, " ", string(answer))
	// Output:
	// received recordTrial of session 982345
	// 200 {"success":true}
}
