package labvanced_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/vendorhooks/vendorhooks"
	"github.com/vendorhooks/vendorhooks/labvanced"
)

// The player posts jQuery form bodies to the study's URL path plus a route;
// the handler answers CORS, decodes and calls the function, whose context
// carries the Delivery: the route as Kind, expSessionNr as Session, and the
// warnings about what was delivered anyway (a refused trial would be
// retried by the player without end).
func Example() {
	h, err := labvanced.New(func(ctx context.Context, ev labvanced.Event) error {
		d, _ := vendorhooks.DeliveryFromContext(ctx)
		switch e := ev.(type) {
		case *labvanced.RecordTrial:
			rt, _ := e.RecData.Data["rt"].AsInt()
			correct, _ := e.RecData.Data["correct"].AsBool()
			fmt.Printf("%s: session %s, trial %d, rt %d ms, correct %v\n", d.Kind, d.Session, e.TrialNr, rt, correct)
			for _, w := range d.Warnings { // what was delivered anyway
				fmt.Printf("  warning %s\n", w)
			}
		case *labvanced.SetPlayerSessionStartedTime:
			fmt.Printf("%s: started %s\n", e.Kind(), e.StartTime.UTC().Format("2006-01-02 15:04:05Z"))
		}
		return nil // a non-nil error answers 500 and the player retries
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	mux := http.NewServeMux()
	mux.Handle("/study1/", http.StripPrefix("/study1", h))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	post := func(route, body string) {
		resp, err := http.Post(srv.URL+"/study1/"+route, "application/x-www-form-urlencoded; charset=UTF-8", strings.NewReader(body))
		if err != nil {
			fmt.Println(err)
			return
		}
		defer resp.Body.Close()
		answer, _ := io.ReadAll(resp.Body)
		fmt.Printf("%d %s", resp.StatusCode, answer)
	}
	post("setPlayerSessionStartedTime", "expId=4711&expSessionNr=982345&start_time=2024-03-05+14%3A07%3A33%2B01&sessionNr=&groupNr=2")
	post("recordTrial", "expId=4711&expSessionNr=982345&recTaskId=1203377&taskId=9d3f6a10&trialNr=3"+
		"&recData%5Bdata%5D%5Brt%5D=512&recData%5Bdata%5D%5Bcorrect%5D=true&recData%5Bscope%5D=trial")
	post("recordTrial", "expId=4711&expSessionNr=p-7f3a&recTaskId=1203377&taskId=9d3f6a10&trialNr=x"+
		"&recData%5Bdata%5D%5Brt%5D=498&recData%5Bscope%5D=trial")
	post("recordTrial", "expId=4711&trialNr=4&recData%5Bdata%5D%5Brt%5D=5")
	// Output:
	// setPlayerSessionStartedTime: started 2024-03-05 13:07:33Z
	// 200 {"success":true}
	// recordTrial: session 982345, trial 3, rt 512 ms, correct true
	// 200 {"success":true}
	// recordTrial: session p-7f3a, trial 0, rt 498 ms, correct false
	//   warning /trialNr: want integer, got string "x"
	// 200 {"success":true}
	// recordTrial: session , trial 4, rt 5 ms, correct false
	//   warning /expSessionNr: missing
	//   warning /recTaskId: missing
	//   warning /taskId: missing
	// 200 {"success":true}
}

// Decode reads a route's body without HTTP, JSON or form alike.
func ExampleDecode() {
	ev, err := labvanced.Decode("addMetaInfo", "application/x-www-form-urlencoded",
		[]byte("expId=4711&expSessionNr=982345&var_data[browserSpec]=Chrome&var_data[screenWidth]=1920&var_data[subjCounterPerGroup][]=3&var_data[subjCounterPerGroup][]=5&var_data[touch]=false"))
	if err != nil {
		fmt.Println(err)
		return
	}
	m := ev.(*labvanced.AddMetaInfo)
	fmt.Println(m.Kind(), m.VarData.BrowserSpec, *m.VarData.ScreenWidth, m.VarData.SubjCounterPerGroup, m.VarData.Extra["touch"])
	// Output:
	// addMetaInfo Chrome 1920 [3 5] false
}
