package signage_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/signage"
)

func TestActionNames(t *testing.T) {
	want := []string{"load-url", "enable-emergency", "disable-emergency", "refresh-datasource", "pause-loop",
		"resume-loop", "send-sensor-data", "refresh-content", "restart-device", "assign-content",
		"preview-content", "show-toast", "snooze", "wake-up"}
	var got []string
	for a := signage.ActionLoadURL; a <= signage.ActionWakeUp; a++ {
		got = append(got, a.String())
		back, err := signage.ParseAction(a.String())
		require.NoError(t, err)
		assert.Equal(t, a, back)
		b, err := a.MarshalText()
		require.NoError(t, err)
		var u signage.Action
		require.NoError(t, u.UnmarshalText(b))
		assert.Equal(t, a, u)
	}
	assert.Equal(t, want, got)
	assert.Equal(t, "Action(0)", signage.Action(0).String())
	assert.Equal(t, "Action(15)", signage.Action(15).String())
	_, err := signage.Action(0).MarshalText()
	assert.Error(t, err)
	_, err = signage.ParseAction("Load URL")
	assert.EqualError(t, err, `signage: unknown action "Load URL"`)
}

func TestTargetNames(t *testing.T) {
	var got []string
	for k := signage.TargetAll; k <= signage.TargetTag; k++ {
		got = append(got, k.String())
		back, err := signage.ParseTargetKind(k.String())
		require.NoError(t, err)
		assert.Equal(t, k, back)
	}
	assert.Equal(t, []string{"all", "device", "group", "tag"}, got)
	assert.Equal(t, "TargetKind(9)", signage.TargetKind(9).String())
	_, err := signage.TargetKind(0).MarshalText()
	assert.Error(t, err)
	var k signage.TargetKind
	assert.Error(t, k.UnmarshalText([]byte("everyone")))
	assert.Equal(t, "all", signage.AllDevices().String())
	assert.Equal(t, "device:d1", signage.Device("d1").String())
	assert.Equal(t, "group:g1", signage.Group("g1").String())
	assert.Equal(t, "tag:lobby", signage.Tag("lobby").String())
}

// TestActionsFromJSON checks that a table reads from configuration JSON with
// readable names.
func TestActionsFromJSON(t *testing.T) {
	var table signage.Actions
	require.NoError(t, json.Unmarshal([]byte(`{
		"quake": {"action": "enable-emergency", "target": {"kind": "all"}},
		"menu":  {"action": "load-url", "target": {"kind": "device", "id": "d7"}, "url": "https://example.com/m"}
	}`), &table))
	require.NoError(t, table.Validate())
	assert.Equal(t, signage.Actions{
		"quake": {Action: signage.ActionEnableEmergency, Target: signage.AllDevices()},
		"menu":  {Action: signage.ActionLoadURL, Target: signage.Device("d7"), URL: "https://example.com/m"},
	}, table)
	b, err := json.Marshal(table["quake"])
	require.NoError(t, err)
	assert.JSONEq(t, `{"action":"enable-emergency","target":{"kind":"all"}}`, string(b))
	assert.Error(t, json.Unmarshal([]byte(`{"x": {"action": "explode"}}`), &table))
	assert.Error(t, json.Unmarshal([]byte(`{"x": {"action": "snooze", "target": {"kind": "all"}, "duration": "soon"}}`), &table))
}

func TestRuleAndCommandJSON(t *testing.T) {
	r := signage.Rule{Action: signage.ActionSnooze, Target: signage.Tag("night"), Duration: 90 * time.Minute}
	b, err := json.Marshal(r)
	require.NoError(t, err)
	assert.JSONEq(t, `{"action":"snooze","target":{"kind":"tag","id":"night"},"duration":"1h30m0s"}`, string(b))
	var back signage.Rule
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, r, back)

	c := signage.Command{EventID: "e", Rule: r, Sensor: &signage.SensorData{ID: "s"}}
	b, err = json.Marshal(c)
	require.NoError(t, err)
	assert.JSONEq(t, `{"event_id":"e","action":"snooze","target":{"kind":"tag","id":"night"},"duration":"1h30m0s","sensor_data":{"id":"s"}}`, string(b))
	var cback signage.Command
	require.NoError(t, json.Unmarshal(b, &cback))
	assert.Equal(t, c, cback)
	assert.Error(t, json.Unmarshal([]byte(`{"event_id":"e","duration":"x"}`), &cback))
}

func TestRuleValidate(t *testing.T) {
	all := signage.AllDevices()
	for _, tc := range []struct {
		rule signage.Rule
		err  string // "" for valid
	}{
		{signage.Rule{Action: signage.ActionRestartDevice, Target: signage.Device("d1")}, ""},
		{signage.Rule{Action: signage.ActionShowToast, Target: all, Message: "hi"}, ""},
		{signage.Rule{Action: signage.ActionAssignContent, Target: signage.Tag("t"), ContentID: "c1"}, ""},
		{signage.Rule{Action: signage.ActionLoadURL, Target: all, URL: "http://x.example/p"}, ""},
		{signage.Rule{Action: 0, Target: all}, "signage: invalid action 0"},
		{signage.Rule{Action: signage.ActionPauseLoop}, "signage: pause-loop: invalid target kind 0"},
		{signage.Rule{Action: signage.ActionPauseLoop, Target: signage.Target{Kind: signage.TargetAll, ID: "x"}}, "signage: pause-loop: target all takes no id"},
		{signage.Rule{Action: signage.ActionPauseLoop, Target: signage.Group("")}, "signage: pause-loop: target group needs an id"},
		{signage.Rule{Action: signage.ActionSnooze, Target: all, Duration: -1}, "signage: snooze: negative duration"},
		{signage.Rule{Action: signage.ActionLoadURL, Target: all, URL: "/relative"}, "signage: load-url: url must be an absolute http or https URL"},
		{signage.Rule{Action: signage.ActionLoadURL, Target: all, URL: "javascript:alert(1)"}, "signage: load-url: url must be an absolute http or https URL"},
		{signage.Rule{Action: signage.ActionPreviewContent, Target: all}, "signage: preview-content: needs a content id"},
		{signage.Rule{Action: signage.ActionShowToast, Target: all}, "signage: show-toast: needs a message"},
	} {
		err := tc.rule.Validate()
		if tc.err == "" {
			assert.NoError(t, err, "%+v", tc.rule)
		} else {
			assert.EqualError(t, err, tc.err)
		}
	}
	err := signage.Actions{"e1": {Action: signage.ActionShowToast, Target: all}}.Validate()
	assert.EqualError(t, err, `signage: event "e1": show-toast: needs a message`)
}

func TestResolve(t *testing.T) {
	cmd, err := testActions.Resolve(signage.Trigger{EventID: "show-menu"})
	require.NoError(t, err)
	assert.Equal(t, signage.Command{EventID: "show-menu", Rule: testActions["show-menu"]}, cmd)

	_, err = testActions.Resolve(signage.Trigger{EventID: "nope"})
	assert.ErrorIs(t, err, signage.ErrUnknownEvent)
	assert.EqualError(t, err, `signage: unknown event id "nope"`)
	_, err = testActions.Resolve(signage.Trigger{EventID: "sensor-temp"})
	assert.ErrorIs(t, err, signage.ErrNoSensorData)
}
