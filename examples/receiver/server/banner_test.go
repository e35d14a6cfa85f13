package server_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/examples/receiver/server"
)

// TestBannerCurlLines runs every curl line the receiver prints at start-up,
// as a user would from the repository root, and checks that each stored an
// event: with generated keys (printed) and with configured ones (never
// printed: the lines read them from the environment, as the command does).
func TestBannerCurlLines(t *testing.T) { server.ForBackends(t, testBannerCurlLines) }

func testBannerCurlLines(t *testing.T) {
	for _, tool := range []string{"sh", "curl", "openssl", "sed"} {
		_, err := exec.LookPath(tool)
		require.NoError(t, err, "%s is needed (.ci/run installs it)", tool)
	}
	t.Run("generated", func(t *testing.T) {
		e := newEnv(t, func(c *server.Config) { c.SleepAPIKeys, c.SignageAPIKeys, c.WMSSecrets = nil, nil, nil })
		keys := e.s.Keys()
		assert.Equal(t, []string{"sleep", "signage", "wms"}, keys.Generated)
		// The lines read the keys from the shell, where the banner's eval
		// line puts what -print-keys prints.
		var assignments strings.Builder
		require.NoError(t, server.PrintKeys(context.Background(), &assignments, e.cfg.DBPath, e.srv.URL))
		var env []string
		for _, l := range strings.Split(assignments.String(), "\n") {
			if l != "" && !strings.HasPrefix(l, "#") {
				env = append(env, l)
			}
		}
		banner := runBanner(t, e, env)
		for _, k := range [][]string{keys.Sleep, keys.Signage, keys.WMS} {
			require.Len(t, k, 1)
			assert.Contains(t, banner, k[0], "a generated key is printed")
		}
		assert.Contains(t, banner, "-print-keys)\"", "the banner says how to set the keys for its lines")
	})
	t.Run("configured", func(t *testing.T) {
		e := newEnv(t, func(c *server.Config) {
			c.SleepAPIKeys = []string{"conf-sleep-new", "conf-sleep-old"}
			c.SignageAPIKeys = []string{"conf-signage"}
			c.WMSSecrets = []string{"conf-wms-new", "conf-wms-old"}
		})
		assert.Empty(t, e.s.Keys().Generated)
		banner := runBanner(t, e, []string{
			"VENDORHOOKS_SLEEP_API_KEYS=conf-sleep-new,conf-sleep-old",
			"VENDORHOOKS_SIGNAGE_API_KEYS=conf-signage",
			"VENDORHOOKS_WMS_SECRETS=conf-wms-new,conf-wms-old",
		})
		assert.NotContains(t, banner, "conf-", "a configured key is never printed")
	})
}

// runBanner prints e's banner, runs its curl lines with env added to the
// environment, checks that each stored one event, and returns the banner.
func runBanner(t *testing.T, e *env, env []string) string {
	t.Helper()
	var banner strings.Builder
	e.s.PrintBanner(&banner, e.srv.URL)
	root, err := filepath.Abs(filepath.Join(testdata, ".."))
	require.NoError(t, err)
	var lines []string
	for _, l := range strings.Split(banner.String(), "\n") {
		if strings.HasPrefix(l, "curl ") || strings.HasPrefix(l, "body=") {
			lines = append(lines, l)
		}
	}
	require.Len(t, lines, 6, banner.String())
	for i, l := range lines {
		cmd := exec.Command("sh", "-c", l+" --fail-with-body")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s\n%s", l, out)
		assert.Len(t, e.events(t, ""), i+1, "%s stored one event; answer %s", l, out)
	}
	vendors := map[string]int{}
	for _, ev := range e.events(t, "") {
		vendors[ev.Vendor]++
	}
	assert.Equal(t, map[string]int{"eeg": 1, "sleep": 1, "signage": 1, "wms": 1, "labvanced": 2}, vendors)
	return banner.String()
}

// TestREADMEShowsTheBannersLines checks that the README's curl lines are the
// banner's, for the default address, letter for letter. SQLite only: the
// lines do not depend on the backend.
func TestREADMEShowsTheBannersLines(t *testing.T) {
	e := newEnv(t)
	var banner strings.Builder
	e.s.PrintBanner(&banner, "http://127.0.0.1:8080")
	readme, err := os.ReadFile(filepath.Join(testdata, "..", "README.md"))
	require.NoError(t, err)
	n := 0
	for _, l := range strings.Split(banner.String(), "\n") {
		l = strings.TrimPrefix(l, "see what arrived: ")
		if strings.HasPrefix(l, "curl ") || strings.HasPrefix(l, "body=") {
			n++
			assert.Contains(t, string(readme), "\n"+l+"\n", "the README shows the banner's line")
		}
	}
	assert.Equal(t, 7, n)
}
