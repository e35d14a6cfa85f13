package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/examples/receiver/server"
	"github.com/vendorhooks/vendorhooks/labvanced/labvancedtest"
)

// served is a receiver behind the command's own http.Server and listener
// (NewHTTPServer, Listen), on 127.0.0.1.
type served struct {
	s    *server.Server
	base string
	addr string
}

func serve(t *testing.T, cfg server.Config) *served {
	t.Helper()
	dir := t.TempDir()
	cfg.DBPath = server.DBFor(t, dir)
	cfg.UploadsDir = filepath.Join(dir, "uploads")
	s, err := server.Open(context.Background(), cfg)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := s.NewHTTPServer()
	done := make(chan struct{})
	go func() { defer close(done); srv.Serve(s.Listen(ln)) }()
	t.Cleanup(func() {
		srv.Close()
		<-done
		s.Close()
	})
	return &served{s: s, base: "http://" + ln.Addr().String(), addr: ln.Addr().String()}
}

// postEEG posts one Petal message over client and returns the status.
func (sv *served) postEEG(t *testing.T, client *http.Client, body []byte) int {
	t.Helper()
	resp, err := client.Post(sv.base+"/eeg/", "application/json", strings.NewReader(string(body)))
	require.NoError(t, err)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// count returns how many events of vendor are stored.
func (sv *served) count(t *testing.T, vendor string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, sv.base+"/events?limit=1000&vendor="+vendor, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+sv.s.AdminToken())
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var list server.EventList
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&list))
	return len(list.Events)
}

// TestTricklingClientCutOff sends a body one byte at a time (the headers
// promise 4000 bytes) to a vendor route: the receiver cuts the connection
// off once the body-read deadline passes, and stores nothing, while
// normal requests sent meanwhile are served.
func TestTricklingClientCutOff(t *testing.T) { server.ForBackends(t, testTricklingClientCutOff) }

func testTricklingClientCutOff(t *testing.T) {
	sv := serve(t, server.Config{BodyReadTimeout: 300 * time.Millisecond})
	eeg := readInput(t, "eeg", benchEEGCase)

	conn, err := net.Dial("tcp", sv.addr)
	require.NoError(t, err)
	defer conn.Close()
	_, err = fmt.Fprintf(conn, "POST /eeg/ HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n{", sv.addr)
	require.NoError(t, err)
	var trickled atomic.Int64
	go func() {
		for i := 0; i < 4000; i++ {
			if _, err := conn.Write([]byte(" ")); err != nil {
				return
			}
			trickled.Add(1)
			time.Sleep(20 * time.Millisecond) // the trickle itself: 50 bytes/s
		}
	}()

	for i := 0; i < 5; i++ {
		assert.Equal(t, http.StatusOK, sv.postEEG(t, http.DefaultClient, eeg), "a normal request is served meanwhile")
	}

	// The bound below is generous: the deadline is 300 ms; the full trickle
	// would take 80 s.
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(20*time.Second)))
	answer, err := io.ReadAll(bufio.NewReader(conn)) // until the receiver closes the connection
	var ne net.Error
	require.False(t, errors.As(err, &ne) && ne.Timeout(), "the receiver did not cut the trickling client off (it sent %d bytes)", trickled.Load())
	assert.Less(t, trickled.Load(), int64(3999), "cut off before the body was complete")
	assert.Equal(t, "HTTP/1.1 400 Bad Request", firstLine(answer), "the vendor handler's answer to a body it could not read")
	assert.Equal(t, 1, sv.count(t, "eeg"), "the trickled body is not stored (the five normal ones are one delivery, stored once)")
}

func firstLine(b []byte) string {
	line, _, _ := strings.Cut(string(b), "\r\n")
	return line
}

// steady is a reader of n bytes that pauses between chunks of 64 KiB, as a
// slow but live link does.
type steady struct {
	left  int
	pause time.Duration
}

func (s *steady) Read(p []byte) (int, error) {
	if s.left == 0 {
		return 0, io.EOF
	}
	time.Sleep(s.pause)
	n := min(len(p), s.left, 64<<10)
	for i := range p[:n] {
		p[i] = 'v'
	}
	s.left -= n
	return n, nil
}

// TestSlowSteadyUploadCompletes uploads 3 MiB in 64 KiB chunks with a pause
// before each, taking several times the body-read deadline in all: bytes
// keep flowing, so the upload completes.
func TestSlowSteadyUploadCompletes(t *testing.T) {
	server.ForBackends(t, testSlowSteadyUploadCompletes)
}

func testSlowSteadyUploadCompletes(t *testing.T) {
	const timeout = 300 * time.Millisecond
	sv := serve(t, server.Config{BodyReadTimeout: timeout})
	const size = 3 << 20
	req := labvancedtest.NewUploadRequest(sv.base+"/labvanced/file_upload", "5551", "slow.webm", &steady{left: size, pause: timeout / 8})
	req.RequestURI = ""
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
	assert.Greater(t, time.Since(start), 2*timeout, "the upload took longer than the deadline (else the test shows nothing)")
	assert.Equal(t, 1, sv.count(t, "labvanced"))
}

// TestIdleConnectionsDoNotStarveVendors fills the connection cap with idle
// keep-alive connections (a reader's, as dashboard tabs leave them): the
// receiver closes idle connections once three quarters of the cap are
// open, so a vendor still gets through, and reads beyond a quarter of the
// cap are answered 503.
func TestIdleConnectionsDoNotStarveVendors(t *testing.T) {
	server.ForBackends(t, testIdleConnectionsDoNotStarveVendors)
}

func testIdleConnectionsDoNotStarveVendors(t *testing.T) {
	const maxConns = 8
	sv := serve(t, server.Config{MaxConns: maxConns})
	eeg := readInput(t, "eeg", benchEEGCase)

	// maxConns clients, each with one keep-alive connection left idle.
	var idle []*http.Client
	for i := 0; i < maxConns; i++ {
		c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}, Timeout: 20 * time.Second}
		resp, err := c.Get(sv.base + "/healthz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		idle = append(idle, c)
	}
	vendor := &http.Client{Timeout: 20 * time.Second} // a generous bound: Accept would wait for IdleTimeout (120 s)
	for i := 0; i < 3; i++ {
		assert.Equal(t, http.StatusOK, sv.postEEG(t, vendor, eeg), "a vendor gets a connection")
	}
	for _, c := range idle {
		c.CloseIdleConnections()
	}
}

// TestReadsCapped holds a quarter of the connection cap in open dashboard
// event streams (GET /live, one per tab): one more read is answered 503,
// while a vendor is served.
func TestReadsCapped(t *testing.T) { server.ForBackends(t, testReadsCapped) }

func testReadsCapped(t *testing.T) {
	const maxConns = 8 // two reads at once
	sv := serve(t, server.Config{MaxConns: maxConns})
	eeg := readInput(t, "eeg", benchEEGCase)
	auth := "Bearer " + sv.s.AdminToken()
	get := func(target string) *http.Response {
		req, err := http.NewRequest(http.MethodGet, sv.base+target, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", auth)
		resp, err := (&http.Client{Transport: &http.Transport{}}).Do(req) // a connection of its own
		require.NoError(t, err)
		return resp
	}
	for i := 0; i < maxConns/4; i++ {
		tab := get("/live")
		require.Equal(t, http.StatusOK, tab.StatusCode)
		defer tab.Body.Close()
	}
	resp := get("/events?limit=1")
	resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "a read beyond the cap")
	assert.NotEmpty(t, resp.Header.Get("Retry-After"))
	assert.Equal(t, http.StatusOK, sv.postEEG(t, http.DefaultClient, eeg), "a vendor is served")
}
