// Package labvancedtest builds requests the way the Labvanced experiment
// player sends them, for testing a labvanced handler: jQuery form bodies
// with bracketed keys, JSON bodies, and streamed multipart uploads.
package labvancedtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"

	"github.com/vendorhooks/vendorhooks/labvanced"
)

// Origin is the Origin header the player's requests carry.
const Origin = labvanced.DefaultOrigin

// FormContentType is the content type jQuery gives form bodies.
const FormContentType = "application/x-www-form-urlencoded; charset=UTF-8"

// Param encodes v as jQuery's $.param does: nested objects as a[b][c]=1,
// arrays of scalars as a[]=1&a[]=2, arrays of objects or arrays as
// a[0][b]=x, nil as the empty value, and empty arrays and objects not at
// all. Keys and values are escaped like encodeURIComponent, brackets
// included, with spaces as '+'. Object members are written in key order.
//
// v is a map[string]any (or a struct or map that encoding/json turns into
// an object); members may be maps, slices, strings, numbers, bools or nil.
func Param(v any) string {
	tree := normalize(v)
	m, ok := tree.(map[string]any)
	if !ok {
		panic(fmt.Sprintf("labvancedtest: Param wants an object, got %T", v))
	}
	var parts []string
	for _, k := range sortedKeys(m) {
		parts = buildParams(parts, k, m[k])
	}
	return strings.Join(parts, "&")
}

// buildParams follows jQuery's buildParams.
func buildParams(parts []string, prefix string, v any) []string {
	switch x := v.(type) {
	case []any:
		for i, e := range x {
			switch e.(type) {
			case map[string]any, []any:
				parts = buildParams(parts, prefix+"["+strconv.Itoa(i)+"]", e)
			default:
				parts = buildParams(parts, prefix+"[]", e)
			}
		}
		return parts
	case map[string]any:
		for _, k := range sortedKeys(x) {
			parts = buildParams(parts, prefix+"["+k+"]", x[k])
		}
		return parts
	}
	return append(parts, encodeURIComponent(prefix)+"="+encodeURIComponent(scalar(v)))
}

func scalar(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return string(x)
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}

// encodeURIComponent escapes s like JavaScript's encodeURIComponent, then
// turns %20 into '+' as jQuery does.
func encodeURIComponent(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			strings.IndexByte("-_.!~*'()", c) >= 0:
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			const hex = "0123456789ABCDEF"
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// normalize turns v into the tree encoding/json would decode it to
// (numbers as json.Number).
func normalize(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		panic("labvancedtest: " + err.Error())
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		panic("labvancedtest: " + err.Error())
	}
	return out
}

func sortedKeys(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }

// NewRequest returns a POST of body to target (a path such as
// "/study/recordTrial", or a URL) as the player sends it: a jQuery form
// content type and the player's Origin. body is sent as it is; build it
// with Param. The request is for handler.ServeHTTP, as httptest.NewRequest
// builds it; it panics on a target httptest.NewRequest refuses. For a real
// connection use NewClientRequest.
func NewRequest(target string, body []byte) *http.Request {
	r := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	r.Header.Set("Content-Type", FormContentType)
	r.Header.Set("Origin", Origin)
	return r
}

// NewClientRequest returns the request of NewRequest for sending over a
// real connection (http.Client.Do, to an httptest.Server for example): a
// POST of body to url, with the player's form content type and Origin. It
// returns http.NewRequestWithContext's error for a bad url.
func NewClientRequest(ctx context.Context, url string, body []byte) (*http.Request, error) {
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	r.Header.Set("Content-Type", FormContentType)
	r.Header.Set("Origin", Origin)
	return r, nil
}

// NewFormRequest returns a POST to target (a path such as
// "/study/recordTrial", or a URL) with payload as a jQuery form body and
// the player's Origin, as httptest.NewRequest builds it: ready for
// handler.ServeHTTP. For a real connection, send Param(payload) with
// NewClientRequest.
func NewFormRequest(target string, payload any) *http.Request {
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(Param(payload)))
	r.Header.Set("Content-Type", FormContentType)
	r.Header.Set("Origin", Origin)
	return r
}

// NewJSONRequest returns a POST to target with payload as JSON and the
// player's Origin.
func NewJSONRequest(target string, payload any) *http.Request {
	b, err := json.Marshal(payload)
	if err != nil {
		panic("labvancedtest: " + err.Error())
	}
	r := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(b))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Origin", Origin)
	return r
}

// NewPreflight returns the CORS preflight a browser sends before a JSON
// POST to target from origin.
func NewPreflight(target, origin string) *http.Request {
	r := httptest.NewRequest(http.MethodOptions, target, nil)
	r.Header.Set("Origin", origin)
	r.Header.Set("Access-Control-Request-Method", http.MethodPost)
	r.Header.Set("Access-Control-Request-Headers", "content-type")
	return r
}

// NewUploadRequest returns a /file_upload POST to target as the player
// sends it: multipart/form-data with the fields expSessionNr and
// newFileName, then the file as myFile (a Blob, which browsers name
// "blob"). The body is streamed from file as the handler reads it, never
// held in memory, so file may be as large as a test needs; the request's
// ContentLength is unknown (-1).
func NewUploadRequest(target, expSessionNr, newFileName string, file io.Reader) *http.Request {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		pw.CloseWithError(writeUpload(mw, expSessionNr, newFileName, file))
	}()
	r := httptest.NewRequest(http.MethodPost, target, pr)
	r.ContentLength = -1
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.Header.Set("Origin", Origin)
	return r
}

// UploadBody returns the whole multipart body of an upload and its content
// type, for tests that want the bytes (or labvanced.Decode).
func UploadBody(expSessionNr, newFileName string, file []byte) (body []byte, contentType string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := writeUpload(mw, expSessionNr, newFileName, bytes.NewReader(file)); err != nil {
		panic("labvancedtest: " + err.Error())
	}
	return buf.Bytes(), mw.FormDataContentType()
}

func writeUpload(mw *multipart.Writer, expSessionNr, newFileName string, file io.Reader) error {
	if err := mw.WriteField("expSessionNr", expSessionNr); err != nil {
		return err
	}
	if err := mw.WriteField("newFileName", newFileName); err != nil {
		return err
	}
	fw, err := mw.CreateFormFile("myFile", "blob")
	if err != nil {
		return err
	}
	if _, err := io.Copy(fw, file); err != nil {
		return err
	}
	return mw.Close()
}

// Payload returns a sample payload of route as the player builds it (before
// form encoding), with every field of the spec filled in. The map is new on
// each call; change it freely. It returns nil for a route it does not know
// and for file_upload (use NewUploadRequest).
func Payload(route string) map[string]any {
	varData := func() map[string]any {
		return map[string]any{
			"browserSpec":         "Chrome",
			"versionSpec":         "120.0.6099.109",
			"systemSpec":          "Windows 10",
			"agentSpec":           "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
			"fullscreen":          true,
			"timeDelayMean":       4.12,
			"timeDelayStd":        1.03,
			"crowdsourcingCode":   "C1B2A3",
			"crowdsourcinSubjId":  "worker-5f2e",
			"subjCounterGlobal":   57,
			"subjCounterPerGroup": []int{29, 28},
			"roleId":              1,
			"multiUserGroupId":    "6f1c2a9e-4b7d-4c1e-9a3f-2d5e8b7c1a04",
			"displayedLanguage":   "English",
			"pixelDensityPerMM":   3.78,
			"screenHeight":        1080,
			"screenWidth":         1920,
			"windowHeight":        937,
			"windowWidth":         1903,
		}
	}
	switch route {
	case labvanced.RouteStartExpPlayer:
		return map[string]any{"expId": 4711, "isTestrun": false, "subject_code": "P-017", "token": "tok-8c1d", "askSubjData": true}
	case labvanced.RouteStartFirstPlayerSession:
		return map[string]any{
			"expId": 4711, "expSessionNr": 982345, "subject_code": "P-017", "token": "tok-8c1d",
			"survey_data": map[string]any{"selectedGender": "female", "selectedAge": 31, "selectedCountry": "Germany", "selectedLanguage": "German"},
			"isTestrun":   false, "runOnlyGroupNr": false, "runOnlySessionNr": false,
			"groupNr": 2, "sessionNr": 1, "group_name": "Group B", "session_name": "Session 1", "experiment_name": "Stroop online",
		}
	case labvanced.RouteSetPlayerSessionStartedTime:
		return map[string]any{"expId": 4711, "expSessionNr": 982345, "start_time": "2024-03-05 14:07:33+01", "sessionNr": 1, "groupNr": 2, "token": "tok-8c1d"}
	case labvanced.RouteAddMetaInfo:
		return map[string]any{"expId": 4711, "expSessionNr": 982345, "var_data": varData()}
	case labvanced.RouteRecordStartTask:
		return map[string]any{
			"expId": 4711, "expSessionNr": 982345, "blockNr": 1, "blockId": "0b7e4c52-1f0a-4e3b-8a61-5c9d2e7f3b10",
			"blockName": "Practice", "taskNr": 2, "taskId": "9d3f6a10-2c4b-4d5e-8f7a-1b2c3d4e5f60", "recTaskId": 1203377,
			"taskName": "Stroop task", "start_time": "2024-03-05 14:08:02+01:00",
		}
	case labvanced.RouteRecordTrial:
		return map[string]any{
			"expId": 4711, "expSessionNr": 982345, "recTaskId": 1203377, "taskId": "9d3f6a10-2c4b-4d5e-8f7a-1b2c3d4e5f60", "trialNr": 3,
			"recData": map[string]any{
				"data": map[string]any{
					"rt": 512, "correct": true, "response": "red", "word": "GREEN",
					"clicks": []any{120, 305}, "mouse": []any{map[string]any{"x": 10, "y": 20}, map[string]any{"x": 11, "y": 22}},
					"note": nil,
				},
				"scope": "trial",
			},
		}
	case labvanced.RouteFinishExpSession:
		return map[string]any{
			"expId": 4711, "expSessionNr": 982345, "end_time": "2024-03-05 14:31:09+01", "var_data": varData(),
			"nextStartTime": 1709820000, "nextEndTime": 1709906400000, "reminderTime": "2 days",
			"selectedEmail": "participant@example.org", "emailReminder": "1 day before",
		}
	case labvanced.RouteErrExpSession:
		return map[string]any{"expId": 4711, "expSessionNr": 982345, "err_msg": "TypeError: cannot read properties of undefined (reading 'play')"}
	}
	return nil
}
