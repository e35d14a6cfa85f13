package main

import (
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPrintKeys runs receiver -print-keys before the first start (an error
// that says why), then after a start that generated every key: it prints
// them and the admin token as shell assignments, and the sign-in URL.
func TestPrintKeys(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the receiver binary; skipped with -short")
	}
	dir := t.TempDir()
	bin := buildReceiver(t)
	db := filepath.Join(dir, "crash.db") // startReceiver's
	out, err := exec.Command(bin, "-db", db, "-print-keys").CombinedOutput()
	require.Error(t, err)
	assert.Contains(t, string(out), "keys are generated on the receiver's first start")

	p := startReceiver(t, bin, dir, []string{
		"VENDORHOOKS_WMS_SECRETS=", "VENDORHOOKS_SLEEP_API_KEYS=", "VENDORHOOKS_SIGNAGE_API_KEYS=", "VENDORHOOKS_ADMIN_TOKEN=",
	})
	p.cmd.Process.Kill()
	p.cmd.Wait()

	out, err = exec.Command(bin, "-db", db, "-print-keys", "-addr", "0.0.0.0:9000").Output()
	require.NoError(t, err)
	var names []string
	var token string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if name, v, ok := strings.Cut(l, "="); ok && !strings.HasPrefix(l, "#") {
			names = append(names, name)
			if name == "VENDORHOOKS_ADMIN_TOKEN" {
				token = v
			}
		}
	}
	assert.Equal(t, []string{"VENDORHOOKS_SLEEP_API_KEYS", "VENDORHOOKS_SIGNAGE_API_KEYS", "VENDORHOOKS_WMS_SECRETS", "VENDORHOOKS_ADMIN_TOKEN"}, names, "%s", out)
	require.NotEmpty(t, token)
	assert.Contains(t, string(out), "http://127.0.0.1:9000/?token="+token)
}

func TestListenAddress(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1:8080": "http://127.0.0.1:8080",
		"0.0.0.0:8080":   "http://127.0.0.1:8080",
		":8080":          "http://127.0.0.1:8080",
		"[::]:8080":      "http://127.0.0.1:8080",
		"[::1]:8080":     "http://[::1]:8080",
		"example.org:80": "http://example.org:80",
	} {
		assert.Equal(t, want, baseURL(addr, false), addr)
	}
	assert.Equal(t, "https://127.0.0.1:8443", baseURL("0.0.0.0:8443", true))

	assert.Equal(t, []string{"192.0.2.7"}, listenHosts("192.0.2.7:8080"))
	assert.Equal(t, []string{"receiver.example.org"}, listenHosts("receiver.example.org:8080"))
	assert.Contains(t, listenHosts(":8080"), "127.0.0.1", "every interface's address, loopback included")

	assert.Empty(t, exposure(&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}, false))
	assert.Empty(t, exposure(&net.TCPAddr{IP: net.IPv6loopback, Port: 8080}, false))
	w := exposure(&net.TCPAddr{IP: net.IPv4zero, Port: 8080}, false)
	for _, named := range []string{"0.0.0.0:8080", "/eeg/", "/labvanced/", "/events", "dashboard", "/export/", "/metrics", "admin token", "-allowed-host", "unencrypted"} {
		assert.Contains(t, w, named)
	}
	assert.NotContains(t, exposure(&net.TCPAddr{IP: net.IPv4(192, 0, 2, 7), Port: 443}, true), "unencrypted")
}
