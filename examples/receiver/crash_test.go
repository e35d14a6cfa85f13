package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/examples/internal/pgtest"
	"github.com/vendorhooks/vendorhooks/labvanced/labvancedtest"

	_ "github.com/vendorhooks/vendorhooks/internal/golden" // every test binary must know -update
)

const crashSecret = "crash-test-secret"

// receiverProc is the receiver binary running as a subprocess.
type receiverProc struct {
	cmd     *exec.Cmd
	baseURL string
}

// startReceiver runs bin on db and waits for its banner to learn its address.
// env entries (NAME=value) override the keys it is started with; args are
// added to its flags.
func startReceiver(t *testing.T, bin, dir string, env []string, args ...string) *receiverProc {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"-addr", "127.0.0.1:0", "-db", filepath.Join(dir, "crash.db"), "-uploads", filepath.Join(dir, "uploads")}, args...)...)
	cmd.Env = append(os.Environ(),
		"VENDORHOOKS_WMS_SECRETS="+crashSecret,
		"VENDORHOOKS_SLEEP_API_KEYS=crash-sleep",
		"VENDORHOOKS_SIGNAGE_API_KEYS=crash-signage",
		"VENDORHOOKS_ADMIN_TOKEN="+crashAdmin)
	cmd.Env = append(cmd.Env, env...) // the last value of a name wins
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = io.Discard
	require.NoError(t, cmd.Start())
	sc := bufio.NewScanner(stdout)
	var base string
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "vendorhooks receiver listening on "); ok {
			base, _, _ = strings.Cut(rest, " ")
			break
		}
	}
	if base == "" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("receiver printed no address: %v", sc.Err())
	}
	go io.Copy(io.Discard, stdout)
	return &receiverProc{cmd: cmd, baseURL: base}
}

// binDir holds the receiver binary the tests share; TestMain removes it.
var binDir string

// build builds the receiver binary once for all tests of this package.
var build = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "receiver-test")
	if err != nil {
		return "", err
	}
	binDir = dir
	bin := filepath.Join(dir, "receiver")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %w\n%s", err, out)
	}
	return bin, nil
})

// buildReceiver returns the receiver binary, built on first use.
func buildReceiver(t *testing.T) string {
	t.Helper()
	bin, err := build()
	require.NoError(t, err)
	return bin
}

// TestMain starts the PostgreSQL server of the multi-receiver test (a
// missing server fails the tests), runs them, and removes the receiver
// binary.
func TestMain(m *testing.M) {
	code := pgtest.Run(m)
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// wmsRequest is one signed WMS event; session and sequence identify it.
func wmsRequest(ctx context.Context, base, session string, seq int) (*http.Request, error) {
	body := fmt.Sprintf(`{"timestamp":%d,"sessionId":%q,"sequence":%d,"event":"INTERMEDIATE_RESULTS","severity":"INFO","payload":{"measurementId":"m-%s","snr":%d,"sequence":%d}}`,
		1689684577+seq, session, seq, session, seq%100, seq)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/wms/", strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	mac := hmac.New(sha256.New, []byte(crashSecret))
	mac.Write([]byte(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-WMS-Content-MAC", "hmac-sha256="+hex.EncodeToString(mac.Sum(nil)))
	return req, nil
}

// TestCrashDurability kills the receiver with SIGKILL at a random moment
// while many goroutines send, restarts it on the same database, and checks
// that every event that was answered 2xx is stored exactly once. Events that
// got no answer are sent again after the restart (as WMS would retry), and
// must then be stored exactly once too: the WMS session and sequence make a
// repeat a duplicate. Labvanced uploads run beside them: every acknowledged
// upload must have its event, once, and its file with the content sent.
func TestCrashDurability(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the receiver binary; skipped with -short")
	}
	dir := t.TempDir()
	bin := buildReceiver(t)

	const (
		rounds    = 4
		senders   = 16 // WMS events
		uploaders = 2  // Labvanced file uploads
	)
	client := &http.Client{
		Timeout:   5 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: senders},
	}
	type key struct {
		session string
		seq     int
	}
	var mu sync.Mutex
	acked := map[key]bool{}
	var unacked []key                   // sent, answer lost in the crash: sent again next round
	ackedUploads := map[string]upload{} // by file_guid
	totalAcked := 0

	send := func(ctx context.Context, base string, k key) bool {
		req, err := wmsRequest(ctx, base, k.session, k.seq)
		if err != nil {
			return false
		}
		resp, err := client.Do(req)
		if err != nil {
			return false
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			if resp.StatusCode != http.StatusInternalServerError {
				t.Errorf("%v: status %d", k, resp.StatusCode)
			}
			return false
		}
		return true
	}

	for round := range rounds {
		p := startReceiver(t, bin, dir, nil)
		ctx, cancel := context.WithCancel(context.Background())
		// Retry what the last crash left unanswered, before new events.
		retry := unacked
		unacked = nil
		for _, k := range retry {
			if !send(ctx, p.baseURL, k) {
				t.Fatalf("retry of %v after restart failed", k)
			}
			acked[k] = true
		}
		var wg sync.WaitGroup
		for g := range senders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				session := fmt.Sprintf("r%d-g%d", round, g)
				for seq := 0; ; seq++ {
					k := key{session, seq}
					ok := send(ctx, p.baseURL, k)
					mu.Lock()
					if ok {
						acked[k] = true
						totalAcked++
					} else {
						unacked = append(unacked, k)
					}
					mu.Unlock()
					if !ok {
						return // the receiver is gone
					}
				}
			}()
		}
		for g := range uploaders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := 0; ; n++ {
					up, ok := sendUpload(ctx, client, p.baseURL, fmt.Sprintf("%d%02d%04d", round+1, g, n))
					if !ok {
						return
					}
					mu.Lock()
					ackedUploads[up.GUID] = up
					mu.Unlock()
				}
			}()
		}
		time.Sleep(time.Duration(300+rand.IntN(900)) * time.Millisecond)
		require.NoError(t, p.cmd.Process.Kill()) // SIGKILL: no shutdown code runs
		p.cmd.Wait()
		cancel()
		wg.Wait()
		t.Logf("round %d: %d acknowledged so far, %d unanswered to retry", round, totalAcked, len(unacked))
	}

	p := startReceiver(t, bin, dir, nil)
	defer func() { p.cmd.Process.Kill(); p.cmd.Wait() }()
	for _, k := range unacked {
		require.True(t, send(context.Background(), p.baseURL, k), "retry of %v", k)
		acked[k] = true
	}
	stored := map[key]int{}
	eachEvent(t, client, p.baseURL, "vendor=wms", func(e storedEvent) {
		var ev struct {
			Sequence int `json:"sequence"`
		}
		require.NoError(t, json.Unmarshal(e.Event, &ev), "%s", e.Event)
		stored[key{e.Session, ev.Sequence}]++
	})
	require.Greater(t, totalAcked, rounds*senders, "the test must acknowledge events before each crash")
	missing, twice := 0, 0
	for k := range acked {
		switch stored[k] {
		case 0:
			missing++
			if missing < 5 {
				t.Errorf("acknowledged event %v is not stored", k)
			}
		case 1:
		default:
			twice++
			if twice < 5 {
				t.Errorf("event %v is stored %d times", k, stored[k])
			}
		}
	}
	for k := range stored {
		if !acked[k] {
			t.Errorf("event %v stored but never acknowledged, even after retry", k)
		}
	}
	t.Logf("%d events acknowledged (retries included), %d stored; %d missing, %d stored twice", len(acked), len(stored), missing, twice)
	checkUploads(t, client, p.baseURL, dir, ackedUploads)
}

// TestGracefulShutdown sends SIGTERM to a running receiver while a request
// is in flight: the request must be finished and answered 200, the receiver
// must exit 0, and what it acknowledged must be there after a restart.
func TestGracefulShutdown(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the receiver binary; skipped with -short")
	}
	dir := t.TempDir()
	bin := buildReceiver(t)
	p := startReceiver(t, bin, dir, nil)
	for seq := range 5 {
		req, err := wmsRequest(context.Background(), p.baseURL, "graceful", seq)
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
	}
	// A request in flight when SIGTERM arrives: half its body is sent
	// before the signal, the rest after. It must be finished and stored.
	inflight, err := wmsRequest(context.Background(), p.baseURL, "graceful", 5)
	require.NoError(t, err)
	body, err := io.ReadAll(inflight.Body)
	require.NoError(t, err)
	pr, pw := io.Pipe()
	inflight.Body, inflight.ContentLength = pr, int64(len(body))
	answered := make(chan int, 1)
	go func() {
		resp, err := http.DefaultClient.Do(inflight)
		if err != nil {
			t.Errorf("in-flight request: %v", err)
			answered <- 0
			return
		}
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	_, err = pw.Write(body[:len(body)/2])
	require.NoError(t, err)
	time.Sleep(100 * time.Millisecond) // let the server read the headers: the request is in flight

	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	time.Sleep(300 * time.Millisecond) // the receiver is shutting down, waiting for the request
	_, err = pw.Write(body[len(body)/2:])
	require.NoError(t, err)
	require.NoError(t, pw.Close())
	require.Equal(t, http.StatusOK, <-answered, "a request in flight at SIGTERM is finished")
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		require.NoError(t, err, "exit status after SIGTERM")
	case <-time.After(15 * time.Second):
		p.cmd.Process.Kill()
		t.Fatal("receiver did not exit within 15 s of SIGTERM")
	}

	p = startReceiver(t, bin, dir, nil)
	defer func() { p.cmd.Process.Kill(); p.cmd.Wait() }()
	resp, err := readGet(http.DefaultClient, p.baseURL+"/events?session=graceful")
	require.NoError(t, err)
	defer resp.Body.Close()
	var list struct{ Events []json.RawMessage }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&list))
	require.Len(t, list.Events, 6, "the 5 events before SIGTERM and the one in flight")
}

// upload is one acknowledged Labvanced file upload.
type upload struct {
	GUID, Name, SHA256 string
	Session            string
}

// sendUpload uploads a small random file for session expSessionNr and
// reports whether the receiver acknowledged it.
func sendUpload(ctx context.Context, client *http.Client, base, session string) (upload, bool) {
	file := make([]byte, 16<<10)
	for i := range file {
		file[i] = byte(rand.IntN(256))
	}
	req := labvancedtest.NewUploadRequest(base+"/labvanced/file_upload", session, "rec.webm", bytes.NewReader(file))
	req = req.WithContext(ctx)
	req.RequestURI = ""
	resp, err := client.Do(req)
	if err != nil {
		return upload{}, false
	}
	defer resp.Body.Close()
	var ans struct {
		GUID string `json:"file_guid"`
		Name string `json:"file_name"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&ans) != nil {
		return upload{}, false
	}
	sum := sha256.Sum256(file)
	return upload{GUID: ans.GUID, Name: ans.Name, SHA256: hex.EncodeToString(sum[:]), Session: session}, true
}

// checkUploads checks that every acknowledged upload has its event, stored
// once, and its file on disk with the content that was sent.
func checkUploads(t *testing.T, client *http.Client, base, dir string, acked map[string]upload) {
	t.Helper()
	require.NotEmpty(t, acked, "the test must acknowledge uploads before the crashes")
	seen := map[string]int{}
	eachEvent(t, client, base, "vendor=labvanced&kind=file_upload", func(e storedEvent) {
		var ev struct {
			GUID   string `json:"file_guid"`
			Name   string `json:"file_name"`
			SHA256 string `json:"sha256"`
		}
		require.NoError(t, json.Unmarshal(e.Event, &ev), "%s", e.Event)
		seen[ev.GUID]++
		if up, ok := acked[ev.GUID]; ok {
			require.Equal(t, up.Session, e.Session)
			require.Equal(t, up.SHA256, ev.SHA256)
			require.Equal(t, up.Name, ev.Name)
		}
	})
	for guid, up := range acked {
		require.Equal(t, 1, seen[guid], "acknowledged upload %s stored %d times", guid, seen[guid])
		content, err := os.ReadFile(filepath.Join(dir, "uploads", up.Name))
		require.NoError(t, err, "file of acknowledged upload %s", guid)
		sum := sha256.Sum256(content)
		require.Equal(t, up.SHA256, hex.EncodeToString(sum[:]), "content of %s", up.Name)
	}
	t.Logf("%d uploads acknowledged, each stored once with its file", len(acked))
}

// storedEvent is what the crash tests read of a listed event.
type storedEvent struct {
	Session string          `json:"session"`
	Event   json.RawMessage `json:"event"`
}

// eachEvent calls fn for every stored event matching query, through
// GET /events page by page.
func eachEvent(t *testing.T, client *http.Client, base, query string, fn func(storedEvent)) {
	t.Helper()
	after := int64(0)
	for {
		resp, err := readGet(client, fmt.Sprintf("%s/events?%s&after_id=%d&limit=1000", base, query, after))
		require.NoError(t, err)
		var list struct {
			Events []storedEvent `json:"events"`
			LastID int64         `json:"last_id"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&list))
		resp.Body.Close()
		if len(list.Events) == 0 {
			return
		}
		for _, e := range list.Events {
			fn(e)
		}
		after = list.LastID
	}
}

// crashAdmin is the admin token the crash tests start the receiver with.
const crashAdmin = "crash-admin-token"

// readGet GETs url with the admin token.
func readGet(client *http.Client, url string) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+crashAdmin)
	return client.Do(req)
}
