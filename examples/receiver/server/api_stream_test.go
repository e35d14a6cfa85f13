package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/examples/receiver/server"
)

// TestEventsPageCappedByBytes: a GET /events page ends once it holds 4 MiB
// of events, however large limit is, and paging with last_id goes on from
// there; a single event larger than that is still listed, alone.
func TestEventsPageCappedByBytes(t *testing.T) {
	server.ForBackends(t, func(t *testing.T) {
		e := newEnv(t)
		for i, size := range []int{3 << 20, 3 << 20, 5 << 20, 100} {
			body := fmt.Sprintf(`{"expId":4711,"expSessionNr":"777%03d","recTaskId":1,"taskId":"t","trialNr":1,"recData":{"data":{"v":"%s"}}}`,
				i, strings.Repeat("x", size))
			req, err := http.NewRequest(http.MethodPost, "/labvanced/recordTrial", strings.NewReader(body))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/json")
			status, answer := e.do(t, req)
			require.Equal(t, http.StatusOK, status, answer)
		}
		var pages [][]string
		after := int64(0)
		for len(pages) < 10 {
			var list server.EventList
			e.getJSON(t, fmt.Sprintf("/events?after_id=%d&limit=1000", after), &list)
			if len(list.Events) == 0 {
				break
			}
			var page []string
			for _, ev := range list.Events {
				page = append(page, ev.Session)
			}
			pages = append(pages, page)
			after = list.LastID
		}
		assert.Equal(t, [][]string{{"777000", "777001"}, {"777002"}, {"777003"}}, pages)
	})
}
