package labvancedtest_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"

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
