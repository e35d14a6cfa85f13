// Package signagetest provides a fake signage server and request builders
// for tests of code that sends or receives signage triggers.
//
// Every request builder takes the target first, then the body or trigger,
// then the key: NewRequest, NewPostRequest, NewGetRequest and
// NewLegacyGetRequest build server-side requests for a handler's ServeHTTP
// (they panic on bad input, like httptest.NewRequest), and NewClientRequest
// builds one to send over a real connection.
package signagetest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"

	"github.com/vendorhooks/vendorhooks/internal/httpx"
	"github.com/vendorhooks/vendorhooks/signage"
)

// Key is the API key a Server accepts when NewServer is given none.
const Key = "signagetest-key"

// LegacySensorBody is a POST body as older senders write it: sensor_data is
// a string holding a JavaScript object literal.
const LegacySensorBody = `{"event_id": "sensor-temp", "sensor_data": "{id: 's1', event: 'temperature', value: '42'}"}`

// EmergencyTrigger returns a trigger without sensor data.
func EmergencyTrigger() signage.Trigger {
	return signage.Trigger{EventID: "emergency-on"}
}

// SensorTrigger returns a trigger with sensor data.
func SensorTrigger() signage.Trigger {
	return signage.Trigger{EventID: "sensor-temp", Sensor: &signage.SensorData{ID: "s1", Event: "temperature", Value: "42"}}
}

// Server is a fake signage server: an httptest.Server that accepts triggers
// at /public-api/integration/webhooks with signage.NewHandler, records every
// accepted one, and answers 404 on any other path. Close it when done.
type Server struct {
	*httptest.Server
	key string

	mu       sync.Mutex
	triggers []signage.Trigger
	failures []int
	requests int
}

// NewServer starts a fake server accepting keys, or Key when none is given.
// It panics on an empty key, as signage.NewHandler does.
func NewServer(keys ...string) *Server {
	if len(keys) == 0 {
		keys = []string{Key}
	}
	s := &Server{key: keys[0]}
	h := signage.NewHandler(s.record, signage.WithAPIKeys(keys...))
	mux := http.NewServeMux()
	mux.HandleFunc(signage.Path, func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests++
		s.mu.Unlock()
		if status, ok := s.nextFailure(); ok {
			writeError(w, status, "signagetest: injected failure")
			return
		}
		h.ServeHTTP(w, r)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "signagetest: no endpoint at "+r.URL.Path)
	})
	s.Server = httptest.NewServer(mux)
	return s
}

// writeError answers the vendor's error body.
func writeError(w http.ResponseWriter, status int, reason string) {
	httpx.WriteJSON(w, status, map[string]string{"message": "Error", "error": reason})
}

func (s *Server) record(_ context.Context, t signage.Trigger) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.triggers = append(s.triggers, t)
	return nil
}

func (s *Server) nextFailure() (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.failures) == 0 {
		return 0, false
	}
	status := s.failures[0]
	s.failures = s.failures[1:]
	return status, true
}

// Triggers returns a copy of the triggers accepted so far, in arrival order.
func (s *Server) Triggers() []signage.Trigger {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]signage.Trigger(nil), s.triggers...)
}

// Requests returns how many requests reached the endpoint, accepted or not.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// FailNext makes the server answer the next len(statuses) requests to the
// endpoint with these statuses and {"message":"Error"}, without looking at
// or recording them; it is how tests reach a client's error and retry paths.
func (s *Server) FailNext(statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, statuses...)
}

// NewClient returns a client of the server with its first key and the
// server's own *http.Client.
func (s *Server) NewClient() *signage.Client {
	return &signage.Client{BaseURL: s.URL, APIKey: s.key, HTTPClient: s.Client()}
}

// NewRequest returns a POST request to target carrying body as JSON, with
// key in the X-Webhook-Apikey header (no header when key is ""), for passing
// to a handler's ServeHTTP. Like httptest.NewRequest it panics on a target
// it cannot parse.
func NewRequest(target string, body []byte, key string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	if key != "" {
		r.Header.Set(signage.HeaderAPIKey, key)
	}
	return r
}

// NewClientRequest returns a POST request to url carrying body as JSON, with
// key in the X-Webhook-Apikey header (no header when key is ""), for sending
// over a real connection with an http.Client (to an httptest.Server, say).
// Its errors are http.NewRequestWithContext's.
func NewClientRequest(ctx context.Context, url string, body []byte, key string) (*http.Request, error) {
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	r.Header.Set("Content-Type", "application/json")
	if key != "" {
		r.Header.Set(signage.HeaderAPIKey, key)
	}
	return r, nil
}

// NewPostRequest returns NewRequest(target, body, key) with body the JSON of
// t, as a Client sends it. It panics when t does not marshal.
func NewPostRequest(target string, t signage.Trigger, key string) *http.Request {
	body, err := json.Marshal(t)
	if err != nil {
		panic("signagetest: " + err.Error())
	}
	return NewRequest(target, body, key)
}

// NewGetRequest returns a GET request to target carrying t in the payload
// parameter (its JSON base64-encoded, standard alphabet padded, then
// percent-encoded), as Client.TriggerURL builds it, after the apiKey
// parameter (none when key is ""). It panics when t.EventID is empty or
// target does not parse.
func NewGetRequest(target string, t signage.Trigger, key string) *http.Request {
	if t.EventID == "" {
		panic("signagetest: trigger has no event id")
	}
	body, err := json.Marshal(t)
	if err != nil {
		panic("signagetest: " + err.Error())
	}
	return newGet(target, key, signage.QueryPayload, base64.StdEncoding.EncodeToString(body))
}

// NewLegacyGetRequest returns a GET request to target in the older eventId
// form, as Client.LegacyTriggerURL builds it, after the apiKey parameter
// (none when key is ""). It panics when eventID is empty or target does not
// parse.
func NewLegacyGetRequest(target, eventID, key string) *http.Request {
	if eventID == "" {
		panic("signagetest: trigger has no event id")
	}
	return newGet(target, key, signage.QueryEventID, eventID)
}

// newGet returns a GET request to target with the apiKey parameter (unless
// key is "") and one more, after any query target has.
func newGet(target, key, name, value string) *http.Request {
	var query string
	if key != "" {
		query = signage.QueryAPIKey + "=" + url.QueryEscape(key) + "&"
	}
	query += name + "=" + url.QueryEscape(value)
	sep := "?"
	if strings.Contains(target, "?") {
		sep = "&"
	}
	return httptest.NewRequest(http.MethodGet, target+sep+query, nil)
}

// ParseRequest reads a request kept in a file, in this plain format:
//
//	METHOD [TARGET]
//	Header-Name: value
//	...
//	(empty line)
//	body, verbatim to the end of the data
//
// TARGET is the path and query (starting with '/' or '?'); it defaults to /public-api/integration/webhooks,
// and a TARGET starting with '?' is that path with this query. Header lines
// and the body are optional; without an empty line there is no body. The
// testdata/signage/*.in files of this module are in this format.
func ParseRequest(data []byte) (*http.Request, error) {
	head, body, _ := bytes.Cut(data, []byte("\n\n"))
	lines := strings.Split(strings.TrimSuffix(string(head), "\n"), "\n")
	method, target, _ := strings.Cut(strings.TrimSuffix(lines[0], "\r"), " ")
	if method == "" {
		return nil, errors.New("signagetest: request has no method")
	}
	switch {
	case target == "":
		target = signage.Path
	case strings.ContainsAny(target, " \t"):
		return nil, errors.New("signagetest: request line has more than a method and a target")
	case strings.HasPrefix(target, "?"):
		target = signage.Path + target
	case !strings.HasPrefix(target, "/"):
		return nil, errors.New("signagetest: target must start with / or ?")
	}
	r, err := http.NewRequest(method, "http://example.com"+target, bytes.NewReader(body))
	if err != nil {
		return nil, errors.New("signagetest: " + err.Error())
	}
	for _, line := range lines[1:] {
		name, value, ok := strings.Cut(strings.TrimSuffix(line, "\r"), ":")
		if !ok {
			return nil, errors.New("signagetest: header line without a colon: " + line)
		}
		r.Header.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	r.RequestURI = target
	return r, nil
}
