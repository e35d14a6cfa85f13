package contract_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks"
	"github.com/vendorhooks/vendorhooks/eeg"
	_ "github.com/vendorhooks/vendorhooks/internal/golden" // every test binary must accept -update
	"github.com/vendorhooks/vendorhooks/labvanced"
	"github.com/vendorhooks/vendorhooks/signage"
	"github.com/vendorhooks/vendorhooks/sleep"
	"github.com/vendorhooks/vendorhooks/wms"
)

// deliver is the vendor-neutral form of a user's function: the table
// adapts it to each package's event type.
type deliver func(ctx context.Context) error

// vendor is one row of the contract table: how to build the package's
// handler and what a good delivery to it looks like. A new vendor package
// adds a row and must pass every case.
type vendor struct {
	name string
	// build calls the package's New with fn (nil stays nil), its key or
	// secret when withKey, and WithMaxBodyBytes(limit).
	build func(fn deliver, withKey bool, limit int64) (http.Handler, error)
	// mustBuild calls NewHandler the same way.
	mustBuild func(fn deliver, withKey bool) http.Handler
	hasKey    bool
	// request builds a request with body, carrying the key or MAC.
	request func(body []byte) *http.Request
	// good and other are two different deliverable bodies; malformed is
	// one that cannot be parsed.
	good, other, malformed []byte
	// success is the vendor's success answer.
	success string
	// kind and session are what the Delivery of good says.
	kind, session string
	keyEmpty      bool // signage: triggers are commands
	redacted      string
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func wmsMAC(body []byte) string {
	m := hmac.New(sha256.New, []byte("wms-secret"))
	m.Write(body)
	return "hmac-sha256=" + hex.EncodeToString(m.Sum(nil))
}

func postRequest(target string, body []byte, header ...string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	return r
}

// vendors is the table. Its bodies are golden inputs from testdata/.
var vendors = []vendor{
	{
		name: "eeg",
		build: func(fn deliver, _ bool, limit int64) (http.Handler, error) {
			var f func(context.Context, eeg.Event) error
			if fn != nil {
				f = func(ctx context.Context, _ eeg.Event) error { return fn(ctx) }
			}
			return eeg.New(f, eeg.WithMaxBodyBytes(limit))
		},
		mustBuild: func(fn deliver, _ bool) http.Handler {
			var f func(context.Context, eeg.Event) error
			if fn != nil {
				f = func(ctx context.Context, _ eeg.Event) error { return fn(ctx) }
			}
			return eeg.NewHandler(f)
		},
		request: func(body []byte) *http.Request {
			return postRequest("/", body, "Content-Type", "application/json")
		},
		good:      must(os.ReadFile("../../testdata/eeg/real-bandpower.in")),
		other:     must(os.ReadFile("../../testdata/eeg/real-blink.in")),
		malformed: []byte(`{"type": `),
		success:   `{"ok":true}`,
		kind:      "bandpower",
	},
	{
		name: "sleep",
		build: func(fn deliver, withKey bool, limit int64) (http.Handler, error) {
			var f func(context.Context, sleep.Event) error
			if fn != nil {
				f = func(ctx context.Context, _ sleep.Event) error { return fn(ctx) }
			}
			opts := []sleep.Option{sleep.WithMaxBodyBytes(limit)}
			if withKey {
				opts = append(opts, sleep.WithAPIKeys("sleep-key"))
			}
			return sleep.New(f, opts...)
		},
		mustBuild: func(fn deliver, withKey bool) http.Handler {
			var f func(context.Context, sleep.Event) error
			if fn != nil {
				f = func(ctx context.Context, _ sleep.Event) error { return fn(ctx) }
			}
			var opts []sleep.Option
			if withKey {
				opts = append(opts, sleep.WithAPIKeys("sleep-key"))
			}
			return sleep.NewHandler(f, opts...)
		},
		hasKey: true,
		request: func(body []byte) *http.Request {
			return postRequest("/", body, "Content-Type", "application/json", "x-api-key", "sleep-key", "x-user-id", "u1")
		},
		good:      must(os.ReadFile("../../testdata/sleep/session_complete_v3.in")),
		other:     must(os.ReadFile("../../testdata/sleep/inference_complete_v3.in")),
		malformed: []byte(`{"event": `),
		success:   `{"ok":true}`,
		kind:      "SESSION_COMPLETE",
		session:   "20250115025029_fvivn",
		redacted:  "x-api-key",
	},
	{
		name: "signage",
		build: func(fn deliver, withKey bool, limit int64) (http.Handler, error) {
			var f func(context.Context, signage.Trigger) error
			if fn != nil {
				f = func(ctx context.Context, _ signage.Trigger) error { return fn(ctx) }
			}
			opts := []signage.Option{signage.WithMaxBodyBytes(limit)}
			if withKey {
				opts = append(opts, signage.WithAPIKeys("signage-key"))
			}
			return signage.New(f, opts...)
		},
		mustBuild: func(fn deliver, withKey bool) http.Handler {
			var f func(context.Context, signage.Trigger) error
			if fn != nil {
				f = func(ctx context.Context, _ signage.Trigger) error { return fn(ctx) }
			}
			var opts []signage.Option
			if withKey {
				opts = append(opts, signage.WithAPIKeys("signage-key"))
			}
			return signage.NewHandler(f, opts...)
		},
		hasKey: true,
		request: func(body []byte) *http.Request {
			return postRequest("/public-api/integration/webhooks", body, "Content-Type", "application/json", "X-Webhook-Apikey", "signage-key")
		},
		good:      []byte(`{"event_id": "show-menu", "sensor_data": {"id": "s1", "event": "temperature", "value": "21.5"}}`),
		other:     []byte(`{"event_id": "emergency"}`),
		malformed: []byte(`{"event_id": `),
		success:   `{"message":"success"}`,
		kind:      "trigger",
		keyEmpty:  true,
		redacted:  "X-Webhook-Apikey",
	},
	{
		name: "labvanced",
		build: func(fn deliver, _ bool, limit int64) (http.Handler, error) {
			var f func(context.Context, labvanced.Event) error
			if fn != nil {
				f = func(ctx context.Context, _ labvanced.Event) error { return fn(ctx) }
			}
			return labvanced.New(f, labvanced.WithMaxBodyBytes(limit))
		},
		mustBuild: func(fn deliver, _ bool) http.Handler {
			var f func(context.Context, labvanced.Event) error
			if fn != nil {
				f = func(ctx context.Context, _ labvanced.Event) error { return fn(ctx) }
			}
			return labvanced.NewHandler(f)
		},
		request: func(body []byte) *http.Request {
			return postRequest("/study/recordTrial", body, "Content-Type", "application/x-www-form-urlencoded; charset=UTF-8", "Origin", labvanced.DefaultOrigin)
		},
		good:      must(os.ReadFile("../../testdata/labvanced/recordTrial.form.in")),
		other:     []byte(strings.Replace(string(must(os.ReadFile("../../testdata/labvanced/recordTrial.form.in"))), "response%5D=red", "response%5D=blue", 1)),
		malformed: []byte("a" + strings.Repeat("[x]", 65) + "=1"), // nested too deep: a form otherwise always parses
		success:   `{"success":true}`,
		kind:      "recordTrial",
		session:   "982345",
	},
	{
		name: "wms",
		build: func(fn deliver, withKey bool, limit int64) (http.Handler, error) {
			var f func(context.Context, wms.Event) error
			if fn != nil {
				f = func(ctx context.Context, _ wms.Event) error { return fn(ctx) }
			}
			opts := []wms.Option{wms.WithMaxBodyBytes(limit)}
			if withKey {
				opts = append(opts, wms.WithSecrets("wms-secret"))
			}
			return wms.New(f, opts...)
		},
		mustBuild: func(fn deliver, withKey bool) http.Handler {
			var f func(context.Context, wms.Event) error
			if fn != nil {
				f = func(ctx context.Context, _ wms.Event) error { return fn(ctx) }
			}
			var opts []wms.Option
			if withKey {
				opts = append(opts, wms.WithSecrets("wms-secret"))
			}
			return wms.NewHandler(f, opts...)
		},
		hasKey: true,
		request: func(body []byte) *http.Request {
			return postRequest("/", body, "Content-Type", "application/json", "X-WMS-Content-MAC", wmsMAC(body))
		},
		good:      must(os.ReadFile("../../testdata/wms/spec-body.in")),
		other:     []byte(strings.Replace(string(must(os.ReadFile("../../testdata/wms/spec-body.in"))), `"sequence": 0`, `"sequence": 1`, 1)),
		malformed: []byte(`{"event": `),
		success:   `{"ok":true}`,
		kind:      "MEASUREMENT_CREATED",
		session:   "ryueiwoqfh910fu3rpqruvfiu",
		redacted:  "X-WMS-Content-MAC",
	},
}

func ok(context.Context) error { return nil }

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

func build(t *testing.T, v vendor, fn deliver, limit int64) http.Handler {
	t.Helper()
	h, err := v.build(fn, true, limit)
	require.NoError(t, err)
	return h
}

// assertJSONError checks that a failure answer is short JSON with the
// message in "error".
func assertJSONError(t *testing.T, rec *httptest.ResponseRecorder, status int) {
	t.Helper()
	assert.Equal(t, status, rec.Code, rec.Body.String())
	assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	var answer map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &answer), rec.Body.String())
	msg, _ := answer["error"].(string)
	assert.NotEmpty(t, msg, rec.Body.String())
	assert.Less(t, rec.Body.Len(), 300)
}

func TestContract(t *testing.T) {
	for _, v := range vendors {
		t.Run(v.name, func(t *testing.T) {
			t.Run("New refuses misconfiguration", func(t *testing.T) {
				_, err := v.build(nil, true, 0)
				assert.Error(t, err, "nil fn")
				assert.Panics(t, func() { v.mustBuild(nil, true) }, "NewHandler with nil fn")
				_, err = v.build(ok, true, -1)
				assert.Error(t, err, "negative limit")
				if v.hasKey {
					_, err = v.build(ok, false, 0)
					assert.Error(t, err, "no key")
					assert.Panics(t, func() { v.mustBuild(ok, false) }, "NewHandler without a key")
				}
				assert.NotPanics(t, func() { v.mustBuild(ok, true) })
				assert.True(t, strings.HasPrefix(err.Error(), v.name+": "), "%q names the package", err)
			})

			t.Run("success answers the vendor's body", func(t *testing.T) {
				rec := serve(build(t, v, ok, 0), v.request(v.good))
				assert.Equal(t, 200, rec.Code, rec.Body.String())
				assert.JSONEq(t, v.success, rec.Body.String())
				assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
			})

			t.Run("wrong method 405", func(t *testing.T) {
				r := v.request(v.good)
				r.Method = http.MethodPut
				rec := serve(build(t, v, ok, 0), r)
				assertJSONError(t, rec, 405)
				assert.Contains(t, rec.Header().Get("Allow"), "POST")
			})

			t.Run("over the limit 413", func(t *testing.T) {
				limit := int64(len(v.good) - 1)
				h := build(t, v, ok, limit)
				assertJSONError(t, serve(h, v.request(v.good)), 413)
				r := v.request(v.good)
				r.ContentLength = -1
				r.Body = io.NopCloser(bytes.NewReader(v.good)) // chunked: no declared length
				assertJSONError(t, serve(h, r), 413)
			})

			t.Run("declared 30 MiB with 1 byte sent allocates under 1 MiB", func(t *testing.T) {
				h := build(t, v, ok, 32<<20)
				r := v.request([]byte("{"))
				r.ContentLength = 30 << 20
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				serve(h, r)
				runtime.ReadMemStats(&after)
				assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<20))
			})

			t.Run("gzip", func(t *testing.T) {
				var got []byte
				h := build(t, v, func(ctx context.Context) error {
					d, _ := vendorhooks.DeliveryFromContext(ctx)
					got = bytes.Clone(d.Body)
					return nil
				}, int64(len(v.good)))
				r := v.request(v.good)
				zipped := gzipped(t, v.good) // longer than good for a short body: the limit is the decompressed size
				r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(zipped)), int64(len(zipped))
				r.Header.Set("Content-Encoding", "gzip")
				rec := serve(h, r)
				assert.Equal(t, 200, rec.Code, rec.Body.String())
				assert.Equal(t, string(v.good), string(got), "the body is delivered decompressed")

				bomb := gzipped(t, append(bytes.Clone(v.good), make([]byte, 8<<20)...))
				r = v.request(v.good)
				r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(bomb)), int64(len(bomb))
				r.Header.Set("Content-Encoding", "gzip")
				assertJSONError(t, serve(h, r), 413)

				r = v.request(v.good)
				r.Header.Set("Content-Encoding", "br")
				assertJSONError(t, serve(h, r), 415)
			})

			t.Run("unreadable body 400", func(t *testing.T) {
				r := v.request(v.good)
				r.ContentLength = -1
				r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(v.good[:len(v.good)/2]), failingReader{}))
				assertJSONError(t, serve(build(t, v, ok, 0), r), 400)
			})

			t.Run("malformed body 400", func(t *testing.T) {
				assertJSONError(t, serve(build(t, v, ok, 0), v.request(v.malformed)), 400)
			})

			if v.hasKey {
				t.Run("wrong key 401", func(t *testing.T) {
					r := v.request(v.good)
					r.Header.Set(v.redacted, "wrong")
					assertJSONError(t, serve(build(t, v, ok, 0), r), 401)
				})
			}

			t.Run("fn error 500", func(t *testing.T) {
				h := build(t, v, func(context.Context) error { return errors.New("database down at 10.0.0.7") }, 0)
				rec := serve(h, v.request(v.good))
				assertJSONError(t, rec, 500)
				assert.NotContains(t, rec.Body.String(), "10.0.0.7", "fn's error is logged, never sent")
			})

			t.Run("Delivery", func(t *testing.T) {
				var got []vendorhooks.Delivery
				h := build(t, v, func(ctx context.Context) error {
					d, ok := vendorhooks.DeliveryFromContext(ctx)
					require.True(t, ok)
					c := *d
					c.Body = bytes.Clone(d.Body)
					got = append(got, c)
					return nil
				}, 0)
				for _, body := range [][]byte{v.good, v.good, v.other} {
					rec := serve(h, v.request(body))
					require.Equal(t, 200, rec.Code, rec.Body.String())
				}
				require.Len(t, got, 3)
				d := got[0]
				assert.Equal(t, v.name, d.Vendor)
				assert.Equal(t, string(v.good), string(d.Body), "the exact bytes")
				assert.Equal(t, v.kind, d.Kind)
				assert.Equal(t, v.session, d.Session)
				assert.False(t, d.Received.IsZero())
				if v.redacted != "" {
					assert.Equal(t, vendorhooks.RedactedValue, d.Header.Get(v.redacted))
				}
				if v.keyEmpty {
					assert.Empty(t, d.IdempotencyKey)
					assert.Empty(t, got[1].IdempotencyKey)
					return
				}
				assert.True(t, strings.HasPrefix(d.IdempotencyKey, v.name+":"), d.IdempotencyKey)
				assert.Equal(t, d.IdempotencyKey, got[1].IdempotencyKey, "a retry has the same key")
				assert.NotEqual(t, d.IdempotencyKey, got[2].IdempotencyKey, "another delivery has another key")
			})
		})
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("connection reset by peer") }

func gzipped(t *testing.T, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(b)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}
