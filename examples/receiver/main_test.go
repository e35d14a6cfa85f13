package main

import (
	"context"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/labvanced/labvancedtest"
	"github.com/vendorhooks/vendorhooks/wms/wmstest"
)

func TestEnvList(t *testing.T) {
	for value, want := range map[string][]string{
		"":                   nil,
		" , ":                nil,
		"one":                {"one"},
		" new-key , old-key": {"new-key", "old-key"},
		"a,,b,":              {"a", "b"},
	} {
		t.Setenv("VENDORHOOKS_TEST_LIST", value)
		assert.Equal(t, want, envList("VENDORHOOKS_TEST_LIST"), "%q", value)
	}
}

// TestCommandConfig runs the command with a rotated secret list in the
// environment and two -cors-origin flags: a request signed with the older
// secret is accepted, and both origins (and the vendor's own) may call the
// Labvanced routes from a browser, but no other.
func TestCommandConfig(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the receiver binary; skipped with -short")
	}
	dir := t.TempDir()
	bin := buildReceiver(t)
	p := startReceiver(t, bin, dir, []string{"VENDORHOOKS_WMS_SECRETS=new-secret, " + crashSecret},
		"-cors-origin", "https://a.example", "-cors-origin", "https://b.example")
	t.Cleanup(func() { p.cmd.Process.Kill(); p.cmd.Wait() })

	req, err := wmsRequest(context.Background(), p.baseURL, "rotated", 0) // signed with crashSecret
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, "the second secret of the list is accepted")

	for origin, allowed := range map[string]bool{
		"https://a.example":    true,
		"https://b.example":    true,
		labvancedtest.Origin:   true,
		"https://evil.example": false,
	} {
		req := labvancedtest.NewPreflight(p.baseURL+"/labvanced/recordTrial", origin)
		req.RequestURI = ""
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		if allowed {
			assert.Equal(t, origin, resp.Header.Get("Access-Control-Allow-Origin"), origin)
		} else {
			assert.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"), origin)
		}
	}
}

// TestWMSMACFlag runs the command with -wms-mac node, which accepts a
// Node-signed body with "é", and with a value it does not know, which stops
// it at start.
func TestWMSMACFlag(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the receiver binary; skipped with -short")
	}
	bin := buildReceiver(t)
	dir := t.TempDir()
	p := startReceiver(t, bin, dir, nil, "-wms-mac", "node")
	t.Cleanup(func() { p.cmd.Process.Kill(); p.cmd.Wait() })
	body := []byte(`{"timestamp":1689684577,"sessionId":"café-1","sequence":0,"event":"WMS_LOADED","severity":"INFO"}`)
	req, err := wmstest.NewClientRequest(context.Background(), p.baseURL+"/wms/", body, crashSecret)
	require.NoError(t, err)
	req.Header.Set("X-WMS-Content-MAC", wmstest.SignNode(body, crashSecret))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, "node mode accepts the Node form")

	out, err := exec.Command(bin, "-db", filepath.Join(dir, "other.db"), "-wms-mac", "both").CombinedOutput()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "%s", out)
	assert.Contains(t, string(out), `"both"`)
}

// TestDefaultInstance: without -instance, the id is the same for the same
// listen address on this host (a restart sweeps its own leftovers), differs
// for another address, and is a valid instance id.
func TestDefaultInstance(t *testing.T) {
	a := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}
	b := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8081}
	id := defaultInstance(a)
	assert.Regexp(t, `^[0-9a-f]{16}$`, id)
	assert.Equal(t, id, defaultInstance(&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}), "same address, same id")
	assert.NotEqual(t, id, defaultInstance(b), "another address, another id")
}
