package sim

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/vendorhooks/vendorhooks/labvanced/labvancedtest"
	"github.com/vendorhooks/vendorhooks/wms"
)

// fakeReceiver is a minimal stand-in for examples/receiver: it enforces the
// body limit and each vendor's authentication, checks that bodies parse, and
// stores what it accepts (WMS duplicates once), so the simulator's framework
// can be tested without the real receiver.
type fakeReceiver struct {
	sleepKey, signageKey, wmsSecret string
	lenient                         bool // accept everything: a broken receiver

	mu     sync.Mutex
	stored []fakeRow
	seen   map[string]bool
}

type fakeRow struct{ vendor, kind, session string }

const fakeLimit = 1 << 20

func newFake(t *testing.T, f *fakeReceiver) (*httptest.Server, Config) {
	f.seen = map[string]bool{}
	mux := http.NewServeMux()
	mux.HandleFunc("/eeg/", f.eeg)
	mux.HandleFunc("/sleep/", f.sleep)
	mux.HandleFunc("/signage/public-api/integration/webhooks", f.signage)
	mux.HandleFunc("/labvanced/", f.labvanced)
	mux.HandleFunc("/wms/", f.wms)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, Config{URL: srv.URL, SleepAPIKey: f.sleepKey, SignageAPIKey: f.signageKey, WMSSecret: f.wmsSecret}
}

func (f *fakeReceiver) store(vendor, kind, session string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stored = append(f.stored, fakeRow{vendor, kind, session})
}

func (f *fakeReceiver) count(vendor string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.stored {
		if r.vendor == vendor {
			n++
		}
	}
	return n
}

// read answers 413 or 400 itself and returns ok false when the body is unusable.
func (f *fakeReceiver) read(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, fakeLimit))
	var mbe *http.MaxBytesError
	switch {
	case f.lenient:
		return b, true
	case errors.As(err, &mbe):
		http.Error(w, "too large", http.StatusRequestEntityTooLarge)
		return nil, false
	case err != nil:
		http.Error(w, "bad body", http.StatusBadRequest)
		return nil, false
	}
	return b, true
}

func (f *fakeReceiver) jsonBody(w http.ResponseWriter, b []byte, v any) bool {
	if err := json.Unmarshal(b, v); err != nil && !f.lenient {
		http.Error(w, "malformed", http.StatusBadRequest)
		return false
	}
	return true
}

func (f *fakeReceiver) eeg(w http.ResponseWriter, r *http.Request) {
	b, ok := f.read(w, r)
	if !ok {
		return
	}
	var m struct{ Type string }
	if strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain") {
		// Python literal: good enough to check it is closed.
		t := strings.TrimSpace(string(b))
		if !strings.HasSuffix(t, "}") && !f.lenient {
			http.Error(w, "malformed", http.StatusBadRequest)
			return
		}
		m.Type = "python"
	} else if !f.jsonBody(w, b, &m) {
		return
	}
	f.store(EEG, m.Type, "")
}

func (f *fakeReceiver) sleep(w http.ResponseWriter, r *http.Request) {
	b, ok := f.read(w, r)
	if !ok {
		return
	}
	if r.Header.Get("x-api-key") != f.sleepKey && !f.lenient {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	type data struct {
		SessionID string `json:"session_id"`
		Session   struct{ ID string }
	}
	var m struct {
		Event         string
		CallbackEvent string `json:"callback_event"`
		Data          data
		CallbackData  data `json:"callback_data"`
	}
	if !f.jsonBody(w, b, &m) {
		return
	}
	f.store(Sleep, m.Event+m.CallbackEvent, m.Data.SessionID+m.Data.Session.ID+m.CallbackData.SessionID)
}

func (f *fakeReceiver) signage(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get("X-Webhook-Apikey")
	if r.Method == http.MethodGet {
		key = r.URL.Query().Get("apiKey")
		if p := r.URL.Query().Get("payload"); p != "" {
			raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(strings.NewReplacer("+", "-", "/", "_").Replace(p), "="))
			if err != nil || !json.Valid(raw) {
				http.Error(w, "malformed", http.StatusBadRequest)
				return
			}
		}
	} else {
		b, ok := f.read(w, r)
		if !ok {
			return
		}
		var m map[string]any
		if !f.jsonBody(w, b, &m) {
			return
		}
	}
	if key != f.signageKey && !f.lenient {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"message":"Error"}`)
		return
	}
	f.store(Signage, "trigger", "")
	io.WriteString(w, `{"message":"success"}`)
}

func (f *fakeReceiver) labvanced(w http.ResponseWriter, r *http.Request) {
	route := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	if r.Header.Get("Origin") != labvancedtest.Origin {
		http.Error(w, "no origin", http.StatusBadRequest)
		return
	}
	if r.Method == http.MethodOptions {
		w.Header().Set("Access-Control-Allow-Origin", labvancedtest.Origin)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if route == "file_upload" {
		if err := r.ParseMultipartForm(fakeLimit); err != nil {
			http.Error(w, "malformed", http.StatusBadRequest)
			return
		}
		f.store(Labvanced, route, r.FormValue("expSessionNr"))
		io.WriteString(w, `{"file_guid":"g-1","file_name":"f.webm"}`)
		return
	}
	b, ok := f.read(w, r)
	if !ok {
		return
	}
	var session string
	if r.Header.Get("Content-Type") == "application/json" {
		var m struct{ ExpSessionNr string }
		if !f.jsonBody(w, b, &m) {
			return
		}
		session = m.ExpSessionNr
	} else {
		q, err := url.ParseQuery(string(b))
		if (err != nil || q.Get("expSessionNr") == "") && !f.lenient {
			http.Error(w, "malformed", http.StatusBadRequest)
			return
		}
		session = q.Get("expSessionNr")
	}
	f.store(Labvanced, route, session)
	io.WriteString(w, `{"success":true}`)
}

func (f *fakeReceiver) wms(w http.ResponseWriter, r *http.Request) {
	b, ok := f.read(w, r)
	if !ok {
		return
	}
	m := hmac.New(sha256.New, []byte(f.wmsSecret))
	m.Write(b)
	want := "hmac-sha256=" + hex.EncodeToString(m.Sum(nil))
	if !hmac.Equal([]byte(r.Header.Get(wms.MACHeader)), []byte(want)) && !f.lenient {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	var ev struct {
		SessionID string
		Sequence  int
		Event     string
	}
	if !f.jsonBody(w, b, &ev) {
		return
	}
	key := fmt.Sprintf("%s/%d", ev.SessionID, ev.Sequence)
	f.mu.Lock()
	dup := f.seen[key]
	f.seen[key] = true
	f.mu.Unlock()
	if !dup {
		f.store(WMS, ev.Event, ev.SessionID)
	}
	w.WriteHeader(http.StatusNoContent)
}
