package httpx

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/vendorhooks/vendorhooks/internal/golden" // every test binary knows -update
)

func TestStatusAndPublicMessage(t *testing.T) {
	secret := "sk_live_123"
	tests := []struct {
		name   string
		err    error
		status int
		msg    string
	}{
		{"nil", nil, 200, ""},
		{"malformed shows its own text", Wrap(ErrMalformed, errors.New("eeg: line 1, column 3: unexpected '}'")), 400, "eeg: line 1, column 3: unexpected '}'"},
		{"not found shows its own text", Wrap(ErrNotFound, errors.New("signage: unknown event id \"e1\"")), 404, "signage: unknown event id \"e1\""},
		{"unauthorized hides the detail", Wrap(ErrUnauthorized, fmt.Errorf("key %s does not match", secret)), 401, "unauthorized"},
		{"unauthorized with a public reason", Unauthorized("missing x-api-key"), 401, "missing x-api-key"},
		{"too large", Wrap(ErrTooLarge, errors.New("body of 9 bytes")), 413, "request body too large"},
		{"max bytes error", &http.MaxBytesError{Limit: 1}, 413, "request body too large"},
		{"user function hides its error", Wrap(ErrHandler, fmt.Errorf("db password %s rejected", secret)), 500, "handler failed"},
		{"unknown error is 500", errors.New("what"), 500, "handler failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.status, Status(tt.err))
			if tt.err != nil {
				assert.Equal(t, tt.msg, PublicMessage(tt.err))
				assert.NotContains(t, PublicMessage(tt.err), secret)
			}
		})
	}
}

func TestWrapKeepsBothChains(t *testing.T) {
	inner := errors.New("inner")
	err := Wrap(ErrMalformed, fmt.Errorf("outer: %w", inner))
	assert.ErrorIs(t, err, ErrMalformed)
	assert.ErrorIs(t, err, inner)
	assert.Equal(t, "outer: inner", err.Error())
	assert.NoError(t, Wrap(ErrMalformed, nil))
}

func TestFailWritesJSON(t *testing.T) {
	rec := httptest.NewRecorder()
	status := Fail(rec, Unauthorized("missing signature"))
	assert.Equal(t, 401, status)
	assert.Equal(t, 401, rec.Code)
	assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	var body map[string]string
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	assert.Equal(t, map[string]string{"error": "missing signature"}, body)
}

func TestMethod(t *testing.T) {
	rec := httptest.NewRecorder()
	assert.True(t, Method(rec, httptest.NewRequest("POST", "/", nil), "POST"))
	assert.Equal(t, 200, rec.Code)

	rec = httptest.NewRecorder()
	assert.False(t, Method(rec, httptest.NewRequest("PUT", "/", nil), "GET", "POST"))
	assert.Equal(t, 405, rec.Code)
	assert.Equal(t, "GET, POST", rec.Header().Get("Allow"))
	assert.JSONEq(t, `{"error":"method PUT not allowed"}`, rec.Body.String())
}

func TestReadBody(t *testing.T) {
	t.Run("under the limit", func(t *testing.T) {
		r := httptest.NewRequest("POST", "/", strings.NewReader("hello"))
		b, err := ReadBody(httptest.NewRecorder(), r, 5)
		require.NoError(t, err)
		assert.Equal(t, "hello", string(b))
	})
	t.Run("declared length over the limit", func(t *testing.T) {
		r := httptest.NewRequest("POST", "/", strings.NewReader("hello!"))
		_, err := ReadBody(httptest.NewRecorder(), r, 5)
		assert.ErrorIs(t, err, ErrTooLarge)
		assert.Equal(t, 413, Status(err))
	})
	t.Run("unknown length over the limit", func(t *testing.T) {
		r := httptest.NewRequest("POST", "/", io.MultiReader(strings.NewReader("hel"), strings.NewReader("lo!")))
		r.ContentLength = -1
		_, err := ReadBody(httptest.NewRecorder(), r, 5)
		assert.ErrorIs(t, err, ErrTooLarge)
	})
	t.Run("unknown length under the limit", func(t *testing.T) {
		r := httptest.NewRequest("POST", "/", io.MultiReader(strings.NewReader(strings.Repeat("a", 700))))
		r.ContentLength = -1
		b, err := ReadBody(httptest.NewRecorder(), r, 0)
		require.NoError(t, err)
		assert.Len(t, b, 700)
	})
	t.Run("zero means the default of 1 MiB", func(t *testing.T) {
		require.Equal(t, int64(1<<20), DefaultMaxBodyBytes)
		for _, declared := range []bool{true, false} {
			for size, ok := range map[int]bool{1 << 20: true, 1<<20 + 1: false} {
				r := httptest.NewRequest("POST", "/", strings.NewReader(strings.Repeat("a", size)))
				if !declared {
					r.Body = io.NopCloser(r.Body)
					r.ContentLength = -1
				}
				b, err := ReadBody(httptest.NewRecorder(), r, 0)
				if ok {
					require.NoError(t, err, "declared %v", declared)
					assert.Len(t, b, size)
				} else {
					assert.ErrorIs(t, err, ErrTooLarge, "declared %v", declared)
				}
			}
		}
	})
	t.Run("declared length over the limit is refused unread", func(t *testing.T) {
		r := httptest.NewRequest("POST", "/", strings.NewReader("hello!"))
		r.Body = io.NopCloser(errReader{}) // reading would fail as malformed
		r.ContentLength = 6
		_, err := ReadBody(httptest.NewRecorder(), r, 5)
		assert.ErrorIs(t, err, ErrTooLarge)
		assert.NotErrorIs(t, err, ErrMalformed)
	})
	t.Run("read failure is malformed", func(t *testing.T) {
		r := httptest.NewRequest("POST", "/", io.MultiReader(strings.NewReader("ab"), errReader{}))
		r.ContentLength = -1
		_, err := ReadBody(httptest.NewRecorder(), r, 0)
		assert.ErrorIs(t, err, ErrMalformed)
	})
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestKeys(t *testing.T) {
	_, err := NewKeys(nil)
	assert.Error(t, err)
	_, err = NewKeys([]string{"a", ""})
	assert.Error(t, err)

	k, err := NewKeys([]string{"old-key", "new-key"})
	require.NoError(t, err)
	assert.Equal(t, 2, k.Len())
	assert.True(t, k.Match("old-key"))
	assert.True(t, k.Match("new-key"))
	assert.False(t, k.Match("new-ke"))
	assert.False(t, k.Match("new-key "))
	assert.False(t, k.Match(""))
	assert.False(t, Keys{}.Match("x"), "an empty set matches nothing")

	twice, err := NewKeys([]string{"same", "other", "same"})
	require.NoError(t, err)
	assert.True(t, twice.Match("same"), "a key listed twice still matches")
}

func TestOptionsLog(t *testing.T) {
	var buf strings.Builder
	o := Options{}
	r := httptest.NewRequest("POST", "/x", nil)
	o.Log(r, "eeg", "blink", 200, nil) // no logger: no panic, nothing written
	o.Logger = newTextLogger(&buf)
	o.Log(r, "eeg", "blink", 500, errors.New("boom"))
	line := buf.String()
	for _, want := range []string{"level=WARN", "vendor=eeg", "kind=blink", "status=500", "error=boom", "path=/x"} {
		assert.Contains(t, line, want)
	}
}

func newTextLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, nil))
}

// The path and kind a sender chose are cut in the log line, so that a 1 MiB
// route costs little to log.
func TestOptionsLogCuts(t *testing.T) {
	var buf strings.Builder
	o := Options{Logger: newTextLogger(&buf)}
	r := httptest.NewRequest("POST", "/study/"+strings.Repeat("r", 1<<20), nil)
	o.Log(r, "labvanced", strings.Repeat("k", 1<<20), 404, nil)
	line := buf.String()
	assert.Less(t, len(line), 600)
	assert.Contains(t, line, "path=/study/rrr")
	assert.Contains(t, line, `...`)
	assert.Equal(t, "é...", cut("éé", 3), "never inside a UTF-8 sequence")
	assert.Equal(t, "abc", cut("abc", 3))
}
