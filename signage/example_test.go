package signage_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/vendorhooks/vendorhooks"
	"github.com/vendorhooks/vendorhooks/signage"
	"github.com/vendorhooks/vendorhooks/signage/signagetest"
)

func ExampleClient_TriggerURL() {
	c := &signage.Client{BaseURL: "https://signage.example.com", APIKey: "K3y"}
	u, err := c.TriggerURL(signage.Trigger{EventID: "quake", Sensor: &signage.SensorData{ID: "seismo-1", Value: "5.25"}})
	if err != nil {
		panic(err)
	}
	fmt.Println(u)
	u, err = c.LegacyTriggerURL("quake")
	if err != nil {
		panic(err)
	}
	fmt.Println(u)
	// Output:
	// https://signage.example.com/public-api/integration/webhooks?apiKey=K3y&payload=eyJldmVudF9pZCI6InF1YWtlIiwic2Vuc29yX2RhdGEiOnsiaWQiOiJzZWlzbW8tMSIsInZhbHVlIjoiNS4yNSJ9fQ%3D%3D
	// https://signage.example.com/public-api/integration/webhooks?apiKey=K3y&eventId=quake
}

func ExampleNewHandler() {
	h := signage.NewHandler(func(ctx context.Context, t signage.Trigger) error {
		fmt.Printf("%s %s: sensor %s = %s\n", t.Kind(), t.EventID, t.Sensor.ID, t.Sensor.Value)
		return nil
	}, signage.WithAPIKeys("K3y"))

	mux := http.NewServeMux()
	mux.Handle(signage.Path, h) // or under any prefix, with http.StripPrefix

	// An older sender: sensor_data is a JavaScript object literal in a string.
	r := httptest.NewRequest(http.MethodPost, signage.Path, strings.NewReader(
		`{"event_id": "quake", "sensor_data": "{id: 'seismo-1', value: '5.2'}"}`))
	r.Header.Set("x-webhook-apikey", "K3y")
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	fmt.Print(w.Code, " ", w.Body.String())

	w = httptest.NewRecorder()
	mux.ServeHTTP(w, signagetest.NewLegacyGetRequest(signage.Path, "quake", "wrong"))
	fmt.Print(w.Code, " ", w.Body.String())
	// Output:
	// trigger quake: sensor seismo-1 = 5.2
	// 200 {"message":"success"}
	// 401 {"message":"Error","error":"signage: invalid key"}
}

// New reports a configuration it cannot serve; inside the function,
// DeliveryFromContext gives what the handler knows about the request.
func ExampleNew() {
	if _, err := signage.New(nil, signage.WithAPIKeys("K3y")); err != nil {
		fmt.Println(err)
	}
	h, err := signage.New(func(ctx context.Context, t signage.Trigger) error {
		d, _ := vendorhooks.DeliveryFromContext(ctx)
		fmt.Printf("%s %s %s key=%q header=%q\n", d.Vendor, d.Kind, d.Body, d.IdempotencyKey, d.Header.Get(signage.HeaderAPIKey))
		return nil
	}, signage.WithAPIKeys("K3y"))
	if err != nil {
		panic(err)
	}
	for _, r := range []*http.Request{
		signagetest.NewRequest(signage.Path, []byte(`{"event_id": "quake"}`), "K3y"),
		signagetest.NewGetRequest(signage.Path, signage.Trigger{EventID: "quake"}, "K3y"),
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Print(w.Code, " ", w.Body.String())
	}
	// Output:
	// signage: no function to call
	// signage trigger {"event_id": "quake"} key="" header="[redacted]"
	// 200 {"message":"success"}
	// signage trigger {"event_id":"quake"} key="" header=""
	// 200 {"message":"success"}
}

func ExampleNewHandler_actions() {
	table := signage.Actions{
		"quake": {Action: signage.ActionEnableEmergency, Target: signage.AllDevices()},
		"menu":  {Action: signage.ActionLoadURL, Target: signage.Group("lobby"), URL: "https://example.com/menu"},
	}
	h := signage.NewHandler(nil, signage.WithAPIKeys("K3y"), signage.WithActions(table,
		func(ctx context.Context, c signage.Command) error {
			fmt.Println(c.EventID+":", c.Action, "on", c.Target)
			return nil
		}))
	for _, id := range []string{"menu", "quake", "flood"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, signagetest.NewPostRequest(signage.Path, signage.Trigger{EventID: id}, "K3y"))
		fmt.Print(w.Code, " ", w.Body.String())
	}
	// Output:
	// menu: load-url on group:lobby
	// 200 {"message":"success"}
	// quake: enable-emergency on all
	// 200 {"message":"success"}
	// 404 {"message":"Error","error":"signage: unknown event id \"flood\""}
}
