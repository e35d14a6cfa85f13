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

func TestGolden(t *testing.T) {
	golden.Run(t, dir, func(c golden.Case) (any, error) {
		ev, err := sleep.Decode(c.Data)
		if err != nil {
			assert.ErrorIs(t, err, sleep.ErrMalformed)
			var de *sleep.DecodeError
			assert.ErrorAs(t, err, &de)
			return nil, err
		}
		return ev, nil
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
	_, err = sleep.Decode(bad)
	assert.EqualError(t, err, `sleep: /data/session/start_time: want RFC 3339 time with offset, got "2025-01-15T02:50:29+0000"`)
}

// Every refusal is a *DecodeError matching ErrMalformed, with the JSON
// Pointer of the offending value and its offset where known (-1 otherwise);
// "at" is what the body holds at that offset.
func TestDecodeErrorPath(t *testing.T) {
	for _, tt := range []struct {
		name, path string
		at         string // prefix of the body at Offset; "" for -1
	}{
		{"malformed_v1_nested_type", "/callback_data/sleep_data/stat/waso_count", "true"},
		{"malformed_stage_float", "/data/sleep_stages/1", "1.5"},
		{"malformed_stages_object", "/data/sleep_stages", "{"},
		{"malformed_stat_array", "/data/stat", "[]"},
		{"malformed_event_number", "/event", "1,"},
		{"malformed_seq_num_string", "/data/seq_num", `"`},
		{"malformed_not_object", "", "["},
		{"malformed_trailing_comma", "", "}"},
		{"malformed_cycle_time_null", "/data/stat/sleep_cycle_time/1", ""},
		{"malformed_bad_start_time", "/data/session/start_time", ""},
		{"malformed_duration_overflow", "/data/stat/time_in_bed", ""},
		{"malformed_missing_data", "/data", ""},
		{"malformed_both_data", "", ""},
		{"malformed_empty", "", ""},
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

// A path in a sleep cycle carries the cycle's index.
func TestDecodeErrorCycleIndex(t *testing.T) {
	body := []byte(`{"event":"SESSION_COMPLETE","version":"V3","data":{"stat":{"sleep_cycle":[
		{"order":1,"start_time":"2025-01-15T23:02:00+09:00","end_time":"2025-01-15T23:09:30+09:00"},
		{"order":"2","start_time":"2025-01-15T23:02:00+09:00","end_time":"2025-01-15T23:09:30+09:00"}]}}}`)
	_, err := sleep.Decode(body)
	var de *sleep.DecodeError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, "/data/stat/sleep_cycle/1/order", de.Path)
	assert.True(t, bytes.HasPrefix(body[de.Offset:], []byte(`"2"`)))

	body = bytes.Replace(body, []byte(`"order":"2","start_time":"2025-01-15T23:02:00+09:00"`), []byte(`"order":2,"start_time":null`), 1)
	_, err = sleep.Decode(body)
	require.ErrorAs(t, err, &de)
	assert.Equal(t, "/data/stat/sleep_cycle/1/start_time", de.Path)
	assert.Equal(t, int64(-1), de.Offset)
}

// Messages quote at most about 32 bytes of the body.
func TestDecodeErrorShort(t *testing.T) {
	long := strings.Repeat("9", 500)
	for _, body := range []string{
		`{"event":"SESSION_COMPLETE","data":{"session":{"start_time":"` + long + `"}}}`,
		`{"event":"SESSION_COMPLETE","data":{"session":{"start_time":` + long + `}}}`,
		`{"event":"SESSION_COMPLETE","data":{"seq_num":0.` + long + `}}`,
		`{"event":"` + long + `","callback_event":"x"}`,
	} {
		_, err := sleep.Decode([]byte(body))
		require.ErrorIs(t, err, sleep.ErrMalformed)
		assert.Less(t, len(err.Error()), 200, err.Error())
	}
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
// compacts them, and a nil one comes back as null.
var rawJSON = cmp.Transformer("rawJSON", func(r json.RawMessage) any {
	var v any
	if len(r) == 0 {
		return nil
	}
	if json.Unmarshal(r, &v) != nil {
		return string(r)
	}
	return v
})

// FuzzDecode checks that Decode never panics, fails only with a
// *DecodeError, and that what it accepts re-encodes with json.Marshal to
// JSON that decodes to an equal event both with json.Unmarshal and, put
// back in a V3 envelope, with Decode itself.
func FuzzDecode(f *testing.F) {
	golden.Seed(f, dir)
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, err := sleep.Decode(data)
		if err != nil {
			if !errors.Is(err, sleep.ErrMalformed) {
				t.Fatalf("error %v does not match ErrMalformed", err)
			}
			return
		}
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatalf("accepted %q but cannot re-encode it: %v", data, err)
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

	err = json.Unmarshal([]byte(`{"time_in_bed": "1h"}`), &back)
	assert.EqualError(t, err, "sleep: /time_in_bed (offset 16): want integer seconds, got string")
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
	require.NoError(t, err)
	u := ev.(*sleep.Unknown)
	assert.Equal(t, "NEW", u.Kind())
	assert.Equal(t, sleep.Version("V9"), u.Version)
	assert.True(t, json.Valid(u.Raw) && utf8.Valid(u.Raw), "%q", u.Raw)
	assert.Contains(t, string(u.Raw), "caf\uFFFD \uFFFD")
	body[2] = 'X'
	assert.True(t, bytes.HasPrefix(u.Raw, []byte(`{"event"`)), "Raw is a copy")

	b, err := json.Marshal(u)
	require.NoError(t, err)
	assert.JSONEq(t, `{"kind":"NEW","version":"V9","raw":{"event":"NEW","version":"V9","data":{"note":"caf\ufffd \ufffd","n":[1,2]}}}`, string(b))
	var back sleep.Unknown
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Empty(t, cmp.Diff(*u, back, rawJSON))

	// A Raw set by hand that is not JSON marshals as a JSON string.
	for _, raw := range []string{"not json", "{\"a\":", "\xff", ""} {
		b, err := json.Marshal(sleep.Unknown{Envelope: sleep.Envelope{Event: "X"}, Raw: json.RawMessage(raw)})
		require.NoError(t, err, "%q", raw)
		assert.True(t, json.Valid(b) && utf8.Valid(b), "%q", b)
	}
}
