package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/vendorhooks/vendorhooks/examples/receiver/server"
)

// Example runs the receiver in process, posts one Petal message and lists
// what was stored.
func Example() {
	dir, err := os.MkdirTemp("", "receiver-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	s, err := server.Open(context.Background(), server.Config{
		DBPath:       filepath.Join(dir, "events.db"),
		SleepAPIKeys: []string{"my-sleep-key"},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()

	body := `{"type": "blink", "action": {"value": 1, "time": 12.5}, "data": {"blink": {"blink": 1}, "id": 7, "lsl_ts": 12.5, "unix_ts": 1633343930.865}}`
	resp, err := http.Post(srv.URL+"/eeg/", "application/json", strings.NewReader(body))
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println("POST /eeg/:", resp.StatusCode)

	// Reads need the admin token (generated here, as none is configured).
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/events", nil)
	req.Header.Set("Authorization", "Bearer "+s.AdminToken())
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var list server.EventList
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		log.Fatal(err)
	}
	for _, e := range list.Events {
		fmt.Println(e.ID, e.Vendor, e.Kind)
	}
	fmt.Println("generated keys for:", s.Keys().Generated)
	// Output:
	// POST /eeg/: 200
	// 1 eeg blink
	// generated keys for: [signage wms]
}
