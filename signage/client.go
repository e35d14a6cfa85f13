package signage

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Client sends triggers to a signage server. Its zero value is not usable:
// BaseURL and APIKey are required. A Client is safe for concurrent use when
// its fields are not changed.
type Client struct {
	// BaseURL is the server root ("https://signage.example.com"), to which
	// the endpoint path /public-api/integration/webhooks is appended, unless
	// BaseURL's path already ends with it. A path in BaseURL is kept, so a
	// server mounted under a prefix is reached with "https://host/prefix".
	BaseURL string
	// APIKey is the key created in the vendor's settings.
	APIKey string
	// HTTPClient sends the requests; nil means http.DefaultClient.
	HTTPClient *http.Client
	// Retry retries failed triggers. Its zero value never retries, because
	// the server may already have acted on a trigger whose answer was lost.
	Retry Retry
}

// Retry is a bounded retry policy with exponential backoff, for network
// errors and 5xx answers. Other answers, and a done context, are never
// retried.
type Retry struct {
	// Max is the number of retries after the first attempt; 0 retries never.
	Max int
	// Backoff is the wait before the first retry, doubled before each next
	// one; zero means 100ms.
	Backoff time.Duration
	// MaxBackoff caps the wait; zero means 5s.
	MaxBackoff time.Duration
}

// APIError is a non-success answer from the server.
type APIError struct {
	// StatusCode is the HTTP status. It may be 200: the vendor's own sample
	// treats a 200 with {"message":"Error"} as a failure too.
	StatusCode int
	// Message is the answer's "message" ("Error"), or the start of the body
	// when it is not the vendor's JSON.
	Message string
	// Reason is the answer's "error", when it has one.
	Reason string
}

func (e *APIError) Error() string {
	s := "signage: server answered " + strconv.Itoa(e.StatusCode)
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Reason != "" {
		s += " (" + e.Reason + ")"
	}
	return s
}

// ErrClient reports a Client that cannot send: no BaseURL or APIKey, or a
// trigger without an event id.
var ErrClient = errors.New("signage: client not usable")

// maxAnswerBytes bounds how much of an answer the client reads.
const maxAnswerBytes = 64 << 10

// Trigger POSTs t as JSON (Trigger.MarshalJSON: Extra members included, so a
// relayed trigger keeps what the decoder did not know) with the key in
// X-Webhook-Apikey. It returns nil when the server answers 2xx, unless the
// answer is {"message":"Error"} (the vendor's own sample checks for that);
// an *APIError for any other answer;
// and the context's error when ctx ends first. With c.Retry set, network
// errors and 5xx answers are retried.
func (c *Client) Trigger(ctx context.Context, t Trigger) error {
	endpoint, err := c.endpoint()
	if err != nil {
		return err
	}
	if t.EventID == "" {
		return fmt.Errorf("%w: trigger has no event id", ErrClient)
	}
	body, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("signage: encoding trigger: %w", err)
	}
	wait := c.Retry.Backoff
	if wait <= 0 {
		wait = 100 * time.Millisecond
	}
	maxWait := c.Retry.MaxBackoff
	if maxWait <= 0 {
		maxWait = 5 * time.Second
	}
	for attempt := 0; ; attempt++ {
		err := c.post(ctx, endpoint, body)
		if err == nil || attempt >= c.Retry.Max || !retryable(ctx, err) {
			return err
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-timer.C:
		}
		wait = min(2*wait, maxWait)
	}
}

// retryable reports whether a failed attempt may be retried.
func retryable(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.StatusCode >= 500
	}
	return true // a network error
}

// post sends one attempt.
func (c *Client) post(ctx context.Context, endpoint string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("signage: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderAPIKey, c.APIKey)
	hc := c.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("signage: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes))
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("signage: reading answer: %w", err)
	}
	return checkAnswer(resp.StatusCode, data)
}

// checkAnswer returns nil for a success answer and an *APIError otherwise.
func checkAnswer(status int, data []byte) error {
	var a answer
	isJSON := json.Unmarshal(data, &a) == nil
	ok := status >= 200 && status < 300
	if ok && !(isJSON && a.Message == messageError) {
		return nil
	}
	e := &APIError{StatusCode: status, Message: a.Message, Reason: a.Error}
	if !isJSON {
		msg := strings.TrimSpace(string(data))
		if len(msg) > 200 {
			msg = msg[:200]
		}
		e.Message = msg
	}
	return e
}

// endpoint returns the URL triggers are sent to.
func (c *Client) endpoint() (string, error) {
	if c.BaseURL == "" || c.APIKey == "" {
		return "", fmt.Errorf("%w: BaseURL and APIKey are required", ErrClient)
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil {
		return "", fmt.Errorf("signage: BaseURL: %w", err)
	}
	if u.Scheme == "" || u.Host == "" {
		return "", fmt.Errorf("%w: BaseURL must be absolute", ErrClient)
	}
	if !strings.HasSuffix(strings.TrimSuffix(u.Path, "/"), Path) {
		u.Path = strings.TrimSuffix(u.Path, "/") + Path
		u.RawPath = ""
	}
	u.RawQuery, u.Fragment = "", ""
	return u.String(), nil
}

// TriggerURL returns the GET link that sends t:
// BaseURL/public-api/integration/webhooks?apiKey=K&payload=P, with P the
// JSON of t base64-encoded (standard alphabet, padded) and then
// percent-encoded, as the vendor documents it. The link holds the key: treat
// it as a secret.
func (c *Client) TriggerURL(t Trigger) (string, error) {
	if t.EventID == "" {
		return "", fmt.Errorf("%w: trigger has no event id", ErrClient)
	}
	body, err := json.Marshal(t)
	if err != nil {
		return "", fmt.Errorf("signage: encoding trigger: %w", err)
	}
	return c.getURL(QueryPayload, base64.StdEncoding.EncodeToString(body))
}

// LegacyTriggerURL returns the older GET link that sends the event eventID
// without sensor data:
// BaseURL/public-api/integration/webhooks?apiKey=K&eventId=E. The link holds
// the key: treat it as a secret.
func (c *Client) LegacyTriggerURL(eventID string) (string, error) {
	if eventID == "" {
		return "", fmt.Errorf("%w: trigger has no event id", ErrClient)
	}
	return c.getURL(QueryEventID, eventID)
}

// getURL returns the endpoint with apiKey and one more parameter, in that
// order.
func (c *Client) getURL(name, value string) (string, error) {
	endpoint, err := c.endpoint()
	if err != nil {
		return "", err
	}
	return endpoint + "?" + QueryAPIKey + "=" + url.QueryEscape(c.APIKey) + "&" + name + "=" + url.QueryEscape(value), nil
}
