package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// selfSigned writes a certificate for 127.0.0.1 and localhost, made now,
// and its key to dir, and returns their paths and the certificate.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, cert *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "vendorhooks test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err = x509.ParseCertificate(der)
	require.NoError(t, err)
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600))
	return certFile, keyFile, cert
}

// TestHTTPS starts the command with -tls-cert/-tls-key and a certificate
// the test made: it serves HTTPS only (its banner says https://), reads need
// the token there too, and the sign-in cookie is Secure.
func TestHTTPS(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the receiver binary; skipped with -short")
	}
	dir := t.TempDir()
	certFile, keyFile, cert := selfSigned(t, dir)
	p := startReceiver(t, buildReceiver(t), dir, nil, "-tls-cert", certFile, "-tls-key", keyFile)
	t.Cleanup(func() { p.cmd.Process.Kill(); p.cmd.Wait() })
	require.True(t, strings.HasPrefix(p.baseURL, "https://127.0.0.1:"), p.baseURL)

	roots := x509.NewCertPool()
	roots.AddCert(cert)
	client := &http.Client{
		Transport:     &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}, ForceAttemptHTTP2: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       20 * time.Second,
	}
	get := func(target, auth string) *http.Response {
		req, err := http.NewRequest(http.MethodGet, p.baseURL+target, nil)
		require.NoError(t, err)
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		resp, err := client.Do(req)
		require.NoError(t, err)
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	resp := get("/healthz", "")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	require.NotNil(t, resp.TLS, "served over TLS")
	assert.Equal(t, "h2", resp.TLS.NegotiatedProtocol, "HTTP/2 over TLS")
	assert.Equal(t, http.StatusUnauthorized, get("/events", "").StatusCode)
	assert.Equal(t, http.StatusOK, get("/events", crashAdmin).StatusCode)

	resp = get("/events?token="+crashAdmin, "")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Len(t, resp.Cookies(), 1)
	assert.True(t, resp.Cookies()[0].Secure, "the cookie is Secure under TLS")

	plain, err := http.Get("http://" + strings.TrimPrefix(p.baseURL, "https://") + "/healthz")
	require.NoError(t, err)
	plain.Body.Close()
	assert.Equal(t, http.StatusBadRequest, plain.StatusCode, "plain HTTP is not served on the HTTPS port")
}

// TestACMEConfig checks -acme-domain's configuration up to the point where
// it would talk to the CA (none is reachable here): the TLS configuration
// answers the TLS-ALPN-01 challenge, only the listed domains get
// certificates (any other SNI is refused before any request), the terms are
// accepted, and the cache is a directory only its owner can read.
func TestACMEConfig(t *testing.T) {
	cache := filepath.Join(t.TempDir(), "vendorhooks.db.acme")
	f := &tlsFlags{domains: listFlag{"receiver.example.org"}, acmeCache: cache, acmeEmail: "lab@example.org"}
	require.True(t, f.on())
	cfg, err := f.config()
	require.NoError(t, err)
	assert.Contains(t, cfg.NextProtos, "acme-tls/1")
	assert.Equal(t, uint16(tls.VersionTLS12), cfg.MinVersion)
	fi, err := os.Stat(cache)
	require.NoError(t, err)
	assert.True(t, fi.IsDir())
	assert.Equal(t, os.FileMode(0o700), fi.Mode().Perm())

	m, err := f.manager()
	require.NoError(t, err)
	assert.True(t, m.Prompt("https://letsencrypt.org/terms"), "the CA's terms are accepted")
	assert.Equal(t, "lab@example.org", m.Email)
	assert.NoError(t, m.HostPolicy(context.Background(), "receiver.example.org"))
	assert.Error(t, m.HostPolicy(context.Background(), "evil.example"))
	_, err = cfg.GetCertificate(&tls.ClientHelloInfo{ServerName: "evil.example"})
	assert.ErrorContains(t, err, "not configured", "another name gets no certificate, and no request goes out")

	assert.Equal(t, "https://receiver.example.org", publicBase(":443", f))
	assert.Equal(t, "https://receiver.example.org:8443", publicBase("0.0.0.0:8443", f))

	for _, bad := range []*tlsFlags{
		{cert: "c.pem", key: "k.pem", domains: listFlag{"a.example"}, acmeCache: cache},
		{cert: "c.pem"},
		{key: "k.pem"},
		{domains: listFlag{"https://a.example"}, acmeCache: cache},
		{domains: listFlag{"a.example:443"}, acmeCache: cache},
		{cert: filepath.Join(cache, "missing.pem"), key: filepath.Join(cache, "missing.pem")},
	} {
		_, err := bad.config()
		assert.Error(t, err, "%+v", bad)
	}
	none, err := (&tlsFlags{}).config()
	assert.NoError(t, err)
	assert.Nil(t, none, "no flag: plain HTTP")
}
