package signage

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vendorhooks/vendorhooks/internal/httpx"
)

// Action is what the signage server does when a trigger arrives.
type Action int

// The actions of the vendor's action table.
const (
	ActionLoadURL           Action = iota + 1 // load a web page on the target
	ActionEnableEmergency                     // switch emergency mode on
	ActionDisableEmergency                    // switch emergency mode off
	ActionRefreshDatasource                   // reload a datasource
	ActionPauseLoop                           // pause the content loop
	ActionResumeLoop                          // resume the content loop
	ActionSendSensorData                      // forward the trigger's sensor data
	ActionRefreshContent                      // reload the content
	ActionRestartDevice                       // restart the device
	ActionAssignContent                       // assign a content to the target
	ActionPreviewContent                      // preview a content on the target
	ActionShowToast                           // show a toast message
	ActionSnooze                              // put the target to sleep
	ActionWakeUp                              // wake the target up
)

var actionNames = [...]string{
	ActionLoadURL:           "load-url",
	ActionEnableEmergency:   "enable-emergency",
	ActionDisableEmergency:  "disable-emergency",
	ActionRefreshDatasource: "refresh-datasource",
	ActionPauseLoop:         "pause-loop",
	ActionResumeLoop:        "resume-loop",
	ActionSendSensorData:    "send-sensor-data",
	ActionRefreshContent:    "refresh-content",
	ActionRestartDevice:     "restart-device",
	ActionAssignContent:     "assign-content",
	ActionPreviewContent:    "preview-content",
	ActionShowToast:         "show-toast",
	ActionSnooze:            "snooze",
	ActionWakeUp:            "wake-up",
}

// String returns the action's name ("load-url"), or "Action(N)" for a value
// that is not an action.
func (a Action) String() string { return enumString(actionNames[:], a, "Action") }

func (a Action) valid() bool { return enumValid(actionNames[:], a) }

// ParseAction returns the action named s, as String writes it.
func ParseAction(s string) (Action, error) { return enumParse[Action](actionNames[:], s, "action") }

// MarshalText writes the action's name, so actions read well in JSON.
func (a Action) MarshalText() ([]byte, error) { return enumMarshal(actionNames[:], a, "action") }

// UnmarshalText reads an action's name.
func (a *Action) UnmarshalText(b []byte) error { return enumUnmarshal(actionNames[:], a, b, "action") }

// TargetKind says which devices an action reaches.
type TargetKind int

// The targets of the vendor's action table.
const (
	TargetAll    TargetKind = iota + 1 // every device
	TargetDevice                       // one device, by id
	TargetGroup                        // a device group, by id
	TargetTag                          // the devices with a tag
)

var targetNames = [...]string{
	TargetAll:    "all",
	TargetDevice: "device",
	TargetGroup:  "group",
	TargetTag:    "tag",
}

// String returns the kind's name ("device"), or "TargetKind(N)" for a value
// that is not a kind.
func (k TargetKind) String() string { return enumString(targetNames[:], k, "TargetKind") }

func (k TargetKind) valid() bool { return enumValid(targetNames[:], k) }

// ParseTargetKind returns the kind named s, as String writes it.
func ParseTargetKind(s string) (TargetKind, error) {
	return enumParse[TargetKind](targetNames[:], s, "target kind")
}

// MarshalText writes the kind's name.
func (k TargetKind) MarshalText() ([]byte, error) {
	return enumMarshal(targetNames[:], k, "target kind")
}

// UnmarshalText reads a kind's name.
func (k *TargetKind) UnmarshalText(b []byte) error {
	return enumUnmarshal(targetNames[:], k, b, "target kind")
}

// Target is the devices an action reaches.
type Target struct {
	Kind TargetKind `json:"kind"`
	// ID is the device id, the group id or the tag; empty for TargetAll.
	ID string `json:"id,omitempty"`
}

// AllDevices returns the target of every device.
func AllDevices() Target { return Target{Kind: TargetAll} }

// Device returns the target of the device with id.
func Device(id string) Target { return Target{Kind: TargetDevice, ID: id} }

// Group returns the target of the device group with id.
func Group(id string) Target { return Target{Kind: TargetGroup, ID: id} }

// Tag returns the target of the devices tagged tag.
func Tag(tag string) Target { return Target{Kind: TargetTag, ID: tag} }

// String returns "all" or the kind and id ("device:lobby-1").
func (t Target) String() string {
	if t.Kind == TargetAll {
		return t.Kind.String()
	}
	return t.Kind.String() + ":" + t.ID
}

// Rule is one row of an action table: what to do, where, and the parameters
// the action needs.
type Rule struct {
	Action Action `json:"action"`
	Target Target `json:"target"`
	// URL is the page ActionLoadURL loads (absolute http or https).
	URL string `json:"url,omitempty"`
	// ContentID is the content ActionAssignContent and ActionPreviewContent
	// show.
	ContentID string `json:"content_id,omitempty"`
	// Message is the text ActionShowToast shows.
	Message string `json:"message,omitempty"`
	// Duration is how long ActionShowToast shows its message or
	// ActionSnooze sleeps; zero leaves it to the device (for a snooze: until
	// ActionWakeUp). In JSON it is a Go duration string ("30s").
	Duration time.Duration `json:"-"`
}

// ruleJSON is Rule's JSON form.
type ruleJSON struct {
	ruleFields
	Duration string `json:"duration,omitempty"`
}

// ruleFields is Rule without its methods, so that encoding it does not
// recurse.
type ruleFields Rule

func (r Rule) toJSON() ruleJSON {
	j := ruleJSON{ruleFields: ruleFields(r)}
	if r.Duration != 0 {
		j.Duration = r.Duration.String()
	}
	return j
}

func (j ruleJSON) rule() (Rule, error) {
	r := Rule(j.ruleFields)
	if j.Duration != "" {
		d, err := time.ParseDuration(j.Duration)
		if err != nil {
			return Rule{}, fmt.Errorf("signage: rule duration: %w", err)
		}
		r.Duration = d
	}
	return r, nil
}

// MarshalJSON writes the rule with its duration as a string ("30s").
func (r Rule) MarshalJSON() ([]byte, error) { return json.Marshal(r.toJSON()) }

// UnmarshalJSON reads a rule whose duration is a Go duration string.
func (r *Rule) UnmarshalJSON(b []byte) error {
	var j ruleJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	v, err := j.rule()
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// Validate reports whether the rule can be carried out: a known action and
// target, an id for every target but TargetAll, and the parameter its action
// needs.
func (r Rule) Validate() error {
	if !r.Action.valid() {
		return fmt.Errorf("signage: invalid action %d", int(r.Action))
	}
	switch {
	case !r.Target.Kind.valid():
		return fmt.Errorf("signage: %v: invalid target kind %d", r.Action, int(r.Target.Kind))
	case r.Target.Kind == TargetAll && r.Target.ID != "":
		return fmt.Errorf("signage: %v: target all takes no id", r.Action)
	case r.Target.Kind != TargetAll && r.Target.ID == "":
		return fmt.Errorf("signage: %v: target %v needs an id", r.Action, r.Target.Kind)
	case r.Duration < 0:
		return fmt.Errorf("signage: %v: negative duration", r.Action)
	}
	switch r.Action {
	case ActionLoadURL:
		u, err := url.Parse(r.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("signage: %v: url must be an absolute http or https URL", r.Action)
		}
	case ActionAssignContent, ActionPreviewContent:
		if r.ContentID == "" {
			return fmt.Errorf("signage: %v: needs a content id", r.Action)
		}
	case ActionShowToast:
		if r.Message == "" {
			return fmt.Errorf("signage: %v: needs a message", r.Action)
		}
	}
	return nil
}

// Command is a trigger resolved through an action table: the rule of its
// event id, and the sensor data it brought.
type Command struct {
	EventID string `json:"event_id"`
	Rule
	// Sensor is the trigger's sensor data; never nil for
	// ActionSendSensorData.
	Sensor *SensorData `json:"sensor_data,omitempty"`
}

// commandJSON is Command's JSON form: the event id, the rule's fields and the
// sensor data side by side.
type commandJSON struct {
	EventID string `json:"event_id"`
	ruleJSON
	Sensor *SensorData `json:"sensor_data,omitempty"`
}

// MarshalJSON writes the command as its event id, its rule's fields and its
// sensor data in one object.
func (c Command) MarshalJSON() ([]byte, error) {
	return json.Marshal(commandJSON{EventID: c.EventID, ruleJSON: c.Rule.toJSON(), Sensor: c.Sensor})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (c *Command) UnmarshalJSON(b []byte) error {
	var j commandJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	r, err := j.rule()
	if err != nil {
		return err
	}
	*c = Command{EventID: j.EventID, Rule: r, Sensor: j.Sensor}
	return nil
}

// ErrNoSensorData reports a trigger for an ActionSendSensorData rule that
// carries no sensor_data. The handler answers it with 400.
var ErrNoSensorData = errors.New("signage: event sends sensor data but the trigger has none")

// Actions is an action table: the rule of each event id, as configured on
// the vendor's server.
type Actions map[string]Rule

// Validate reports the first invalid rule (in no set order), naming its
// event id.
func (a Actions) Validate() error {
	for id, r := range a {
		if id == "" {
			return errors.New("signage: action table has an empty event id")
		}
		if err := r.Validate(); err != nil {
			return fmt.Errorf("signage: event %q: %s", id, strings.TrimPrefix(err.Error(), "signage: "))
		}
	}
	return nil
}

// Resolve returns the command trigger t starts: its event id's rule and its
// sensor data. An event id not in the table is an error matching
// ErrUnknownEvent (which quotes at most about 32 bytes of the id); an ActionSendSensorData rule without sensor data is
// ErrNoSensorData.
func (a Actions) Resolve(t Trigger) (Command, error) {
	r, ok := a[t.EventID]
	if !ok {
		return Command{}, fmt.Errorf("%w %s", ErrUnknownEvent, httpx.Quote(t.EventID))
	}
	if r.Action == ActionSendSensorData && t.Sensor == nil {
		return Command{}, ErrNoSensorData
	}
	return Command{EventID: t.EventID, Rule: r, Sensor: t.Sensor}, nil
}

// The enums below share these helpers: names[v] is the name of value v, and
// names[0] is "" (zero is never a valid value).

func enumValid[T ~int](names []string, v T) bool { return v > 0 && int(v) < len(names) }

func enumString[T ~int](names []string, v T, typ string) string {
	if enumValid(names, v) {
		return names[v]
	}
	return typ + "(" + strconv.Itoa(int(v)) + ")"
}

func enumParse[T ~int](names []string, s, what string) (T, error) {
	for i := 1; i < len(names); i++ {
		if names[i] == s {
			return T(i), nil
		}
	}
	return 0, fmt.Errorf("signage: unknown %s %q", what, s)
}

func enumMarshal[T ~int](names []string, v T, what string) ([]byte, error) {
	if !enumValid(names, v) {
		return nil, fmt.Errorf("signage: invalid %s %d", what, int(v))
	}
	return []byte(names[v]), nil
}

func enumUnmarshal[T ~int](names []string, v *T, b []byte, what string) error {
	p, err := enumParse[T](names, string(b), what)
	if err != nil {
		return err
	}
	*v = p
	return nil
}
