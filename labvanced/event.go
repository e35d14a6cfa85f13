// Package labvanced receives the Labvanced External Data Storage webhooks:
// the experiment player's POSTs that carry a participant's session, trials
// and recorded files to the researcher's own server.
//
// The package has three layers, each usable alone:
//
//   - Types: one event per route (*RecordTrial, *AddMetaInfo, ...) under the
//     sealed Event interface, and *Unknown for a route this package does not
//     know, so a new route never breaks a receiver.
//   - Decode, which reads a route's body as JSON or as the jQuery form body
//     the player really sends (var_data[browserSpec]=Chrome).
//   - New (and NewHandler), an http.Handler for the whole study URL path: it answers
//     CORS, decodes each route, streams /file_upload to a FileStore, calls
//     your function and answers the way the player expects.
//
// Numbers may arrive as strings, flags as "true"/"false" and instants as
// "2024-03-05 14:07:33+01" or Unix seconds: the types hide the difference.
// ExpSessionNr is a string in every event, as the spec lists it: a session
// id that is a JSON number is kept as the number's text ("982345").
//
// Decoding follows the tolerant-reader rule of every vendorhooks package
// (see Decode): a body is refused only when it cannot be parsed at all, is
// nested deeper than 64 levels or arrives on a route longer than 64 bytes;
// anything else is delivered, with a vendorhooks.Warning for each value of
// an unexpected type, duplicate key, text that is not UTF-8 (read as
// Latin-1) and unknown member (kept in the type's Extra). The player
// retries a refused /recordTrial without end, and Labvanced keeps no copy
// of trial data, so a refusal costs the trial.
package labvanced

import (
	"encoding/json"
	"maps"
	"slices"
	"time"
)

// Routes, as the last element of the request path.
const (
	RouteStartExpPlayer              = "startExpPlayer"
	RouteStartFirstPlayerSession     = "startFirstPlayerSession"
	RouteSetPlayerSessionStartedTime = "setPlayerSessionStartedTime"
	RouteAddMetaInfo                 = "addMetaInfo"
	RouteRecordStartTask             = "recordStartTask"
	RouteRecordTrial                 = "recordTrial"
	RouteFinishExpSession            = "finishExpSession"
	RouteErrExpSession               = "errExpSession"
	RouteFileUpload                  = "file_upload"
)

// Event is one request of the player. Its concrete type is one of the
// pointer types in this package; the set is closed.
type Event interface {
	// Kind returns the route the event arrived on ("recordTrial",
	// "file_upload"), or the unknown route for *Unknown.
	Kind() string
	event()
}

// Unknown is a request to a route this package does not know, kept whole.
// It marshals as {"kind": route, "raw": the body's JSON}.
//
// Its route is in Route, not in a field named Kind as in the other vendor
// packages' Unknown: Go does not allow a field and a method of one name,
// and Kind() is the Event method every event has.
type Unknown struct {
	// Route is the last path element, without slashes: what Kind returns.
	Route string `json:"kind"`
	// Raw is a copy of the body as JSON, always valid JSON and valid
	// UTF-8, owned by the Unknown: a JSON body as it arrived (duplicate
	// keys included; a string that is not UTF-8 read as Latin-1, with a
	// warning), a form body as its JSON object (every value a string, as
	// the form carries them), anything else (a multipart body, text that is
	// neither) as one JSON string (Latin-1 where it is not UTF-8). A body
	// nested deeper than 64 levels is refused, as on a known route.
	Raw json.RawMessage `json:"raw"`
}

// StartExpPlayer is /startExpPlayer (spec 3.1), which the player sends to
// Labvanced only; it is here for completeness.
type StartExpPlayer struct {
	ExpID       int              `json:"expId"`
	IsTestrun   *bool            `json:"isTestrun,omitempty"`
	SubjectCode string           `json:"subject_code,omitempty"`
	Token       string           `json:"token,omitempty"`
	AskSubjData bool             `json:"askSubjData"`
	Extra       map[string]Value `json:"-"` // members this package does not know
}

// StartFirstPlayerSession is /startFirstPlayerSession (3.2): group and
// session selection, with the pre-study survey.
type StartFirstPlayerSession struct {
	ExpID            int              `json:"expId"`
	ExpSessionNr     string           `json:"expSessionNr"`
	SubjectCode      string           `json:"subject_code,omitempty"`
	Token            string           `json:"token,omitempty"`
	SurveyData       *SurveyData      `json:"survey_data,omitempty"`
	IsTestrun        bool             `json:"isTestrun"`
	RunOnlyGroupNr   *int             `json:"runOnlyGroupNr,omitempty"`   // nil when absent or false
	RunOnlySessionNr *int             `json:"runOnlySessionNr,omitempty"` // nil when absent or false
	GroupNr          int              `json:"groupNr"`
	SessionNr        int              `json:"sessionNr"`
	GroupName        string           `json:"group_name"`
	SessionName      string           `json:"session_name"`
	ExperimentName   string           `json:"experiment_name"`
	Extra            map[string]Value `json:"-"`
}

// SurveyData is the pre-study questionnaire of /startFirstPlayerSession.
type SurveyData struct {
	SelectedGender   string           `json:"selectedGender,omitempty"`
	SelectedAge      *int             `json:"selectedAge,omitempty"`
	SelectedCountry  string           `json:"selectedCountry,omitempty"`
	SelectedLanguage string           `json:"selectedLanguage,omitempty"`
	Extra            map[string]Value `json:"-"` // answers this package does not know
}

// SetPlayerSessionStartedTime is /setPlayerSessionStartedTime (3.3), sent
// when the participant presses "Start Experiment".
type SetPlayerSessionStartedTime struct {
	ExpID        int              `json:"expId"`
	ExpSessionNr string           `json:"expSessionNr"`
	StartTime    time.Time        `json:"start_time"`
	SessionNr    *int             `json:"sessionNr,omitempty"` // the player may send it empty
	GroupNr      int              `json:"groupNr"`
	Token        string           `json:"token,omitempty"`
	Extra        map[string]Value `json:"-"`
}

// AddMetaInfo is /addMetaInfo (3.4): browser, screen and crowdsourcing
// details.
type AddMetaInfo struct {
	ExpID        int              `json:"expId"`
	ExpSessionNr string           `json:"expSessionNr"`
	VarData      VarData          `json:"var_data"`
	Extra        map[string]Value `json:"-"`
}

// VarData is the meta information of /addMetaInfo and /finishExpSession.
// Fields the player did not send are zero (nil for pointers).
type VarData struct {
	BrowserSpec         string           `json:"browserSpec,omitempty"`
	VersionSpec         string           `json:"versionSpec,omitempty"`
	SystemSpec          string           `json:"systemSpec,omitempty"`
	AgentSpec           string           `json:"agentSpec,omitempty"`
	Fullscreen          *bool            `json:"fullscreen,omitempty"`
	TimeDelayMean       *float64         `json:"timeDelayMean,omitempty"` // milliseconds
	TimeDelayStd        *float64         `json:"timeDelayStd,omitempty"`  // milliseconds
	CrowdsourcingCode   string           `json:"crowdsourcingCode,omitempty"`
	CrowdsourcingSubjID string           `json:"crowdsourcinSubjId,omitempty"` // the spec's spelling; crowdsourcingSubjId is read too
	SubjCounterGlobal   *int             `json:"subjCounterGlobal,omitempty"`
	SubjCounterPerGroup []int            `json:"subjCounterPerGroup,omitempty"` // "subjCounterPer Group" is read too
	RoleID              *int             `json:"roleId,omitempty"`
	MultiUserGroupID    string           `json:"multiUserGroupId,omitempty"`
	DisplayedLanguage   string           `json:"displayedLanguage,omitempty"`
	PixelDensityPerMM   *float64         `json:"pixelDensityPerMM,omitempty"`
	ScreenHeight        *int             `json:"screenHeight,omitempty"`
	ScreenWidth         *int             `json:"screenWidth,omitempty"`
	WindowHeight        *int             `json:"windowHeight,omitempty"`
	WindowWidth         *int             `json:"windowWidth,omitempty"`
	Extra               map[string]Value `json:"-"`
}

// RecordStartTask is /recordStartTask (3.5), sent when a task starts.
type RecordStartTask struct {
	ExpID        int              `json:"expId"`
	ExpSessionNr string           `json:"expSessionNr"`
	BlockNr      int              `json:"blockNr"`
	BlockID      string           `json:"blockId"`
	BlockName    string           `json:"blockName"`
	TaskNr       int              `json:"taskNr"`
	TaskID       string           `json:"taskId"`
	RecTaskID    int              `json:"recTaskId"`
	TaskName     string           `json:"taskName"`
	StartTime    time.Time        `json:"start_time"`
	Extra        map[string]Value `json:"-"`
}

// RecordTrial is /recordTrial (3.6): the data of one trial. The player
// retries it until the answer is not success:false.
type RecordTrial struct {
	ExpID        int              `json:"expId"`
	ExpSessionNr string           `json:"expSessionNr"`
	RecTaskID    int              `json:"recTaskId"`
	TaskID       string           `json:"taskId"`
	TrialNr      int              `json:"trialNr"` // the spec's "trailNr" is read too
	RecData      RecData          `json:"recData"`
	Extra        map[string]Value `json:"-"`
}

// RecData is the recorded data of a trial.
type RecData struct {
	// Data maps each user-defined variable to its value.
	Data  map[string]Value `json:"data,omitempty"`
	Scope string           `json:"scope,omitempty"` // "trial"
	Extra map[string]Value `json:"-"`
}

// FinishExpSession is /finishExpSession (3.7): the session ended well.
type FinishExpSession struct {
	ExpID         int              `json:"expId"`
	ExpSessionNr  string           `json:"expSessionNr"`
	EndTime       time.Time        `json:"end_time"`
	VarData       VarData          `json:"var_data"`
	NextStartTime *time.Time       `json:"nextStartTime,omitempty"`
	NextEndTime   *time.Time       `json:"nextEndTime,omitempty"`
	ReminderTime  string           `json:"reminderTime,omitempty"`
	SelectedEmail string           `json:"selectedEmail,omitempty"`
	EmailReminder string           `json:"emailReminder,omitempty"`
	Extra         map[string]Value `json:"-"`
}

// ErrExpSession is /errExpSession (3.8): the session was aborted. The player
// may send expId and expSessionNr empty; they are nil and "" then.
type ErrExpSession struct {
	ExpID        *int             `json:"expId,omitempty"`
	ExpSessionNr string           `json:"expSessionNr,omitempty"`
	ErrMsg       string           `json:"err_msg"`
	Extra        map[string]Value `json:"-"`
}

// FileUpload is /file_upload (3.9): a recorded file. The handler passes it
// to your function after the file is stored and synced.
type FileUpload struct {
	ExpSessionNr string           `json:"expSessionNr"`
	NewFileName  string           `json:"newFileName"`            // name the player suggested (untrusted)
	GUID         string           `json:"file_guid,omitempty"`    // uuid v4 given to the file
	FileName     string           `json:"file_name,omitempty"`    // name the store used
	Size         int64            `json:"size"`                   // bytes of myFile
	SHA256       string           `json:"sha256"`                 // hex SHA-256 of myFile
	ContentType  string           `json:"contentType,omitempty"`  // of the myFile part, as sent
	PartFileName string           `json:"partFileName,omitempty"` // filename of the myFile part, as sent
	Extra        map[string]Value `json:"-"`
}

func (*Unknown) event()                     {}
func (*StartExpPlayer) event()              {}
func (*StartFirstPlayerSession) event()     {}
func (*SetPlayerSessionStartedTime) event() {}
func (*AddMetaInfo) event()                 {}
func (*RecordStartTask) event()             {}
func (*RecordTrial) event()                 {}
func (*FinishExpSession) event()            {}
func (*ErrExpSession) event()               {}
func (*FileUpload) event()                  {}

// Kind returns the route.
func (e *Unknown) Kind() string { return e.Route }

// Kind returns "startExpPlayer".
func (*StartExpPlayer) Kind() string { return RouteStartExpPlayer }

// Kind returns "startFirstPlayerSession".
func (*StartFirstPlayerSession) Kind() string { return RouteStartFirstPlayerSession }

// Kind returns "setPlayerSessionStartedTime".
func (*SetPlayerSessionStartedTime) Kind() string { return RouteSetPlayerSessionStartedTime }

// Kind returns "addMetaInfo".
func (*AddMetaInfo) Kind() string { return RouteAddMetaInfo }

// Kind returns "recordStartTask".
func (*RecordStartTask) Kind() string { return RouteRecordStartTask }

// Kind returns "recordTrial".
func (*RecordTrial) Kind() string { return RouteRecordTrial }

// Kind returns "finishExpSession".
func (*FinishExpSession) Kind() string { return RouteFinishExpSession }

// Kind returns "errExpSession".
func (*ErrExpSession) Kind() string { return RouteErrExpSession }

// Kind returns "file_upload".
func (*FileUpload) Kind() string { return RouteFileUpload }

// The MarshalJSON methods write the members of Extra beside the known
// fields, so the JSON of an event is the payload Decode read (numbers and
// flags in their JSON form, instants in RFC 3339).

// MarshalJSON writes e with its Extra members inline.
func (e StartExpPlayer) MarshalJSON() ([]byte, error) {
	type plain StartExpPlayer
	return inline(plain(e), e.Extra)
}

// MarshalJSON writes e with its Extra members inline.
func (e StartFirstPlayerSession) MarshalJSON() ([]byte, error) {
	type plain StartFirstPlayerSession
	return inline(plain(e), e.Extra)
}

// MarshalJSON writes s with its Extra members inline.
func (s SurveyData) MarshalJSON() ([]byte, error) {
	type plain SurveyData
	return inline(plain(s), s.Extra)
}

// MarshalJSON writes e with its Extra members inline.
func (e SetPlayerSessionStartedTime) MarshalJSON() ([]byte, error) {
	type plain SetPlayerSessionStartedTime
	return inline(plain(e), e.Extra)
}

// MarshalJSON writes e with its Extra members inline.
func (e AddMetaInfo) MarshalJSON() ([]byte, error) {
	type plain AddMetaInfo
	return inline(plain(e), e.Extra)
}

// MarshalJSON writes v with its Extra members inline.
func (v VarData) MarshalJSON() ([]byte, error) {
	type plain VarData
	return inline(plain(v), v.Extra)
}

// MarshalJSON writes e with its Extra members inline.
func (e RecordStartTask) MarshalJSON() ([]byte, error) {
	type plain RecordStartTask
	return inline(plain(e), e.Extra)
}

// MarshalJSON writes e with its Extra members inline.
func (e RecordTrial) MarshalJSON() ([]byte, error) {
	type plain RecordTrial
	return inline(plain(e), e.Extra)
}

// MarshalJSON writes r with its Extra members inline.
func (r RecData) MarshalJSON() ([]byte, error) {
	type plain RecData
	return inline(plain(r), r.Extra)
}

// MarshalJSON writes e with its Extra members inline.
func (e FinishExpSession) MarshalJSON() ([]byte, error) {
	type plain FinishExpSession
	return inline(plain(e), e.Extra)
}

// MarshalJSON writes e with its Extra members inline.
func (e ErrExpSession) MarshalJSON() ([]byte, error) {
	type plain ErrExpSession
	return inline(plain(e), e.Extra)
}

// MarshalJSON writes e with its Extra members inline.
func (e FileUpload) MarshalJSON() ([]byte, error) {
	type plain FileUpload
	return inline(plain(e), e.Extra)
}

// inline marshals v (a struct) and appends the members of extra, in key
// order, inside its braces. The members are written as Value.MarshalJSON
// writes strings (no HTML escaping) into one allocation of their exact
// size, so that an unknown member costs its size once: a 30 MiB key of '<'
// cost 1.8 GB through json.Marshal's escaping and buffer growth.
func inline(v any, extra map[string]Value) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil || len(extra) == 0 {
		return b, err
	}
	keys := slices.Sorted(maps.Keys(extra))
	n := len(b)
	for _, k := range keys {
		n += valueLen(k) + 2 + valueLen(extra[k].v)
	}
	out := make([]byte, 0, n)
	out = append(out, b[:len(b)-1]...)
	first := len(b) == 2
	for _, k := range keys {
		if !first {
			out = append(out, ',')
		}
		first = false
		out = appendValue(out, k)
		out = append(out, ':')
		out = appendValue(out, extra[k].v)
	}
	return append(out, '}'), nil
}

// Field readers of each route.

func decodeStartExpPlayer(o *object) Event {
	e := &StartExpPlayer{
		ExpID:       o.Int("expId"),
		IsTestrun:   o.OptBool("isTestrun"),
		SubjectCode: o.OptStr("subject_code"),
		Token:       o.OptStr("token"),
		AskSubjData: o.Bool("askSubjData"),
	}
	e.Extra = o.Rest()
	return e
}

func decodeStartFirstPlayerSession(o *object) Event {
	e := &StartFirstPlayerSession{
		ExpID:            o.Int("expId"),
		ExpSessionNr:     o.Str("expSessionNr"),
		SubjectCode:      o.OptStr("subject_code"),
		Token:            o.OptStr("token"),
		SurveyData:       decodeSurveyData(o.Object(false, "survey_data")),
		IsTestrun:        o.Bool("isTestrun"),
		RunOnlyGroupNr:   o.OptIntOrFalse("runOnlyGroupNr"),
		RunOnlySessionNr: o.OptIntOrFalse("runOnlySessionNr"),
		GroupNr:          o.Int("groupNr"),
		SessionNr:        o.Int("sessionNr"),
		GroupName:        o.Str("group_name"),
		SessionName:      o.Str("session_name"),
		ExperimentName:   o.Str("experiment_name"),
	}
	e.Extra = o.Rest()
	return e
}

func decodeSurveyData(o *object) *SurveyData {
	if o == nil {
		return nil
	}
	s := &SurveyData{
		SelectedGender:   o.OptStr("selectedGender"),
		SelectedAge:      o.OptInt("selectedAge"),
		SelectedCountry:  o.OptStr("selectedCountry"),
		SelectedLanguage: o.OptStr("selectedLanguage"),
	}
	s.Extra = o.Rest()
	return s
}

func decodeSetPlayerSessionStartedTime(o *object) Event {
	e := &SetPlayerSessionStartedTime{
		ExpID:        o.Int("expId"),
		ExpSessionNr: o.Str("expSessionNr"),
		StartTime:    o.Time("start_time"),
		SessionNr:    o.OptInt("sessionNr"),
		GroupNr:      o.Int("groupNr"),
		Token:        o.OptStr("token"),
	}
	e.Extra = o.Rest()
	return e
}

func decodeAddMetaInfo(o *object) Event {
	e := &AddMetaInfo{
		ExpID:        o.Int("expId"),
		ExpSessionNr: o.Str("expSessionNr"),
		VarData:      decodeVarData(o.Object(true, "var_data")),
	}
	e.Extra = o.Rest()
	return e
}

func decodeVarData(o *object) VarData {
	if o == nil {
		return VarData{}
	}
	v := VarData{
		BrowserSpec:         o.OptStr("browserSpec"),
		VersionSpec:         o.OptStr("versionSpec"),
		SystemSpec:          o.OptStr("systemSpec"),
		AgentSpec:           o.OptStr("agentSpec"),
		Fullscreen:          o.OptBool("fullscreen"),
		TimeDelayMean:       o.OptFloat("timeDelayMean"),
		TimeDelayStd:        o.OptFloat("timeDelayStd"),
		CrowdsourcingCode:   o.OptStr("crowdsourcingCode"),
		CrowdsourcingSubjID: o.OptStr("crowdsourcinSubjId", "crowdsourcingSubjId"),
		SubjCounterGlobal:   o.OptInt("subjCounterGlobal"),
		SubjCounterPerGroup: o.Ints("subjCounterPerGroup", "subjCounterPer Group"),
		RoleID:              o.OptInt("roleId"),
		MultiUserGroupID:    o.OptStr("multiUserGroupId"),
		DisplayedLanguage:   o.OptStr("displayedLanguage"),
		PixelDensityPerMM:   o.OptFloat("pixelDensityPerMM"),
		ScreenHeight:        o.OptInt("screenHeight"),
		ScreenWidth:         o.OptInt("screenWidth"),
		WindowHeight:        o.OptInt("windowHeight"),
		WindowWidth:         o.OptInt("windowWidth"),
	}
	v.Extra = o.Rest()
	return v
}

func decodeRecordStartTask(o *object) Event {
	e := &RecordStartTask{
		ExpID:        o.Int("expId"),
		ExpSessionNr: o.Str("expSessionNr"),
		BlockNr:      o.Int("blockNr"),
		BlockID:      o.Str("blockId"),
		BlockName:    o.Str("blockName"),
		TaskNr:       o.Int("taskNr"),
		TaskID:       o.Str("taskId"),
		RecTaskID:    o.Int("recTaskId"),
		TaskName:     o.Str("taskName"),
		StartTime:    o.Time("start_time"),
	}
	e.Extra = o.Rest()
	return e
}

func decodeRecordTrial(o *object) Event {
	e := &RecordTrial{
		ExpID:        o.Int("expId"),
		ExpSessionNr: o.Str("expSessionNr"),
		RecTaskID:    o.Int("recTaskId"),
		TaskID:       o.Str("taskId"),
		TrialNr:      o.Int("trialNr", "trailNr"),
	}
	if r := o.Object(true, "recData"); r != nil {
		e.RecData = RecData{
			Data:  r.Values("data"),
			Scope: r.OptStr("scope"),
		}
		e.RecData.Extra = r.Rest()
	}
	e.Extra = o.Rest()
	return e
}

func decodeFinishExpSession(o *object) Event {
	e := &FinishExpSession{
		ExpID:         o.Int("expId"),
		ExpSessionNr:  o.Str("expSessionNr"),
		EndTime:       o.Time("end_time"),
		VarData:       decodeVarData(o.Object(true, "var_data")),
		NextStartTime: o.OptTime("nextStartTime"),
		NextEndTime:   o.OptTime("nextEndTime"),
		ReminderTime:  o.OptStr("reminderTime"),
		SelectedEmail: o.OptStr("selectedEmail"),
		EmailReminder: o.OptStr("emailReminder"),
	}
	e.Extra = o.Rest()
	return e
}

func decodeErrExpSession(o *object) Event {
	e := &ErrExpSession{
		ExpID:        o.OptInt("expId"),
		ExpSessionNr: o.OptStr("expSessionNr"),
		ErrMsg:       o.Str("err_msg"),
	}
	e.Extra = o.Rest()
	return e
}

// decodeFileUploadRecord reads the fields of a file upload from a JSON or
// form body: the record of an upload (as FileUpload marshals), not the file.
func decodeFileUploadRecord(o *object) Event {
	e := &FileUpload{
		ExpSessionNr: o.Str("expSessionNr"),
		NewFileName:  o.Str("newFileName"),
		GUID:         o.OptStr("file_guid"),
		FileName:     o.OptStr("file_name"),
		ContentType:  o.OptStr("contentType"),
		PartFileName: o.OptStr("partFileName"),
	}
	if n := o.OptInt("size"); n != nil {
		e.Size = int64(*n)
	}
	e.SHA256 = o.OptStr("sha256")
	if e.SHA256 != "" && !isHexSHA256(e.SHA256) {
		o.fail("sha256", "want 64 lower-case hex digits, got "+describe(e.SHA256))
	}
	e.Extra = o.Rest()
	return e
}

func isHexSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
