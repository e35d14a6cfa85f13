package sim

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/vendorhooks/vendorhooks/labvanced/labvancedtest"
)

// labvancedGen builds whole participant sessions in the player's order:
// startFirstPlayerSession, setPlayerSessionStartedTime, addMetaInfo, then per
// task recordStartTask and its trials, a file upload, and finishExpSession or
// errExpSession. Bodies are form-encoded in jQuery's bracket notation, as the
// player sends them (labvancedtest.Param), each with the player's Origin.
type labvancedGen struct {
	base int // first expSessionNr of the run
}

func (g *labvancedGen) Vendor() string                { return Labvanced }
func (g *labvancedGen) Authorize(*Request, bool) bool { return false }

func (g *labvancedGen) Session(rng *rand.Rand, n int) []*Request {
	const expID = 4711
	session := strconv.Itoa(g.base + n)
	loc := time.FixedZone("", 3600*(rng.IntN(3)))
	clock := time.Date(2026, 11, 22, 9, 0, 0, 0, loc).Add(time.Duration(rng.IntN(8*3600)) * time.Second)
	stamp := func() string {
		clock = clock.Add(time.Duration(500+rng.IntN(4000)) * time.Millisecond)
		if rng.IntN(2) == 0 {
			return clock.Format("2006-01-02 15:04:05-07")
		}
		return clock.Format("2006-01-02 15:04:05-07:00")
	}
	var reqs []*Request
	// One session in four comes from a sender posting JSON, which a browser
	// precedes with a CORS preflight for each route.
	asJSON := n%4 == 1
	preflown := map[string]bool{}
	form := func(route string, body obj) {
		r := &Request{
			Vendor: Labvanced, Kind: route, Session: session, Seq: -1, Method: http.MethodPost, Route: route,
			Header: http.Header{
				"Content-Type": {labvancedtest.FormContentType},
				"Origin":       {labvancedtest.Origin},
			},
			Body: []byte(labvancedtest.Param(body)), Pad: padForm, TruncatedMayPass: true,
		}
		if asJSON {
			r.Header.Set("Content-Type", "application/json")
			r.Body, r.Pad, r.TruncatedMayPass = encodeJSON(body), padJSON, false
			if !preflown[route] {
				preflown[route] = true
				reqs = append(reqs, &Request{
					Vendor: Labvanced, Kind: "preflight", Session: session, Seq: -1, Method: http.MethodOptions, Route: route,
					Header: labvancedtest.NewPreflight("http://receiver/"+route, labvancedtest.Origin).Header,
					Check:  checkCORS, NoEvent: true,
				})
			}
		}
		reqs = append(reqs, r)
	}
	group := 1 + rng.IntN(2)
	form("startFirstPlayerSession", obj{}.set("expId", expID).set("expSessionNr", session).
		set("subject_code", "P"+strconv.Itoa(100+n)).
		set("survey_data", obj{}.set("selectedGender", []string{"female", "male", "diverse"}[rng.IntN(3)]).
			set("selectedAge", 18+rng.IntN(50)).set("selectedCountry", "Germany").set("selectedLanguage", "German")).
		set("isTestrun", false).set("runOnlyGroupNr", false).set("runOnlySessionNr", false).
		set("groupNr", group).set("sessionNr", 1).set("group_name", "group "+strconv.Itoa(group)).
		set("session_name", "session 1").set("experiment_name", "Stroop task"))
	started := obj{}.set("expId", expID).set("expSessionNr", session).set("start_time", stamp())
	if rng.IntN(3) == 0 {
		started = started.set("sessionNr", "") // the player sometimes sends it empty
	} else {
		started = started.set("sessionNr", 1)
	}
	form("setPlayerSessionStartedTime", started.set("groupNr", group))
	meta := obj{}.set("browserSpec", "Chrome").set("versionSpec", "131.0").set("systemSpec", "Windows 10").
		set("agentSpec", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36").
		set("fullscreen", true).set("timeDelayMean", 4.2+rng.Float64()).set("timeDelayStd", 1.1+rng.Float64()/2).
		set("subjCounterGlobal", 100+n).set("subjCounterPerGroup", []any{50 + n, 49 + n}).
		set("displayedLanguage", "English").set("pixelDensityPerMM", 3.78).
		set("screenHeight", 1080).set("screenWidth", 1920).set("windowHeight", 969).set("windowWidth", 1920)
	form("addMetaInfo", obj{}.set("expId", expID).set("expSessionNr", session).set("var_data", meta))
	block := uuid(rng)
	tasks := 2 + rng.IntN(2)
	for t := range tasks {
		task, rec := uuid(rng), 90000+rng.IntN(10000)
		form("recordStartTask", obj{}.set("expId", expID).set("expSessionNr", session).
			set("blockNr", 1).set("blockId", block).set("blockName", "main").
			set("taskNr", t+1).set("taskId", task).set("recTaskId", rec).
			set("taskName", "stroop "+strconv.Itoa(t+1)).set("start_time", stamp()))
		for tr := range 3 + rng.IntN(5) {
			color := []string{"red", "green", "blue"}[rng.IntN(3)]
			data := obj{}.set("rt", 350+rng.IntN(600)).set("correct", rng.IntN(10) > 1).
				set("stimulus", color+" word").set("response", color)
			form("recordTrial", obj{}.set("expId", expID).set("expSessionNr", session).
				set("recTaskId", rec).set("taskId", task).set("trialNr", tr+1).
				set("recData", obj{}.set("data", data).set("scope", "trial")))
			reqs[len(reqs)-1].Check = checkRecordTrial
		}
		if t == 0 {
			reqs = append(reqs, g.upload(rng, session, fmt.Sprintf("voice_b1_t%d_tr1.webm", t+1)))
		}
	}
	if rng.IntN(8) == 0 {
		form("errExpSession", obj{}.set("expId", expID).set("expSessionNr", session).
			set("err_msg", "participant closed the window"))
	} else {
		form("finishExpSession", obj{}.set("expId", expID).set("expSessionNr", session).
			set("end_time", stamp()).set("var_data", meta.set("crowdsourcingCode", "C0DE"+strconv.Itoa(n))))
	}
	return reqs
}

// upload is the multipart /file_upload request for one recording.
func (g *labvancedGen) upload(rng *rand.Rand, session, name string) *Request {
	data := make([]byte, 4096+rng.IntN(16384))
	for i := range data {
		data[i] = byte(rng.UintN(256))
	}
	body, contentType := labvancedtest.UploadBody(session, name, data)
	return &Request{
		Vendor: Labvanced, Kind: "file_upload", Session: session, Seq: -1, Method: http.MethodPost, Route: "file_upload",
		Header:       http.Header{"Content-Type": {contentType}, "Origin": {labvancedtest.Origin}},
		Body:         body,
		NoBodyFaults: true, Check: checkUpload,
	}
}

func uuid(rng *rand.Rand) string {
	var b [16]byte
	for i := range b {
		b[i] = byte(rng.UintN(256))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// checkCORS wants a preflight answer that lets the player's origin post.
func checkCORS(h http.Header, _ []byte) error {
	if got := h.Get("Access-Control-Allow-Origin"); got != labvancedtest.Origin && got != "*" {
		return fmt.Errorf("preflight: Access-Control-Allow-Origin is %q, want %q", got, labvancedtest.Origin)
	}
	return nil
}

// checkRecordTrial wants an answer without success:false (the player
// retries until it gets one).
func checkRecordTrial(_ http.Header, body []byte) error {
	var a struct{ Success *bool }
	if err := json.Unmarshal(body, &a); err != nil {
		return fmt.Errorf("want a JSON answer, got %.80q", body)
	}
	if a.Success != nil && !*a.Success {
		return fmt.Errorf("answer says success:false")
	}
	return nil
}

// checkUpload wants the file_guid and file_name the player stores.
func checkUpload(_ http.Header, body []byte) error {
	var a struct {
		GUID string `json:"file_guid"`
		Name string `json:"file_name"`
	}
	if err := json.Unmarshal(body, &a); err != nil || a.GUID == "" || a.Name == "" {
		return fmt.Errorf("want file_guid and file_name, got %.80q", body)
	}
	return nil
}
