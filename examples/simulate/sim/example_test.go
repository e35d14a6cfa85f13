package sim_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/vendorhooks/vendorhooks/examples/receiver/server"
	"github.com/vendorhooks/vendorhooks/examples/simulate/sim"
)

// Example runs two WMS measurements with duplicated and dropped deliveries
// and bad MACs against the example receiver, in process.
func Example() {
	dir, err := os.MkdirTemp("", "simulate-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	recv, err := server.Open(context.Background(), server.Config{
		DBPath:     filepath.Join(dir, "events.db"),
		WMSSecrets: []string{"mac-secret"},
	})
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(recv.Handler())
	defer recv.Close()
	defer srv.Close()

	res, err := sim.Run(context.Background(), sim.Config{
		URL:       srv.URL,
		Vendors:   []string{sim.WMS},
		Sessions:  2,
		WMSSecret: "mac-secret",
		Faults:    []sim.Fault{sim.FaultDuplicate, sim.FaultDrop, sim.FaultBadAuth},
		FaultRate: 0.3,
		Seed:      1,
	})
	if err != nil {
		log.Fatal(err)
	}
	w := res.Vendors[sim.WMS]
	fmt.Printf("sent %d: %d acknowledged, %d refused, %d dropped on the way\n", w.Sent, w.OK, w.Status4xx, w.Dropped)
	for _, f := range []sim.Fault{sim.FaultDuplicate, sim.FaultDrop, sim.FaultBadAuth} {
		fmt.Printf("%s: %v\n", f, res.Faults[f].Outcomes)
	}
	fmt.Println("clean:", res.Clean())
	// Output:
	// sent 39: 34 acknowledged, 5 refused, 4 dropped on the way
	// duplicate: map[200:5]
	// drop: map[not sent:4]
	// badauth: map[401:5]
	// clean: true
}
