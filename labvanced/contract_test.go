package labvanced_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks"
	"github.com/vendorhooks/vendorhooks/labvanced"
	"github.com/vendorhooks/vendorhooks/labvanced/labvancedtest"
)

func TestNewRefuses(t *testing.T) {
	fn := func(context.Context, labvanced.Event) error { return nil }
	for name, tt := range map[string]struct {
		fn   func(context.Context, labvanced.Event) error
		opts []labvanced.Option
		want string
	}{
		"nil fn":                {nil, nil, "labvanced: nil function"},
		"negative body limit":   {fn, []labvanced.Option{labvanced.WithMaxBodyBytes(-1)}, "labvanced: negative body limit -1"},
		"negative upload limit": {fn, []labvanced.Option{labvanced.WithMaxUploadBytes(-1)}, "labvanced: negative upload limit -1"},
		"negative upload limit with a store": {fn, []labvanced.Option{
			labvanced.WithFileStore(labvanced.DirStore(t.TempDir())), labvanced.WithMaxUploadBytes(-5),
		}, "labvanced: negative upload limit -5"},
	} {
		t.Run(name, func(t *testing.T) {
			h, err := labvanced.New(tt.fn, tt.opts...)
			assert.Nil(t, h)
			require.EqualError(t, err, tt.want)
			assert.PanicsWithError(t, tt.want, func() { labvanced.NewHandler(tt.fn, tt.opts...) })
		})
	}
	h, err := labvanced.New(fn, labvanced.WithMaxBodyBytes(0), labvanced.WithMaxUploadBytes(0))
	require.NoError(t, err, "0 keeps the defaults")
	assert.NotNil(t, h)
}

// deliveries records a copy of the Delivery of every call of fn.
type deliveries struct {
	mu  sync.Mutex
	got []vendorhooks.Delivery
}

func (d *deliveries) fn(ctx context.Context, _ labvanced.Event) error {
	dl, ok := vendorhooks.DeliveryFromContext(ctx)
	if !ok {
		return errors.New("no delivery")
	}
	c := *dl
	c.Body = bytes.Clone(dl.Body)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.got = append(d.got, c)
	return nil
}

func (d *deliveries) last() vendorhooks.Delivery {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.got[len(d.got)-1]
}

// TestDelivery: inside fn, the Delivery has the exact body, the route as
// kind, expSessionNr as session, and an idempotency key equal for a retry
// and different for another body.
func TestDelivery(t *testing.T) {
	rec := &deliveries{}
	h := labvanced.NewHandler(rec.fn)
	send := func(target string, body []byte) vendorhooks.Delivery {
		t.Helper()
		w, _ := serve(t, h, labvancedtest.NewRequest(target, body))
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		return rec.last()
	}
	body := []byte(labvancedtest.Param(labvancedtest.Payload(labvanced.RouteRecordTrial)))
	first := send("/s/recordTrial", body)
	assert.Equal(t, "labvanced", first.Vendor)
	assert.Equal(t, labvanced.RouteRecordTrial, first.Kind)
	assert.Equal(t, "982345", first.Session)
	assert.Equal(t, body, first.Body)
	assert.True(t, strings.HasPrefix(first.IdempotencyKey, "labvanced:"), first.IdempotencyKey)
	assert.Equal(t, labvancedtest.Origin, first.Header.Get("Origin"))
	assert.False(t, first.Received.IsZero())
	assert.Nil(t, first.Warnings)

	retry := send("/other/mount/recordTrial", body)
	assert.Equal(t, first.IdempotencyKey, retry.IdempotencyKey, "a retry has the same key")

	other := labvancedtest.Payload(labvanced.RouteRecordTrial)
	other["trialNr"] = 4
	next := send("/s/recordTrial", []byte(labvancedtest.Param(other)))
	assert.NotEqual(t, first.IdempotencyKey, next.IdempotencyKey, "another trial has another key")
	assert.Equal(t, "982345", next.Session)

	// The same body on another route is another delivery.
	assert.NotEqual(t, first.IdempotencyKey, send("/s/someFutureRoute", body).IdempotencyKey)
	assert.Equal(t, "someFutureRoute", rec.last().Kind)
	assert.Empty(t, rec.last().Session)

	// errExpSession may carry no session.
	assert.Empty(t, send("/s/errExpSession", []byte("expId=&expSessionNr=&err_msg=x")).Session)
	assert.Equal(t, "982345", send("/s/errExpSession", []byte("expSessionNr=982345&err_msg=x")).Session)
}

// TestDeliveryUpload: the Delivery of an upload holds the event's JSON, no
// file bytes, and its key comes from session, file name and SHA-256: the
// same for the same file sent again (stored under another guid).
func TestDeliveryUpload(t *testing.T) {
	rec := &deliveries{}
	dir := t.TempDir()
	h := labvanced.NewHandler(rec.fn, labvanced.WithFileStore(labvanced.DirStore(dir)))
	content := bytes.Repeat([]byte("FILEBYTES"), 1000)
	upload := func(session, name string, file []byte) vendorhooks.Delivery {
		t.Helper()
		w, a := serve(t, h, labvancedtest.NewUploadRequest("/s/file_upload", session, name, bytes.NewReader(file)))
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		d := rec.last()
		var ev labvanced.FileUpload
		require.NoError(t, json.Unmarshal(d.Body, &ev), "%s", d.Body)
		assert.Equal(t, a.FileGUID, ev.GUID)
		assert.Equal(t, a.FileName, ev.FileName)
		assert.Equal(t, int64(len(file)), ev.Size)
		stored, err := os.ReadFile(filepath.Join(dir, a.FileName))
		require.NoError(t, err)
		assert.Equal(t, file, stored)
		return d
	}
	first := upload("982345", "rec.webm", content)
	assert.Equal(t, labvanced.RouteFileUpload, first.Kind)
	assert.Equal(t, "982345", first.Session)
	assert.NotContains(t, string(first.Body), "FILEBYTES", "no file bytes in Body")
	assert.Contains(t, string(first.Body), `"sha256":"`)
	assert.NotEmpty(t, first.IdempotencyKey)

	assert.Equal(t, first.IdempotencyKey, upload("982345", "rec.webm", content).IdempotencyKey, "a retry has the same key")
	assert.NotEqual(t, first.IdempotencyKey, upload("982345", "rec.webm", append(content, '!')).IdempotencyKey)
	assert.NotEqual(t, first.IdempotencyKey, upload("982345", "rec2.webm", content).IdempotencyKey)
	assert.NotEqual(t, first.IdempotencyKey, upload("982346", "rec.webm", content).IdempotencyKey)
}

// TestDecodeErrorModel: every refusal is a *DecodeError of this package
// with a JSON Pointer path and the offset where it is known, and a nil
// event.
func TestDecodeErrorModel(t *testing.T) {
	upload := func(fields ...[2]string) (string, []byte) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for _, f := range fields {
			require.NoError(t, mw.WriteField(f[0], f[1]))
		}
		require.NoError(t, mw.Close())
		return mw.FormDataContentType(), buf.Bytes()
	}
	dupCT, dup := upload([2]string{"a/b~c", "1"}, [2]string{"a/b~c", "2"})
	for name, tt := range map[string]struct {
		route, ct, body string
		path            string
		offset          int64
	}{
		"json syntax":      {"recordTrial", "application/json", `{"expId": x}`, "", 10},
		"json cut off":     {"recordTrial", "application/json", `{"expId": 1`, "", 11},
		"json trailing":    {"recordTrial", "application/json", `{"expId": 1} x`, "", 13},
		"json too deep":    {"recordTrial", "application/json", `{"recData":{"data":{"x":` + strings.Repeat("[", 62) + strings.Repeat("]", 62) + "}}}", "", 85},
		"form too deep":    {"recordTrial", labvancedtest.FormContentType, "expId=1&a" + strings.Repeat("[x]", 64) + "=1", "", 8},
		"long route":       {strings.Repeat("r", 65), "application/json", `{}`, "", -1},
		"multipart misuse": {"recordTrial", dupCT, string(dup), "", -1},
		"upload no file":   {"file_upload", dupCT, string(dup), "/myFile", -1},
	} {
		t.Run(name, func(t *testing.T) {
			ev, err := labvanced.Decode(tt.route, tt.ct, []byte(tt.body))
			require.Error(t, err)
			assert.Nil(t, ev)
			assert.ErrorIs(t, err, labvanced.ErrMalformed)
			assert.ErrorIs(t, err, vendorhooks.ErrMalformed)
			var de *labvanced.DecodeError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, "labvanced", de.Vendor)
			assert.Equal(t, tt.path, de.Path)
			assert.Equal(t, tt.offset, de.Offset)
			assert.True(t, strings.HasPrefix(err.Error(), "labvanced: "), err.Error())
		})
	}
}

// TestWarningModel: what is delivered anyway comes with a Warning naming
// its JSON Pointer path and offset; Decode's error is then a
// *vendorhooks.Warnings (not ErrMalformed), nil for unknown members alone.
func TestWarningModel(t *testing.T) {
	dupCT, dup := func() (string, []byte) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for _, f := range [][2]string{{"expSessionNr", "7"}, {"newFileName", "a"}, {"a/b~c", "1"}, {"a/b~c", "2"}} {
			require.NoError(t, mw.WriteField(f[0], f[1]))
		}
		fw, err := mw.CreateFormFile("myFile", "a.webm")
		require.NoError(t, err)
		_, _ = fw.Write([]byte("x"))
		require.NoError(t, mw.Close())
		return mw.FormDataContentType(), buf.Bytes()
	}()
	for name, tt := range map[string]struct {
		route, ct, body string
		path            string
		offset          int64
		unknown         bool
	}{
		"form syntax":       {"errExpSession", labvancedtest.FormContentType, "err_msg=x&a[b=1", "/a[b", 10, false}, // then: unknown
		"wrong type":        {"addMetaInfo", "application/json", `{"expId":1,"expSessionNr":"2","var_data":{"screenWidth":"wide"}}`, "/var_data/screenWidth", 56, false},
		"array element":     {"addMetaInfo", labvancedtest.FormContentType, "expId=1&expSessionNr=2&var_data[subjCounterPerGroup][]=1&var_data[subjCounterPerGroup][]=x", "/var_data/subjCounterPerGroup/1", 57, false},
		"missing":           {"errExpSession", labvancedtest.FormContentType, "expId=1", "/err_msg", -1, false},
		"escaped name":      {"file_upload", dupCT, string(dup), "/a~1b~0c", -1, false},
		"json duplicate":    {"errExpSession", "application/json", `{"err_msg":"a","err_msg":"b"}`, "/err_msg", 15, false},
		"json latin1":       {"errExpSession", "application/json", "{\"err_msg\":\"caf\xe9\"}", "/err_msg", 11, false},
		"form latin1":       {"errExpSession", labvancedtest.FormContentType, "err_msg=caf%E9", "/err_msg", 0, false},
		"unknown member":    {"errExpSession", "application/json", `{"err_msg":"a","x":1}`, "/x", 19, true},
		"form unknown":      {"errExpSession", labvancedtest.FormContentType, "err_msg=a&x[y]=1", "/x", 10, true},
		"expSessionNr bool": {"errExpSession", "application/json", `{"err_msg":"a","expSessionNr":true}`, "/expSessionNr", 30, false},
	} {
		t.Run(name, func(t *testing.T) {
			ev, ws, err := labvanced.DecodeWarnings(tt.route, tt.ct, []byte(tt.body))
			require.NoError(t, err)
			require.NotNil(t, ev)
			require.NotEmpty(t, ws)
			assert.Equal(t, tt.path, ws[0].Path)
			assert.Equal(t, tt.offset, ws[0].Offset)
			assert.Equal(t, tt.unknown, ws[0].Unknown)
			ev2, err := labvanced.Decode(tt.route, tt.ct, []byte(tt.body))
			assert.Equal(t, ev, ev2)
			checkDecodeErr(t, ws, err)
			if !tt.unknown {
				assert.True(t, strings.HasPrefix(err.Error(), "labvanced: "+tt.path+": "), err.Error())
			}
		})
	}
}

// TestExpSessionNrText: expSessionNr is a string in every event, a number
// kept as its text, and Delivery.Session is it.
func TestExpSessionNrText(t *testing.T) {
	for body, want := range map[string]string{
		`{"expSessionNr":982345}`:   "982345",
		`{"expSessionNr":"p-7f3a"}`: "p-7f3a",
		`{"expSessionNr":1.5e3}`:    "1.5e3",
		`{"expSessionNr":null}`:     "",
	} {
		ev, _, err := labvanced.DecodeWarnings("recordTrial", "application/json", []byte(body))
		require.NoError(t, err)
		assert.Equal(t, want, ev.(*labvanced.RecordTrial).ExpSessionNr, body)
	}
	ev, _, err := labvanced.DecodeWarnings("errExpSession", labvancedtest.FormContentType, []byte("expSessionNr=s-1&err_msg=x"))
	require.NoError(t, err)
	assert.Equal(t, "s-1", ev.(*labvanced.ErrExpSession).ExpSessionNr)
}

// TestUnknownRaw: Raw is valid JSON, a copy of the body, whatever arrives.
func TestUnknownRaw(t *testing.T) {
	for name, tt := range map[string]struct{ ct, body, raw string }{
		"json":        {"application/json", `{"a": [1, 2]}`, `{"a": [1, 2]}`},
		"form":        {labvancedtest.FormContentType, "a[b]=1&c=x+y", `{"a":{"b":"1"},"c":"x y"}`},
		"bad form":    {labvancedtest.FormContentType, "a[b=1", `{"a[b":"1"}`},
		"bad json":    {"application/json", `{"a": NaN}`, `"{\"a\": NaN}"`},
		"binary":      {"application/octet-stream", "{\xff\x00", `"{ÿ\u0000"`},
		"latin1 json": {"application/json", "{\"a\":\"caf\xe9\"}", `{"a":"café"}`},
		"dup json":    {"application/json", `{"a":1,"a":2}`, `{"a":1,"a":2}`},
		"empty json":  {"application/json", "", `""`},
		"html kept":   {labvancedtest.FormContentType, "a=%3Cb%3E%26", `{"a":"<b>&"}`},
		"json scalar": {"application/json", `"text"`, `"text"`},
	} {
		t.Run(name, func(t *testing.T) {
			body := []byte(tt.body)
			ev, _, err := labvanced.DecodeWarnings("someFutureRoute", tt.ct, body)
			require.NoError(t, err)
			u := ev.(*labvanced.Unknown)
			assert.True(t, utf8.Valid(u.Raw))
			assert.Equal(t, "someFutureRoute", u.Kind())
			assert.Equal(t, tt.raw, string(u.Raw))
			if len(body) > 0 {
				body[0] = '#'
				assert.Equal(t, tt.raw, string(u.Raw), "raw is a copy")
			}
			b, err := json.Marshal(u)
			require.NoError(t, err)
			assert.JSONEq(t, `{"kind":"someFutureRoute","raw":`+tt.raw+`}`, string(b))
		})
	}
}

// TestMarshalValueAndPointer: json.Marshal of an event and of the value it
// points to agree, for every event type.
func TestMarshalValueAndPointer(t *testing.T) {
	evs := []labvanced.Event{}
	for _, route := range bodyRoutes {
		ev, err := labvanced.Decode(route, labvancedtest.FormContentType, []byte(labvancedtest.Param(labvancedtest.Payload(route))+"&extra=1"))
		require.NoError(t, err, route)
		evs = append(evs, ev)
	}
	body, ct := labvancedtest.UploadBody("7", "a.webm", []byte("abc"))
	ev, err := labvanced.Decode(labvanced.RouteFileUpload, ct, body)
	require.NoError(t, err)
	evs = append(evs, ev, &labvanced.Unknown{Route: "x", Raw: json.RawMessage(`{"a":1}`)})
	for _, ev := range evs {
		ptr, err := json.Marshal(ev)
		require.NoError(t, err)
		val, err := json.Marshal(reflect.ValueOf(ev).Elem().Interface())
		require.NoError(t, err)
		assert.Equal(t, string(ptr), string(val), "%T", ev)
		switch ev.(type) {
		case *labvanced.Unknown, *labvanced.FileUpload:
		default:
			assert.Contains(t, string(val), `"extra":"1"`, "%T: Extra inline", ev)
		}
	}
}
