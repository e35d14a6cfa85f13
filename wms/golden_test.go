package wms_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/vendorhooks/vendorhooks/internal/golden"
	"github.com/vendorhooks/vendorhooks/wms"
)

const goldenDir = "../testdata/wms"

// goldenView is what a golden file shows of a decoded event: the event in
// its wire form plus what the Go types add to it.
type goldenView struct {
	Kind        string    `json:"kind"`
	Known       bool      `json:"known"`
	Description string    `json:"description"`
	Time        string    `json:"time"`
	PayloadType string    `json:"payloadType"`
	Event       wms.Event `json:"event"`
}

func TestGolden(t *testing.T) {
	golden.Run(t, goldenDir, func(c golden.Case) (any, error) {
		ev, warnings, err := wms.DecodeWarnings(c.Data)
		if err != nil {
			return nil, err
		}
		return golden.Warned(goldenView{
			Kind:        ev.Kind(),
			Known:       ev.Code.Known(),
			Description: ev.Code.Description(),
			Time:        ev.Timestamp.Format(time.RFC3339),
			PayloadType: fmt.Sprintf("%T", ev.Payload),
			Event:       ev,
		}, warnings), nil
	})
}
