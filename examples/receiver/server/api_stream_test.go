package server_test

import (
	"encoding/json"
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
// there; an event whose body alone is over the cap is listed without its
// event. Bodies over 1 MiB are stored in parts, and GET /events/{id} reads
// them whole.
func TestEventsPageCappedByBytes(t *testing.T) {
	server.ForBackends(t, func(t *testing.T) {
		e := newEnv(t)
		var bodies []string
		for i, size := range []int{3 << 20, 3 << 20, 5 << 20, 100} {
			body := fmt.Sprintf(`{"expId":4711,"expSessionNr":"777%03d","recTaskId":1,"taskId":"t","trialNr":1,"recData":{"data":{"v":"%s"}}}`,
				i, strings.Repeat("x", size))
			bodies = append(bodies, body)
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
		// 777002's body (5 MiB) is over the cap on its own: listed with
		// no event, which GET /events/{id} shows.
		assert.Equal(t, [][]string{{"777000", "777001"}, {"777002", "777003"}}, pages)
		all := e.events(t, "session=777002")
		require.Len(t, all, 1)
		assert.JSONEq(t, "null", string(all[0].Event))
		assert.Contains(t, all[0].Warnings[len(all[0].Warnings)-1], "not shown in lists")
		one := e.event(t, all[0].ID)
		require.NotNil(t, one.Raw)
		assert.Len(t, *one.Raw, len(bodies[2]), "the body whole, from its parts")
		assert.Equal(t, bodies[2], *one.Raw)
		var ev struct {
			RecData struct {
				Data struct {
					V string `json:"v"`
				} `json:"data"`
			} `json:"recData"`
		}
		require.NoError(t, json.Unmarshal(one.Event, &ev))
		assert.Len(t, ev.RecData.Data.V, 5<<20, "the event derived from the whole body")
		var parts int
		require.NoError(t, server.QueryRow(e.s, "SELECT COUNT(*) FROM raw_parts WHERE event_id = ?", all[0].ID).Scan(&parts))
		assert.Equal(t, 5, parts, "a 5 MiB body: 1 MiB in the row, four more parts")
	})
}
