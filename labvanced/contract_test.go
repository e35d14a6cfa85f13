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
// with a JSON Pointer path and the offset where it is known.
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
		"form syntax":      {"recordTrial", labvancedtest.FormContentType, "expId=1&a[b=1", "", 8},
		"wrong type":       {"addMetaInfo", "application/json", `{"expId":1,"expSessionNr":2,"var_data":{"screenWidth":"wide"}}`, "/var_data/screenWidth", -1},
		"array element":    {"addMetaInfo", labvancedtest.FormContentType, "expId=1&expSessionNr=2&var_data[subjCounterPerGroup][]=1&var_data[subjCounterPerGroup][]=x", "/var_data/subjCounterPerGroup/1", -1},
		"missing":          {"recordTrial", labvancedtest.FormContentType, "expId=1", "/expSessionNr", -1},
		"escaped name":     {"file_upload", dupCT, string(dup), "/a~1b~0c", -1},
		"multipart misuse": {"recordTrial", dupCT, string(dup), "", -1},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := labvanced.Decode(tt.route, tt.ct, []byte(tt.body))
			require.Error(t, err)
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

// TestUnknownRaw: Raw is valid JSON, a copy of the body, whatever arrives.
func TestUnknownRaw(t *testing.T) {
	for name, tt := range map[string]struct{ ct, body, raw string }{
		"json":        {"application/json", `{"a": [1, 2]}`, `{"a": [1, 2]}`},
		"form":        {labvancedtest.FormContentType, "a[b]=1&c=x+y", `{"a":{"b":"1"},"c":"x y"}`},
		"bad form":    {labvancedtest.FormContentType, "a[b=1", `"a[b=1"`},
		"bad json":    {"application/json", `{"a": NaN}`, `"{\"a\": NaN}"`},
		"binary":      {"application/octet-stream", "{\xff\x00", `"{\ufffd\u0000"`},
		"empty json":  {"application/json", "", `""`},
		"html kept":   {labvancedtest.FormContentType, "a=%3Cb%3E%26", `{"a":"<b>&"}`},
		"json scalar": {"application/json", `"text"`, `"text"`},
	} {
		t.Run(name, func(t *testing.T) {
			body := []byte(tt.body)
			ev, err := labvanced.Decode("someFutureRoute", tt.ct, body)
			require.NoError(t, err)
			u := ev.(*labvanced.Unknown)
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
