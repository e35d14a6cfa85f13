package sleep_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks"
	"github.com/vendorhooks/vendorhooks/internal/golden"
	"github.com/vendorhooks/vendorhooks/sleep"
)

const dir = "../testdata/sleep"

// TestGolden decodes every case with DecodeWarnings: a refused case
// expects its DecodeError's text, a delivered one its value and all its
// warnings (golden.Warned).
func TestGolden(t *testing.T) {
	golden.Run(t, dir, func(c golden.Case) (any, error) {
		ev, ws, err := sleep.DecodeWarnings(c.Data)
		if err != nil {
			assert.ErrorIs(t, err, sleep.ErrMalformed)
			var de *sleep.DecodeError
			assert.ErrorAs(t, err, &de)
			assert.Nil(t, ev)
			assert.Nil(t, ws)
			return nil, err
		}
		require.NotNil(t, ev)
		return golden.Warned(ev, ws), nil
	})
}

func read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name+".in"))
	require.NoError(t, err)
	return b
}

func decode(t *testing.T, name string) sleep.Event {
	t.Helper()
	ev, err := sleep.Decode(read(t, name))
	require.NoError(t, err)
	return ev
}

// The same report sent in the V1, V2 and V3 spellings decodes to equal
// values, the version apart.
func TestVersionsDecodeEqual(t *testing.T) {
	for _, kind := range []string{"session_complete", "inference_complete"} {
		t.Run(kind, func(t *testing.T) {
			v3 := decode(t, kind+"_v3")
			for _, v := range []sleep.Version{sleep.V1, sleep.V2} {
				ev := decode(t, kind+"_"+strings.ToLower(string(v)))
				require.Equal(t, v, ev.Meta().Version)
				ev.Meta().Version = sleep.V3
				if kind == "session_complete" {
					require.Empty(t, cmp.Diff(v3, ev), "%s differs from V3", v)
					continue
				}
				// INFERENCE_COMPLETE carries different stage kinds per
				// version; the sleep stages are the same.
				got, want := ev.(*sleep.InferenceComplete), v3.(*sleep.InferenceComplete)
				require.Equal(t, want.SleepStages, got.SleepStages)
				require.Equal(t, want.UserID, got.UserID)
				require.Equal(t, want.InferenceSeqNum, got.InferenceSeqNum)
			}
		})
	}
}

func TestDecodeTypes(t *testing.T) {
	ev := decode(t, "spec_session_complete")
	sc, ok := ev.(*sleep.SessionComplete)
	require.True(t, ok, "%T", ev)
	assert.Equal(t, "SESSION_COMPLETE", sc.Kind())
	assert.Equal(t, sleep.V3, sc.Version)
	assert.Equal(t, "20250115025029_fvivn", sc.SessionID)
	require.NotNil(t, sc.Stat)
	assert.Equal(t, 15*60*1e9, float64(*sc.Stat.SleepLatency))
	assert.Nil(t, sc.Stat.DeepLatency, "null stays nil")
	require.NotNil(t, sc.Stat.TimeInDeep, "0 is not null")
	assert.Zero(t, *sc.Stat.TimeInDeep)
	assert.NotNil(t, sc.Stat.SleepCycleTimes, "[] is not null")
	assert.Empty(t, sc.Stat.SleepCycleTimes)
	assert.Nil(t, sc.Stat.SleepCycles)
	assert.Nil(t, sc.Session.BreathStages)
	assert.True(t, sc.Session.Start.Equal(sc.Stat.SleepTime.Add(-15*60e9)))
	assert.Equal(t, []sleep.Peculiarity{sleep.NoBreathingStability}, sc.Peculiarities)
	assert.Equal(t, sleep.StateComplete, sc.Session.State)

	ic := decode(t, "inference_complete_v1").(*sleep.InferenceComplete)
	assert.Equal(t, sleep.V1, ic.Version, "no version means V1")
	assert.Len(t, ic.SleepStages, 40)
	assert.Len(t, ic.OSAStages, 40)
	assert.Nil(t, ic.BreathStages)

	u := decode(t, "unknown_event").(*sleep.Unknown)
	assert.Equal(t, "USER_DELETED", u.Kind())
	assert.Equal(t, "USER_DELETED", u.Event)
	assert.Equal(t, read(t, "unknown_event"), []byte(u.Raw))

	st := decode(t, "session_stat_null").(*sleep.SessionComplete)
	assert.Nil(t, st.Stat)
	assert.False(t, st.Peculiarities[1].Known())
	assert.True(t, st.Peculiarities[0].Known())
}

// Every peculiarity the vendor documents appears in a golden case and is
// Known; the made-up one is kept and is not.
func TestPeculiaritiesKnown(t *testing.T) {
	seen := map[sleep.Peculiarity]bool{}
	for _, c := range golden.Cases(t, dir) {
		ev, err := sleep.Decode(c.Data)
		sc, ok := ev.(*sleep.SessionComplete)
		if err != nil || !ok {
			continue
		}
		for _, p := range sc.Peculiarities {
			seen[p] = true
			assert.Equal(t, p != "SOMETHING_NEW", p.Known(), "%s: %s", c.Name, p)
		}
	}
	for _, p := range []sleep.Peculiarity{sleep.InProgress, sleep.NeverSlept, sleep.TooShortForAnalysis,
		sleep.TooLongForAnalysis, sleep.TooManyDefectsInSleepStages, sleep.NoBreathingStability,
		sleep.NoRealtimePolling, "SOMETHING_NEW"} {
		assert.True(t, seen[p], "no golden case has %s", p)
	}
}

// A time written with JSON escapes decodes like the plain one.
func TestDecodeEscapedTime(t *testing.T) {
	plain := read(t, "spec_session_complete")
	escaped := bytes.Replace(plain, []byte(`"2025-01-15T02:50:29+00:00"`), []byte(`"2025-01-15T02:50:29\u002B00:00"`), 1)
	require.NotEqual(t, plain, escaped)
	want, err := sleep.Decode(plain)
	require.NoError(t, err)
	got, err := sleep.Decode(escaped)
	require.NoError(t, err)
	assert.Empty(t, cmp.Diff(want, got))

	bad := bytes.Replace(plain, []byte(`"2025-01-15T02:50:29+00:00"`), []byte(`"2025-01-15T02:50:29\u002B0000"`), 1)
	ev, err := sleep.Decode(bad)
	require.NotNil(t, ev)
	assert.EqualError(t, err, `sleep: /data/session/start_time: want RFC 3339 time with offset, got "2025-01-15T02:50:29+0000" (left unset)`)
	assert.True(t, ev.(*sleep.SessionComplete).Session.Start.IsZero())
}

// Every refusal is a *DecodeError matching ErrMalformed, with a nil event,
// the JSON Pointer of the offending value and its offset where known (-1
// otherwise); "at" is what the body holds at that offset.
func TestDecodeErrorPath(t *testing.T) {
	for _, tt := range []struct {
		name, path string
		at         string // prefix of the body at Offset; "" for -1
	}{
		{"malformed_event_number", "/event", "1,"},
		{"malformed_not_object", "", "["},
		{"malformed_string_body", "", `"SESSION_COMPLETE"`},
		{"malformed_trailing_comma", "", "}"},
		{"malformed_missing_data", "/data", ""},
		{"malformed_both_data", "", ""},
		{"malformed_empty", "", ""},
		{"malformed_found_empty_data", "/data", ""},
		{"malformed_inference_no_session_id", "/data", ""},
		{"malformed_session_id_number", "/data/session_id", "20250115025029,"},
		{"malformed_duplicate_session_id", "/data/session_id", `"session_id": "s2"`},
		{"malformed_duplicate_event", "/event", `"event": "USER_DELETED"`},
		{"malformed_session_ids_disagree", "/callback_data", ""},
		{"malformed_event_too_long", "/event", `"XXX`},
		{"malformed_too_deep", "/data", "[]"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			data := read(t, tt.name)
			ev, err := sleep.Decode(data)
			assert.Nil(t, ev)
			require.ErrorIs(t, err, sleep.ErrMalformed)
			require.ErrorIs(t, err, vendorhooks.ErrMalformed)
			var de *sleep.DecodeError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, "sleep", de.Vendor)
			assert.Equal(t, tt.path, de.Path)
			if tt.at == "" {
				assert.Equal(t, int64(-1), de.Offset)
				return
			}
			require.GreaterOrEqual(t, de.Offset, int64(0))
			assert.True(t, bytes.HasPrefix(data[de.Offset:], []byte(tt.at)), "%q at offset %d", data[de.Offset:min(len(data), int(de.Offset)+10)], de.Offset)
		})
	}
}

// A value of an unexpected type is delivered: the event holds the rest,
// the value's field stays at its zero value, and the error is a
// *vendorhooks.Warnings (not ErrMalformed) naming the value's path, with
// its offset ("at" is what the body holds there).
func TestDecodeWarningPath(t *testing.T) {
	for _, tt := range []struct {
		name, path, at string
		zero           func(sleep.Event) bool
	}{
		{"tolerated_v1_nested_type", "/callback_data/sleep_data/stat/waso_count", "true", func(ev sleep.Event) bool {
			return ev.(*sleep.SessionComplete).Stat.WASOCount == nil
		}},
		{"tolerated_stage_float", "/data/sleep_stages/1", "1.5", func(ev sleep.Event) bool {
			return ev.(*sleep.InferenceComplete).SleepStages[1] == sleep.StageNoData
		}},
		{"tolerated_stages_object", "/data/sleep_stages", "{", func(ev sleep.Event) bool {
			return ev.(*sleep.InferenceComplete).SleepStages == nil
		}},
		{"tolerated_stat_array", "/data/stat", "[]", func(ev sleep.Event) bool { return ev.(*sleep.SessionComplete).Stat == nil }},
		{"tolerated_seq_num_string", "/data/seq_num", `"39"`, func(ev sleep.Event) bool { return ev.(*sleep.InferenceComplete).SeqNum == 0 }},
		{"tolerated_cycle_time_null", "/data/stat/sleep_cycle_time/1", "null", func(ev sleep.Event) bool {
			return ev.(*sleep.SessionComplete).Stat.SleepCycleTimes[1].IsZero()
		}},
		{"tolerated_bad_start_time", "/data/session/start_time", `"2025-01-15T25`, func(ev sleep.Event) bool {
			return ev.(*sleep.SessionComplete).Session.Start.IsZero()
		}},
		{"tolerated_duration_overflow", "/data/stat/time_in_bed", "1000000000000", func(ev sleep.Event) bool {
			return ev.(*sleep.SessionComplete).Stat.TimeInBed == nil
		}},
		{"tolerated_duration_float", "/data/stat/sleep_latency", "900.5", func(ev sleep.Event) bool {
			return ev.(*sleep.SessionComplete).Stat.SleepLatency == nil
		}},
		{"tolerated_ratio_string", "/data/stat/sleep_efficiency", `"0.3"`, func(ev sleep.Event) bool {
			return ev.(*sleep.SessionComplete).Stat.SleepEfficiency == nil
		}},
		{"tolerated_peculiarities_string", "/data/peculiarities", `"NEVER_SLEPT"`, func(ev sleep.Event) bool {
			return ev.(*sleep.SessionComplete).Peculiarities == nil
		}},
		{"tolerated_time_without_offset", "/data/stat/sleep_time", `"2025-01-15T03:05:29"`, func(ev sleep.Event) bool {
			s := ev.(*sleep.SessionComplete).Stat
			return s.SleepTime == nil && s.SleepTimeOfDay == nil
		}},
		{"found_sleep_cycle_number", "/data/stat/sleep_cycle", "1,", func(ev sleep.Event) bool {
			return ev.(*sleep.SessionComplete).Stat.SleepCycles == nil
		}},
		{"tolerated_version_number", "/version", "3,", func(ev sleep.Event) bool { return ev.Meta().Version == sleep.V1 }},
		{"tolerated_v1_nested_id_number", "/callback_data/sleep_data/session/id", "20250115025029", func(ev sleep.Event) bool {
			sc := ev.(*sleep.SessionComplete)
			return sc.Session.ID == "" && sc.SessionID == "20250115025029_fvivn"
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			data := read(t, tt.name)
			ev, err := sleep.Decode(data)
			require.NotNil(t, ev, "%v", err)
			assert.False(t, errors.Is(err, sleep.ErrMalformed), "a warning must not match ErrMalformed")
			var de *sleep.DecodeError
			assert.False(t, errors.As(err, &de))
			var ws *vendorhooks.Warnings
			require.ErrorAs(t, err, &ws)
			assert.Equal(t, "sleep", ws.Vendor)
			require.Len(t, ws.List, 1, "%v", ws.List)
			w := ws.List[0]
			assert.Equal(t, tt.path, w.Path)
			assert.False(t, w.Unknown)
			require.GreaterOrEqual(t, w.Offset, int64(0))
			assert.True(t, bytes.HasPrefix(data[w.Offset:], []byte(tt.at)), "%q at offset %d", data[w.Offset:min(len(data), int(w.Offset)+10)], w.Offset)
			assert.True(t, tt.zero(ev), "the field is not at its zero value")

			ev2, all, err := sleep.DecodeWarnings(data)
			require.NoError(t, err)
			assert.Equal(t, ws.List, all)
			assert.Empty(t, cmp.Diff(ev, ev2))
		})
	}
}

// A path in a sleep cycle carries the cycle's index.
func TestDecodeWarningCycleIndex(t *testing.T) {
	body := []byte(`{"event":"SESSION_COMPLETE","version":"V3","data":{"session":{"id":"s1"},"stat":{"sleep_cycle":[
		{"order":1,"start_time":"2025-01-15T23:02:00+09:00","end_time":"2025-01-15T23:09:30+09:00"},
		{"order":"2","start_time":null,"end_time":"2025-01-15T23:09:30+09:00"}, 7]}}}`)
	ev, ws, err := sleep.DecodeWarnings(body)
	require.NoError(t, err)
	require.Len(t, ws, 3)
	assert.Equal(t, "/data/stat/sleep_cycle/1/order", ws[0].Path)
	assert.True(t, bytes.HasPrefix(body[ws[0].Offset:], []byte(`"2"`)))
	assert.Equal(t, "/data/stat/sleep_cycle/1/start_time", ws[1].Path)
	assert.True(t, bytes.HasPrefix(body[ws[1].Offset:], []byte(`null`)))
	assert.Equal(t, "/data/stat/sleep_cycle/2", ws[2].Path)
	cycles := ev.(*sleep.SessionComplete).Stat.SleepCycles
	require.Len(t, cycles, 3)
	assert.Equal(t, 1, cycles[0].Order)
	assert.Equal(t, sleep.SleepCycle{End: cycles[1].End}, cycles[1])
	assert.Equal(t, sleep.SleepCycle{}, cycles[2])
}

// Messages quote at most about 32 bytes of the body, refusals and warnings
// alike.
func TestDecodeErrorShort(t *testing.T) {
	long := strings.Repeat("9", 500)
	for _, body := range []string{
		`{"event":"SESSION_COMPLETE","data":{"session":{"id":"s","start_time":"` + long + `"}}}`,
		`{"event":"SESSION_COMPLETE","data":{"session":{"id":"s","start_time":` + long + `}}}`,
		`{"event":"SESSION_COMPLETE","data":{"session":{"id":` + long + `}}}`,
		`{"event":"INFERENCE_COMPLETE","data":{"session_id":"s","seq_num":0.` + long + `}}`,
		`{"event":"` + long + `","callback_event":"x"}`,
		`{"event":"a","callback_event":"` + long + `"}`,
	} {
		_, err := sleep.Decode([]byte(body))
		require.Error(t, err)
		assert.Less(t, len(err.Error()), 200, err.Error())
	}
}

// The identity fields are refused when missing, unusable or given twice;
// unknown events need only their name.
func TestDecodeIdentity(t *testing.T) {
	for _, tt := range []struct {
		body string
		ok   bool
	}{
		{`{"event":"SESSION_COMPLETE","data":{"session":{"id":"s1"}}}`, true},
		{`{"event":"SESSION_COMPLETE","data":{}}`, false},
		{`{"event":"SESSION_COMPLETE","data":{"session":{"id":""}}}`, false},
		{`{"event":"SESSION_COMPLETE","data":{"session":"s1"}}`, false},
		{`{"event":"SESSION_COMPLETE","data":{"session":{"id":"s1","id":"s1"}}}`, false},
		{`{"event":"SESSION_COMPLETE","data":{"session_id":"s1","session":{"id":"s2"}}}`, false},
		{`{"event":"SESSION_COMPLETE","data":{"session_id":"s1","session":{"id":"s1"}}}`, true},
		{`{"event":"SESSION_COMPLETE","data":{"session_id":"s1","session":"x"}}`, true},
		{`{"callback_event":"SESSION_COMPLETE","callback_data":{"session_id":"s1","sleep_data":{}}}`, true},
		{`{"callback_event":"SESSION_COMPLETE","callback_data":{"session_id":"s1","sleep_data":7}}`, true},
		{`{"event":"SESSION_COMPLETE","data":{"session":{"id":"s1"}},"data":{"session":{"id":"s1"}}}`, false},
		{`{"event":"SESSION_COMPLETE","data":"s1"}`, false},
		{`{"event":"SESSION_COMPLETE","data":null}`, false},
		{`{"event":"INFERENCE_COMPLETE","data":{"session_id":"s1"}}`, true},
		{`{"event":"INFERENCE_COMPLETE","data":{"session_id":null}}`, false},
		{`{"event":"INFERENCE_COMPLETE","data":{"session_id":["s1"]}}`, false},
		{`{"event":"INFERENCE_COMPLETE","event":"INFERENCE_COMPLETE","data":{"session_id":"s1"}}`, false},
		{`{"event":"INFERENCE_COMPLETE","callback_event":"INFERENCE_COMPLETE","data":{"session_id":"s1"}}`, true},
		{`{"event":"","data":{}}`, false},
		{`{"event":null,"data":{}}`, false},
		{`{"event":"` + strings.Repeat("E", 64) + `"}`, true},
		{`{"event":"` + strings.Repeat("E", 65) + `"}`, false},
		{`{"event":"NEW"}`, true},
		{`{"event":"NEW","data":7,"data":{},"callback_data":[]}`, true},
		{`{"event":"SESSION_COMPLETE","version":"V9","data":7}`, true},
	} {
		ev, err := sleep.Decode([]byte(tt.body))
		if tt.ok {
			assert.NotNil(t, ev, "%s: %v", tt.body, err)
			assert.False(t, errors.Is(err, sleep.ErrMalformed), "%s: %v", tt.body, err)
			continue
		}
		assert.Nil(t, ev, tt.body)
		assert.ErrorIs(t, err, sleep.ErrMalformed, tt.body)
	}
}

// Nesting deeper than tolerant.MaxDepth is refused, free-form members and
// unknown events included.
func TestDecodeDepth(t *testing.T) {
	nest := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	for _, tt := range []struct {
		body string
		ok   bool
	}{
		{`{"event":"NEW","data":` + nest(63) + `}`, true},
		{`{"event":"NEW","data":` + nest(64) + `}`, false},
		{`{"event":"SESSION_COMPLETE","data":{"session":{"id":"s"},"stat":{"breathing_pattern":` + nest(61) + `}}}`, true},
		{`{"event":"SESSION_COMPLETE","data":{"session":{"id":"s"},"stat":{"breathing_pattern":` + nest(62) + `}}}`, false},
		{`{"event":"SESSION_COMPLETE","data":{"session":{"id":"s"},"new":` + nest(63) + `}}`, false},
		{`{"event":"SESSION_COMPLETE","data":{"session":{"id":"s"}},"new":` + nest(64) + `}`, false},
	} {
		ev, err := sleep.Decode([]byte(tt.body))
		if tt.ok {
			assert.NotNil(t, ev, "%.80s: %v", tt.body, err)
			continue
		}
		assert.Nil(t, ev)
		var de *sleep.DecodeError
		require.ErrorAs(t, err, &de, "%.80s", tt.body)
		assert.Contains(t, de.Msg, "nesting deeper than 64")
	}
}

// An unknown member is a warning for DecodeWarnings (Unknown true), never
// part of Decode's error.
func TestDecodeUnknownMembers(t *testing.T) {
	data := read(t, "tolerated_unknown_members")
	ev, err := sleep.Decode(data)
	require.NoError(t, err)
	want, err := sleep.Decode(read(t, "session_complete_v3"))
	require.NoError(t, err)
	assert.Empty(t, cmp.Diff(want, ev))

	_, ws, err := sleep.DecodeWarnings(data)
	require.NoError(t, err)
	var paths []string
	for _, w := range ws {
		assert.True(t, w.Unknown, w.String())
		assert.True(t, bytes.HasPrefix(data[w.Offset:], []byte(`"`+w.Path[strings.LastIndexByte(w.Path, '/')+1:]+`"`)), w.String())
		paths = append(paths, w.Path)
	}
	assert.Equal(t, []string{"/sent_at", "/data/device", "/data/stat/sleep_score_v2"}, paths)
}

// A duplicate key's last value wins, consistently (a whole object too),
// with a warning.
func TestDecodeDuplicateKeys(t *testing.T) {
	body := []byte(`{"event":"SESSION_COMPLETE","version":"V2","version":"V3","data":{"session":{"id":"s1"},
		"timezone":"UTC","timezone":"Asia/Seoul",
		"stat":{"waso_count":1,"snoring_count":3},"stat":{"waso_count":2},
		"missing_data_ratio":0.5,"missing_data_ratio":"x"}}`)
	ev, ws, err := sleep.DecodeWarnings(body)
	require.NoError(t, err)
	sc := ev.(*sleep.SessionComplete)
	assert.Equal(t, sleep.V3, sc.Version)
	assert.Equal(t, "Asia/Seoul", sc.Timezone)
	require.NotNil(t, sc.Stat.WASOCount)
	assert.Equal(t, 2, *sc.Stat.WASOCount)
	assert.Nil(t, sc.Stat.SnoringCount, "the last stat wins whole")
	assert.Nil(t, sc.MissingDataRatio, "the last value wins even when it is of the wrong type")
	var msgs []string
	for _, w := range ws {
		msgs = append(msgs, w.String())
	}
	assert.Equal(t, []string{
		"/version: duplicate key: the last value wins",
		"/version: disagrees with version \"V2\": the last value wins",
		"/data/timezone: duplicate key: the last value wins",
		"/data/stat: duplicate key: the last value wins",
		"/data/missing_data_ratio: duplicate key: the last value wins",
		`/data/missing_data_ratio: want number, got "x" (left unset)`,
	}, msgs)

	// order and index are two spellings of one field.
	body = []byte(`{"event":"SESSION_COMPLETE","data":{"session":{"id":"s1"},"stat":{"sleep_cycle":[{"order":1,"index":2}]}}}`)
	ev, ws, err = sleep.DecodeWarnings(body)
	require.NoError(t, err)
	assert.Equal(t, 2, ev.(*sleep.SessionComplete).Stat.SleepCycles[0].Order)
	require.Len(t, ws, 1)
	assert.Equal(t, "/data/stat/sleep_cycle/0/index", ws[0].Path)
}

// Asleep's documents disagree on stat.sleep_cycle and stat.sleep_time:
// every documented form is read without a warning.
func TestDecodeDocumentedForms(t *testing.T) {
	stat := func(name string) *sleep.Stat {
		ev, ws, err := sleep.DecodeWarnings(read(t, name))
		require.NoError(t, err)
		assert.Empty(t, ws, name)
		return ev.(*sleep.SessionComplete).Stat
	}
	assert.Nil(t, stat("found_sleep_cycle_null").SleepCycles)
	order, index := stat("found_sleep_cycle_order"), stat("found_sleep_cycle_index")
	require.Len(t, order.SleepCycles, 2)
	assert.Equal(t, []int{1, 2}, []int{order.SleepCycles[0].Order, order.SleepCycles[1].Order})
	assert.Empty(t, cmp.Diff(order, index), "index reads as order")

	clock := stat("found_sleep_time_clock")
	assert.Nil(t, clock.SleepTime)
	assert.Nil(t, clock.WakeTime)
	assert.Equal(t, &sleep.TimeOfDay{Hour: 22, Minute: 40}, clock.SleepTimeOfDay)
	assert.Equal(t, &sleep.TimeOfDay{Hour: 6, Minute: 15, Second: 30}, clock.WakeTimeOfDay)
	b, err := json.Marshal(clock)
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(b, []byte(`{"sleep_time":"22:40:00","wake_time":"06:15:30","sleep_index":`)), "%s", b)

	// An instant wins over a time of day set beside it.
	inst := stat("session_complete_v3")
	inst.SleepTimeOfDay = clock.SleepTimeOfDay
	b, err = json.Marshal(inst)
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(b, []byte(`{"sleep_time":"2025-01-15T23:02:00+09:00",`)), "%s", b)

	for _, bad := range []string{"24:00:00", "22:40", "22:40:00+09:00", "22:40:00.5", "10pm"} {
		body := `{"event":"SESSION_COMPLETE","data":{"session":{"id":"s"},"stat":{"sleep_time":"` + bad + `"}}}`
		ev, ws, err := sleep.DecodeWarnings([]byte(body))
		require.NoError(t, err)
		st := ev.(*sleep.SessionComplete).Stat
		assert.True(t, st.SleepTime == nil && st.SleepTimeOfDay == nil, bad)
		require.Len(t, ws, 1, bad)
		assert.Equal(t, "/data/stat/sleep_time", ws[0].Path)
	}
	var tod sleep.TimeOfDay
	require.NoError(t, tod.UnmarshalText([]byte("07:05:09")))
	assert.Equal(t, "07:05:09", tod.String())
	assert.Error(t, tod.UnmarshalText([]byte("7:05")))
}

// Escapes decode as encoding/json decodes them: a surrogate pair joined,
// a lone surrogate U+FFFD; a key may be escaped too.
func TestDecodeEscapes(t *testing.T) {
	body := []byte(`{"event":"INFERENCE_COMPLETE","data":{"session_id":"s","user_id":"\ud83d\ude00 \ud800 \u00e9\n\"\\\/","seq_\u006eum":3}}`)
	ev, ws, err := sleep.DecodeWarnings(body)
	require.NoError(t, err)
	assert.Empty(t, ws)
	ic := ev.(*sleep.InferenceComplete)
	var want struct {
		Data struct {
			UserID string `json:"user_id"`
		}
	}
	require.NoError(t, json.Unmarshal(body, &want))
	assert.Equal(t, want.Data.UserID, ic.UserID)
	assert.Equal(t, "\U0001F600 \uFFFD é\n\"\\/", ic.UserID)
	assert.Equal(t, 3, ic.SeqNum)
}

// A string that is not UTF-8 is read as Latin-1 with a warning, in known
// events and in Unknown.Raw alike; what Decode returns is valid UTF-8.
func TestDecodeLatin1(t *testing.T) {
	ev, ws, err := sleep.DecodeWarnings(read(t, "tolerated_latin1_strings"))
	require.NoError(t, err)
	assert.Equal(t, "Europe/Zürich", ev.(*sleep.SessionComplete).Timezone)
	require.Len(t, ws, 1)
	assert.Equal(t, vendorhooks.Warning{Path: "/data/timezone", Offset: 80, Msg: "not UTF-8: read as Latin-1"}, ws[0])

	// An escape keeps its character beside Latin-1 bytes.
	ev, err = sleep.Decode([]byte("{\"event\":\"INFERENCE_COMPLETE\",\"data\":{\"session_id\":\"s\",\"user_id\":\"caf\xe9 \\u00e9\"}}"))
	var wl *vendorhooks.Warnings
	require.ErrorAs(t, err, &wl)
	assert.Equal(t, "café é", ev.(*sleep.InferenceComplete).UserID)

	u, ws, err := sleep.DecodeWarnings(read(t, "found_unknown_event_latin1"))
	require.NoError(t, err)
	raw := u.(*sleep.Unknown).Raw
	assert.True(t, json.Valid(raw) && utf8.Valid(raw), "%q", raw)
	assert.Contains(t, string(raw), `"note": "21,5 °C café"`)
	assert.Contains(t, string(raw), `"café": ["ok", "ÿ"]`)
	assert.NotContains(t, string(raw), "\uFFFD")
	require.Len(t, ws, 3)
	assert.Equal(t, []string{"/data/note", "/data/café", "/data/café/1"}, []string{ws[0].Path, ws[1].Path, ws[2].Path})
}

func TestStageStrings(t *testing.T) {
	assert.Equal(t, "no data", sleep.StageNoData.String())
	assert.Equal(t, "wake", sleep.StageWake.String())
	assert.Equal(t, "light", sleep.StageLight.String())
	assert.Equal(t, "deep", sleep.StageDeep.String())
	assert.Equal(t, "REM", sleep.StageREM.String())
	assert.Equal(t, "SleepStage(7)", sleep.SleepStage(7).String())
	assert.Equal(t, "snoring", sleep.Snoring.String())
	assert.Equal(t, "no snoring", sleep.NoSnoring.String())
	assert.Equal(t, "SnoringStage(2)", sleep.SnoringStage(2).String())
	assert.Equal(t, "none", sleep.OSANone.String())
	assert.Equal(t, "apnea", sleep.OSAApnea.String())
	assert.Equal(t, "hypopnea", sleep.OSAHypopnea.String())
	assert.Equal(t, "OSAStage(3)", sleep.OSAStage(3).String())
	assert.Equal(t, "stable", sleep.BreathStable.String())
	assert.Equal(t, "unstable", sleep.BreathUnstable.String())
	assert.Equal(t, "BreathStage(-1)", sleep.BreathStage(-1).String())
	assert.Equal(t, "V2", sleep.V2.String())
	assert.Equal(t, "OPEN", sleep.StateOpen.String())
	assert.Equal(t, "NEVER_SLEPT", sleep.NeverSlept.String())
	assert.Equal(t, "VALID", sleep.Valid.String())
}

// rawJSON compares json.RawMessage values by meaning: json.Marshal
// compacts them, and a nil one comes back as null. Numbers stay as written
// (UseNumber): one beyond float64's range, such as 2E529, would otherwise
// fail to decode and be compared as text, spaces and all.
var rawJSON = cmp.Transformer("rawJSON", func(r json.RawMessage) any {
	if len(r) == 0 {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(r))
	d.UseNumber()
	var v any
	if d.Decode(&v) != nil {
		return string(r)
	}
	return v
})

// FuzzDecode checks that Decode never panics; that it refuses only with a
// nil event and a *DecodeError matching ErrMalformed, and otherwise returns
// an event with no error or a *vendorhooks.Warnings that does not match
// ErrMalformed; that what it accepts marshals to valid JSON that is valid
// UTF-8, with every warning valid UTF-8 too; and that this JSON decodes to
// an equal event both with json.Unmarshal and, put back in a V3 envelope,
// with Decode itself.
func FuzzDecode(f *testing.F) {
	golden.Seed(f, dir)
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, err := sleep.Decode(data)
		var de *sleep.DecodeError
		if errors.As(err, &de) {
			if !errors.Is(err, sleep.ErrMalformed) || ev != nil {
				t.Fatalf("refusal %v with event %v", err, ev)
			}
			if de.Offset >= int64(len(data)) || !utf8.ValidString(de.Error()) {
				t.Fatalf("refusal %q at offset %d of %d bytes", de.Error(), de.Offset, len(data))
			}
			return
		}
		if ev == nil {
			t.Fatalf("nil event without a refusal: %v", err)
		}
		if err != nil {
			var ws *vendorhooks.Warnings
			if !errors.As(err, &ws) || errors.Is(err, sleep.ErrMalformed) {
				t.Fatalf("error %v beside an event is not a *vendorhooks.Warnings", err)
			}
		}
		_, all, err := sleep.DecodeWarnings(data)
		if err != nil {
			t.Fatalf("DecodeWarnings refuses what Decode accepts: %v", err)
		}
		for _, w := range all {
			if !utf8.ValidString(w.String()) || w.Offset < 0 || w.Offset >= int64(len(data)) {
				t.Fatalf("warning %q at offset %d", w.String(), w.Offset)
			}
		}
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatalf("accepted %q but cannot re-encode it: %v", data, err)
		}
		if !json.Valid(b) || !utf8.Valid(b) {
			t.Fatalf("accepted %q but its JSON %q is not valid UTF-8 JSON", data, b)
		}
		back := reflect.New(reflect.TypeOf(ev).Elem()).Interface()
		if err := json.Unmarshal(b, back); err != nil {
			t.Fatalf("re-encoded %s does not decode: %v", b, err)
		}
		if diff := cmp.Diff(ev, back, rawJSON); diff != "" {
			t.Fatalf("round trip differs (-decoded +re-decoded):\n%s", diff)
		}
		again, err := sleep.Decode(wire(ev, b))
		if err != nil {
			t.Fatalf("re-encoded %s does not Decode: %v", b, err)
		}
		if diff := cmp.Diff(ev, again, rawJSON); diff != "" {
			t.Fatalf("wire round trip differs (-decoded +re-decoded):\n%s", diff)
		}
	})
}

// wire returns the callback body that carries ev, whose json.Marshal form
// is b: a known event's JSON is its V3 data object, and an Unknown keeps the
// body it came in.
func wire(ev sleep.Event, b []byte) []byte {
	if u, ok := ev.(*sleep.Unknown); ok {
		return u.Raw
	}
	env, err := json.Marshal(map[string]any{"event": ev.Kind(), "version": ev.Meta().Version, "data": json.RawMessage(b)})
	if err != nil {
		panic(err)
	}
	return env
}

// Every golden event survives json.Marshal and Decode (FuzzDecode's check,
// on the named cases).
func TestRoundTrip(t *testing.T) {
	n := 0
	for _, c := range golden.Cases(t, dir) {
		ev, err := sleep.Decode(c.Data)
		if err != nil {
			continue
		}
		b, err := json.Marshal(ev)
		require.NoError(t, err, c.Name)
		again, err := sleep.Decode(wire(ev, b))
		require.NoError(t, err, c.Name)
		assert.Empty(t, cmp.Diff(ev, again, rawJSON), c.Name)
		n++
	}
	assert.Greater(t, n, 10)
}

// Stat marshals second counts as the vendor sends them, and refuses a
// count it cannot write as whole seconds.
func TestStatSeconds(t *testing.T) {
	d := 90 * time.Second
	b, err := json.Marshal(sleep.Stat{SleepLatency: &d})
	require.NoError(t, err)
	assert.Contains(t, string(b), `"sleep_latency":90,`)
	assert.Equal(t, 90*time.Second, d, "the caller's value is untouched")
	var back sleep.Stat
	require.NoError(t, json.Unmarshal(b, &back))
	require.NotNil(t, back.SleepLatency)
	assert.Equal(t, d, *back.SleepLatency)
	assert.Nil(t, back.TimeInBed)

	half := 1500 * time.Millisecond
	_, err = json.Marshal(&sleep.Stat{LongestWASO: &half})
	assert.ErrorContains(t, err, "sleep: stat.longest_waso: 1.5s is not a whole number of seconds")

	// Decode's rules: a value of the wrong type is a warning, the rest is
	// read.
	err = json.Unmarshal([]byte(`{"time_in_bed": "1h", "waso_count": 2}`), &back)
	assert.EqualError(t, err, `sleep: /time_in_bed: want integer seconds, got "1h" (left unset)`)
	assert.False(t, errors.Is(err, sleep.ErrMalformed))
	assert.Nil(t, back.TimeInBed)
	require.NotNil(t, back.WASOCount)
	assert.Equal(t, 2, *back.WASOCount)
	require.NoError(t, json.Unmarshal([]byte(`{"new_field": 1}`), &back), "an unknown member is no error")
	err = back.UnmarshalJSON([]byte(`{"time_in_bed": `))
	assert.ErrorIs(t, err, sleep.ErrMalformed)
}

// TestEventDoesNotAliasInput checks that an event stays intact when the
// body it came from is overwritten (a handler's buffer may be reused).
func TestEventDoesNotAliasInput(t *testing.T) {
	n := 0
	for _, c := range golden.Cases(t, dir) {
		want, err := sleep.Decode(c.Data)
		if err != nil {
			continue
		}
		data := bytes.Clone(c.Data)
		got, err := sleep.Decode(data)
		require.NoError(t, err, c.Name)
		for i := range data {
			data[i] = 'x'
		}
		assert.Empty(t, cmp.Diff(want, got), c.Name)
		n++
	}
	assert.Greater(t, n, 10)
}

// json.Marshal gives the same bytes for an event and for the value it
// points to: every MarshalJSON has a value receiver.
func TestMarshalValueAndPointer(t *testing.T) {
	n := 0
	for _, c := range golden.Cases(t, dir) {
		ev, err := sleep.Decode(c.Data)
		if err != nil {
			continue
		}
		ptr, err := json.Marshal(ev)
		require.NoError(t, err, c.Name)
		val, err := json.Marshal(reflect.ValueOf(ev).Elem().Interface())
		require.NoError(t, err, c.Name)
		assert.Equal(t, string(ptr), string(val), c.Name)
		n++
	}
	assert.Greater(t, n, 10)
}

// An Unknown's Raw is a copy of the body and always valid JSON; it
// marshals as {"kind", "version", "raw"} with the JSON itself, never fails
// to marshal, and unmarshals back.
func TestUnknownRaw(t *testing.T) {
	body := []byte("{\"event\":\"NEW\",\"version\":\"V9\",\"data\":{\"note\":\"caf\xe9 \xff\xfe\",\"n\":[1,2]}}")
	ev, err := sleep.Decode(body)
	assert.EqualError(t, err, "sleep: /data/note: not UTF-8: read as Latin-1")
	u := ev.(*sleep.Unknown)
	assert.Equal(t, "NEW", u.Kind())
	assert.Equal(t, sleep.Version("V9"), u.Version)
	assert.True(t, json.Valid(u.Raw) && utf8.Valid(u.Raw), "%q", u.Raw)
	assert.Contains(t, string(u.Raw), "café ÿþ", "read as Latin-1")
	body[2] = 'X'
	assert.True(t, bytes.HasPrefix(u.Raw, []byte(`{"event"`)), "Raw is a copy")

	b, err := json.Marshal(u)
	require.NoError(t, err)
	assert.JSONEq(t, `{"kind":"NEW","version":"V9","raw":{"event":"NEW","version":"V9","data":{"note":"café ÿþ","n":[1,2]}}}`, string(b))
	var back sleep.Unknown
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Empty(t, cmp.Diff(*u, back, rawJSON))

	// A Raw set by hand that is not JSON marshals as a JSON string, one
	// that is not UTF-8 with its strings read as Latin-1.
	for _, raw := range []string{"not json", "{\"a\":", "\xff", "", "[\"\xe9\\\"\", \"é\"]"} {
		b, err := json.Marshal(sleep.Unknown{Envelope: sleep.Envelope{Event: "X"}, Raw: json.RawMessage(raw)})
		require.NoError(t, err, "%q", raw)
		assert.True(t, json.Valid(b) && utf8.Valid(b), "%q", b)
	}
	b, err = json.Marshal(sleep.Unknown{Envelope: sleep.Envelope{Event: "X"}, Raw: json.RawMessage("[\"\xe9\\\"\", \"é\"]")})
	require.NoError(t, err)
	assert.Contains(t, string(b), `"raw":["é\"","é"]`)
}
