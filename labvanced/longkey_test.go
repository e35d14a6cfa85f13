package labvanced_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/labvanced"
)

// TestLongMemberNameNotKept: a member name over 4 KiB (a form key or a JSON
// object key) is not kept in the event, with a warning at its offset; one of
// 4 KiB is. The body as sent keeps both.
func TestLongMemberNameNotKept(t *testing.T) {
	long, limit := strings.Repeat("k", 4<<10+1), strings.Repeat("j", 4<<10)
	for _, c := range []struct{ name, contentType, body string }{
		{"form", "application/x-www-form-urlencoded", "expSessionNr=1&" + limit + "=a&" + long + "=b"},
		{"json", "application/json", `{"expSessionNr":"1","` + limit + `":"a","` + long + `":"b"}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			ev, ws, err := labvanced.DecodeWarnings(labvanced.RouteRecordTrial, c.contentType, []byte(c.body))
			require.NoError(t, err)
			rt := ev.(*labvanced.RecordTrial)
			assert.Contains(t, rt.Extra, limit, "a 4 KiB name is kept")
			assert.NotContains(t, rt.Extra, long)
			var found bool
			for _, w := range ws {
				if strings.Contains(w.Msg, "a member name of 4097 bytes: not kept") {
					found = true
					assert.Positive(t, w.Offset)
					assert.LessOrEqual(t, len(w.Path), 256+len("..."))
				}
			}
			assert.True(t, found, "a warning names the long member: %v", ws)
		})
	}
}
