package server_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/examples/simulate/sim"
)

// screenshots, when set, makes TestDashboardBrowser write a PNG of each view
// there (go test ./examples/receiver/server -run TestDashboardBrowser
// -screenshots=../../../docs). CI does not set it.
var screenshots = flag.String("screenshots", "", "directory to write a screenshot of each dashboard view to (TestDashboardBrowser)")

// liveBound is how long a delivery may take to appear on an open page: a
// bound, not a timing.
const liveBound = 10 * time.Second

// browser starts Debian's chromium, headless, with a fresh profile, and
// returns a tab's context and the console errors it collects. A missing
// browser fails the test: .ci/run installs it.
func browser(t *testing.T) (context.Context, *consoleLog) {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		path = "/usr/bin/chromium"
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("no chromium (%v): the dashboard's browser tests need it; install it with apt-get install -y chromium", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // the tests run as root
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1000),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	logs := &consoleLog{}
	messages := chromedp.Console(ctx) // starts the browser
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException {
				logs.add(m.String())
			}
		}
	}()
	return ctx, logs
}

// consoleLog collects a tab's console errors and exceptions.
type consoleLog struct {
	mu   sync.Mutex
	errs []string
}

func (c *consoleLog) add(s string) {
	c.mu.Lock()
	c.errs = append(c.errs, s)
	c.mu.Unlock()
}

// take returns the errors collected since the last take.
func (c *consoleLog) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.errs
	c.errs = nil
	return e
}

// simulate sends one session of every vendor's traffic (examples/simulate)
// to the receiver and checks that every request got its answer.
func simulate(t *testing.T, e *env) {
	t.Helper()
	res, err := sim.Run(context.Background(), sim.Config{
		URL:           e.srv.URL,
		Sessions:      2,
		EEGMessages:   80,
		SleepWindows:  24,
		SleepAPIKey:   sleepKey,
		SignageAPIKey: signageKey,
		WMSSecret:     wmsSecret,
		Seed:          14,
	})
	require.NoError(t, err)
	require.True(t, res.Clean(), "simulator: %+v", res)
}

// chartState is what the page reports about each drawn chart.
type chartState struct {
	Chart  string `json:"chart"`
	Points int    `json:"points"`
	Values int    `json:"values"`
	Drawn  bool   `json:"drawn"`
}

const chartsJS = `Array.from(document.querySelectorAll("[data-chart]")).map(el => ({
	chart: el.dataset.chart + " " + (el.dataset.channel || el.dataset.index || ""),
	points: Number(el.dataset.points || 0), values: Number(el.dataset.values || 0),
	drawn: el.dataset.drawn === "1" && el.querySelector("canvas") !== null}))`

// TestDashboardBrowser drives the dashboard in chromium after simulated
// traffic of every vendor: signing in, every view without a console error,
// charts that draw the stored data, and deliveries that appear on an open
// page without a reload. SQLite only: chromium's time is dear, and
// TestDashboardViewsServe runs every view's queries on both backends.
func TestDashboardBrowser(t *testing.T) {
	e := newEnv(t)
	simulate(t, e)
	// Deliveries with warnings, for the drift panel.
	for _, name := range []string{"warn-band-missing-delta", "warn-artifact-value"} {
		resp, err := http.Post(e.srv.URL+"/eeg/", "application/json", bytes.NewReader(readInput(t, "eeg", name)))
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, name)
	}
	ctx, logs := browser(t)
	base := e.srv.URL
	token := e.s.AdminToken()

	t.Run("sign-in", func(t *testing.T) {
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(base+"/"), chromedp.WaitReady(chromedp.CSS("body"))))
		hasForm, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("input#token") !== null && document.querySelector("#main") === null`))
		require.NoError(t, err)
		assert.True(t, hasForm, "without a token the dashboard answers the sign-in page")
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(base+"/view/petal?token=wrong-"+token), chromedp.WaitReady(chromedp.CSS("body"))))
		wrong, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("#wrong") !== null && document.querySelector("#main") === null`))
		require.NoError(t, err)
		assert.True(t, wrong, "a wrong token gets the sign-in page, saying so")
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(base+"/?token="+token), chromedp.WaitVisible(chromedp.CSS("#vendors"))))
		path, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname + location.search`))
		require.NoError(t, err)
		assert.Equal(t, "/", path, "the sign-in redirects to a URL without the token")
		title, err := chromedp.Run(ctx, chromedp.Title())
		require.NoError(t, err)
		assert.Contains(t, title, "Overview")
		// The cookie alone now opens any view.
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(base+"/view/events"), chromedp.WaitVisible(chromedp.CSS("#events"))))
		logs.take() // the 401s above are logged as failed loads
	})

	views := []struct {
		path   string
		sel    string // an element that holds the view's data
		charts int    // charts that must draw data, at least
		text   []string
	}{
		{"/", "#vendors tbody tr[data-vendor]", 0, []string{"eeg", "labvanced", "signage", "sleep", "wms",
			"/data/bandpower/ch4/delta", "/data/artifact_detect/ch2"}},
		{"/view/petal", "#latest", 6, []string{"TP9", "AF7", "AF8", "TP10"}},
		{"/view/asleep", ".session", 2, []string{"efficiency", "sleep latency"}},
		{"/view/wms", ".timeline .tick", 2, []string{"gaps", "late"}},
		{"/view/labvanced", "#trials tbody tr", 0, []string{"Stroop task", "finished", "rt", "response"}},
		{"/view/signage", "#triggers tbody tr", 0, []string{"sensor-1", "temperature"}},
		{"/view/events", "#events tbody tr", 0, []string{"bandpower", "INFERENCE_COMPLETE"}},
		{"/view/events/1", "#decoded", 0, []string{"Raw body"}},
	}
	for _, v := range views {
		t.Run("view "+v.path, func(t *testing.T) {
			logs.take()
			require.NoError(t, chromedp.Do(ctx,
				chromedp.Navigate(base+v.path),
				chromedp.WaitVisible(chromedp.CSS(v.sel)),
				chromedp.WaitReady(chromedp.CSS(`body[data-live="open"]`)),
			))
			body, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
			require.NoError(t, err)
			charts, err := chromedp.Run(ctx, chromedp.Evaluate[[]chartState](chartsJS))
			require.NoError(t, err)
			for _, s := range v.text {
				assert.Contains(t, body, s)
			}
			require.GreaterOrEqual(t, len(charts), v.charts, "charts on %s", v.path)
			for _, c := range charts {
				assert.True(t, c.Drawn, "%s: chart %s drawn", v.path, c.Chart)
				assert.Positive(t, c.Points, "%s: chart %s has points", v.path, c.Chart)
				assert.Positive(t, c.Values, "%s: chart %s has values", v.path, c.Chart)
			}
			assert.Empty(t, logs.take(), "console errors on %s", v.path)
			if *screenshots != "" {
				shot(t, ctx, v.path)
			}
		})
	}

	t.Run("live signage row", func(t *testing.T) {
		logs.take()
		require.NoError(t, chromedp.Do(ctx,
			chromedp.Navigate(base+"/view/signage"),
			chromedp.WaitVisible(chromedp.CSS("#triggers")),
			chromedp.WaitReady(chromedp.CSS(`body[data-live="open"]`)),
		))
		_, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.loadedOnce = "yes"`))
		require.NoError(t, err)
		id := fmt.Sprintf("live-check-%d", time.Now().UnixNano())
		req, err := http.NewRequest(http.MethodPost, base+"/signage/public-api/integration/webhooks",
			strings.NewReader(`{"event_id": "`+id+`", "sensor_data": {"id": "door", "event": "open", "value": "1"}}`))
		require.NoError(t, err)
		req.Header.Set("X-Webhook-Apikey", signageKey)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		wctx, cancel := context.WithTimeout(ctx, liveBound)
		defer cancel()
		require.NoError(t, chromedp.Do(wctx,
			chromedp.WaitVisible(chromedp.Search(`//table[@id="triggers"]//code[text()="`+id+`"]`)),
		), "the trigger appears within %s", liveBound)
		same, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.loadedOnce || "reloaded"`))
		require.NoError(t, err)
		assert.Equal(t, "yes", same, "the page was not reloaded")
		assert.Empty(t, logs.take())
	})

	t.Run("live petal chart", func(t *testing.T) {
		logs.take()
		const points = `Number(document.querySelector('[data-chart="band"]').dataset.points)`
		require.NoError(t, chromedp.Do(ctx,
			chromedp.Navigate(base+"/view/petal"),
			chromedp.WaitVisible(chromedp.CSS(`[data-chart="band"][data-drawn="1"]`)),
			chromedp.WaitReady(chromedp.CSS(`body[data-live="open"]`)),
		))
		_, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.loadedOnce = "yes"`))
		require.NoError(t, err)
		before, err := chromedp.Run(ctx, chromedp.Evaluate[int](points))
		require.NoError(t, err)
		// A message of the stream shown, a quarter second after its last.
		last, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`JSON.parse(document.getElementById("view-data").dataset.json).band_t.at(-1)`))
		require.NoError(t, err)
		body := bytes.Replace(readInput(t, "eeg", "real-bandpower"), []byte(`"unix_ts": 1633343930.865`),
			[]byte(fmt.Sprintf(`"unix_ts": %.3f`, last+0.25)), 1)
		resp, err := http.Post(base+"/eeg/", "application/json", bytes.NewReader(body))
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		wctx, cancel := context.WithTimeout(ctx, liveBound)
		defer cancel()
		_, err = chromedp.Run(wctx, chromedp.Poll[bool](
			fmt.Sprintf(`%s > %d && window.loadedOnce === "yes"`, points, before),
			chromedp.WithPollingInterval(100*time.Millisecond)))
		require.NoError(t, err, "the band power chart grows within %s", liveBound)
		after, err := chromedp.Run(ctx, chromedp.Evaluate[int](points))
		require.NoError(t, err)
		assert.Equal(t, before+1, after)
		assert.Empty(t, logs.take())
	})

	t.Run("delete session", func(t *testing.T) {
		logs.take()
		// The page's confirm() waits for an answer, and so does the click
		// that opened it: another goroutine accepts it.
		dctx, stop := context.WithCancel(ctx)
		defer stop()
		asked := make(chan string, 4)
		dialogs := chromedp.Events(dctx, page.JavascriptDialogOpening)
		go func() {
			for ev, err := range dialogs {
				if err != nil {
					return
				}
				asked <- string(ev.Type) + ": " + ev.Message
				if _, err := chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true}); err != nil {
					return
				}
			}
		}()
		require.NoError(t, chromedp.Do(ctx,
			chromedp.Navigate(base+"/view/asleep"),
			chromedp.WaitVisible(chromedp.CSS(".session button.delete-session")),
			chromedp.WaitReady(chromedp.CSS(`body[data-live="open"]`)),
		))
		_, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.loadedOnce = "yes"`))
		require.NoError(t, err)
		type target struct {
			Vendor  string `json:"vendor"`
			Source  string `json:"source"`
			Session string `json:"session"`
			Count   int    `json:"count"`
		}
		first, err := chromedp.Run(ctx, chromedp.Evaluate[target](`(() => {
			const b = document.querySelector(".session button.delete-session");
			return {vendor: b.dataset.vendor, source: b.dataset.source || "", session: b.dataset.session,
				count: document.querySelectorAll(".session").length};
		})()`))
		require.NoError(t, err)
		require.Equal(t, "sleep", first.Vendor)
		require.NotEmpty(t, first.Session)
		require.NotEmpty(t, e.events(t, "vendor=sleep&session="+first.Session), "the session is stored before")

		require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".session button.delete-session"))))
		select {
		case msg := <-asked:
			assert.Contains(t, msg, "confirm: ")
			assert.Contains(t, msg, "sleep")
			assert.Contains(t, msg, first.Session)
			assert.Contains(t, msg, "no source", "the session's source (none) is named")
		case <-time.After(liveBound):
			t.Fatal("no confirmation was asked")
		}
		wctx, cancel := context.WithTimeout(ctx, liveBound)
		defer cancel()
		_, err = chromedp.Run(wctx, chromedp.Poll[bool](fmt.Sprintf(`window.vhDeleted === 1 && window.loadedOnce === "yes" &&
			!Array.from(document.querySelectorAll(".session button.delete-session")).some(b => b.dataset.session === %q) &&
			document.querySelectorAll(".session").length === %d`, first.Session, first.Count-1),
			chromedp.WithPollingInterval(100*time.Millisecond)))
		require.NoError(t, err, "the session leaves the page within %s, without a reload", liveBound)
		assert.Empty(t, e.events(t, "vendor=sleep&session="+first.Session), "the store has no row of the deleted session")
		select {
		case msg := <-asked:
			t.Errorf("a second dialog: %s", msg)
		default:
		}
		assert.Empty(t, logs.take())
	})
}

// shot writes a PNG of the page at path to the -screenshots directory.
func shot(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	name := strings.Trim(strings.ReplaceAll(path, "/", "-"), "-")
	if name == "" {
		name = "overview"
	}
	name = strings.TrimPrefix(name, "view-")
	if strings.HasPrefix(name, "events-") {
		name = "event" // one event's page
	}
	name = "dashboard-" + name + ".png"
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(*screenshots, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(*screenshots, name), png, 0o644))
}
