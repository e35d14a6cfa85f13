package labvanced_test

import (
	"encoding/json"
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

// TestMemberNameLimitIsOnDecodedText: the 4 KiB limit is on a name's
// decoded text, whatever its escapes or encoding, so that an event
// marshalled and decoded again keeps the same members: 2,048 "é" written as
// \u00e9 or %C3%A9 (12 KiB as sent, 4 KiB decoded) are kept; 2,049 bytes
// that are not UTF-8 (read as Latin-1: 4,098 bytes decoded) are not.
func TestMemberNameLimitIsOnDecodedText(t *testing.T) {
	fits := strings.Repeat("é", 2048)
	latin1 := strings.Repeat("\xee", 2049)
	for _, c := range []struct {
		name, contentType, body string
		kept, dropped           string
	}{
		{"json escapes", "application/json", `{"expSessionNr":"1","` + strings.Repeat(`\u00e9`, 2048) + `":"a"}`, fits, ""},
		{"form escapes", "application/x-www-form-urlencoded", "expSessionNr=1&" + strings.Repeat("%C3%A9", 2048) + "=a", fits, ""},
		{"json latin-1", "application/json", `{"expSessionNr":"1","` + latin1 + `":"a"}`, "", strings.Repeat("î", 2049)},
	} {
		t.Run(c.name, func(t *testing.T) {
			ev, _, err := labvanced.DecodeWarnings(labvanced.RouteRecordTrial, c.contentType, []byte(c.body))
			require.NoError(t, err)
			extra := ev.(*labvanced.RecordTrial).Extra
			if c.kept != "" {
				assert.Contains(t, extra, c.kept)
			}
			if c.dropped != "" {
				assert.NotContains(t, extra, c.dropped)
			}
			b, err := json.Marshal(ev)
			require.NoError(t, err)
			again, _, err := labvanced.DecodeWarnings(labvanced.RouteRecordTrial, "application/json", b)
			require.NoError(t, err)
			assert.Equal(t, extra, again.(*labvanced.RecordTrial).Extra, "the same members after a round trip")
		})
	}
}

// TestLongWrittenMemberName: a name too long as written to fit 4 KiB once
// decoded (over 12 KiB in a form, 24 KiB in JSON) is dropped before it is
// decoded, and its warning gives the length as written, the only one known.
func TestLongWrittenMemberName(t *testing.T) {
	for _, c := range []struct {
		name, contentType, body, msg string
	}{
		{"form", "application/x-www-form-urlencoded", "expSessionNr=1&" + strings.Repeat("k", 12<<10+1) + "=b", "a member name written in 12289 bytes: not kept"},
		{"json", "application/json", `{"expSessionNr":"1","` + strings.Repeat("k", 24<<10+1) + `":"b"}`, "a member name written in 24577 bytes: not kept"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, ws, err := labvanced.DecodeWarnings(labvanced.RouteRecordTrial, c.contentType, []byte(c.body))
			require.NoError(t, err)
			var msgs []string
			for _, w := range ws {
				msgs = append(msgs, w.Msg)
			}
			assert.Contains(t, strings.Join(msgs, "\n"), c.msg)
		})
	}
}
