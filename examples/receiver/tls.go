package main

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"golang.org/x/crypto/acme/autocert"
)

// tlsFlags are the command's HTTPS flags.
type tlsFlags struct {
	cert, key string   // -tls-cert, -tls-key: PEM files
	domains   listFlag // -acme-domain (repeatable)
	acmeCache string   // -acme-cache: where autocert keeps its account and certificates
	acmeEmail string   // -acme-email: the contact given to the CA
}

// on reports whether the flags ask for HTTPS.
func (f *tlsFlags) on() bool { return f.cert != "" || f.key != "" || len(f.domains) > 0 }

// config returns the TLS configuration the flags ask for, nil for plain
// HTTP. With -tls-cert/-tls-key the pair is loaded now, so that a wrong
// file fails the start; with -acme-domain certificates come from Let's
// Encrypt through the TLS-ALPN-01 challenge, which needs the receiver to be
// reachable on port 443 under each domain (-addr :443).
func (f *tlsFlags) config() (*tls.Config, error) {
	switch {
	case f.cert != "" && len(f.domains) > 0:
		return nil, errors.New("-tls-cert and -acme-domain exclude each other")
	case (f.cert == "") != (f.key == ""):
		return nil, errors.New("-tls-cert and -tls-key go together")
	case f.cert != "":
		pair, err := tls.LoadX509KeyPair(f.cert, f.key)
		if err != nil {
			return nil, fmt.Errorf("loading -tls-cert/-tls-key: %w", err)
		}
		return &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{pair}}, nil
	case len(f.domains) > 0:
		m, err := f.manager()
		if err != nil {
			return nil, err
		}
		c := m.TLSConfig() // answers the acme-tls/1 challenge too
		c.MinVersion = tls.VersionTLS12
		return c, nil
	}
	return nil, nil
}

// manager is the autocert.Manager of -acme-domain: it accepts the CA's terms
// (the user asked for its certificates by giving the flag), asks only for
// the listed domains (a client's SNI for any other name gets no certificate
// and costs no request to the CA), and keeps account key and certificates in
// -acme-cache, a directory readable by its owner only, so that a restart
// does not ask again (Let's Encrypt limits how often it issues).
func (f *tlsFlags) manager() (*autocert.Manager, error) {
	for _, d := range f.domains {
		if d == "" || strings.ContainsAny(d, ":/ ") {
			return nil, fmt.Errorf("-acme-domain %q: want a host name, without scheme or port", d)
		}
	}
	if f.acmeCache == "" {
		return nil, errors.New("-acme-cache is empty")
	}
	if err := os.MkdirAll(f.acmeCache, 0o700); err != nil {
		return nil, err
	}
	return &autocert.Manager{
		Prompt:     autocert.AcceptTOS,
		HostPolicy: autocert.HostWhitelist(f.domains...),
		Cache:      autocert.DirCache(f.acmeCache),
		Email:      f.acmeEmail,
	}, nil
}

// publicBase is the receiver's URL for a person: with -acme-domain the first
// domain over HTTPS (with addr's port unless it is 443), else baseURL.
func publicBase(addr string, f *tlsFlags) string {
	if len(f.domains) == 0 {
		return baseURL(addr, f.on())
	}
	if _, port, err := net.SplitHostPort(addr); err == nil && port != "443" && port != "" {
		return "https://" + net.JoinHostPort(f.domains[0], port)
	}
	return "https://" + f.domains[0]
}
