package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"strings"

	"github.com/vendorhooks/vendorhooks/examples/receiver/server"
)

// printKeys is -print-keys: it writes the keys and admin token the receiver
// generated in the database at dbPath, as shell assignments a shell can
// eval, and the sign-in URL of a receiver at base.
func printKeys(ctx context.Context, out io.Writer, dbPath, base string) error {
	err := server.PrintKeys(ctx, out, dbPath, base)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no database at %s: keys are generated on the receiver's first start (or pass its -db)", dbPath)
	}
	return err
}

// listenHosts are the host names of the listen address addr that reads are
// served under (server.Config.AllowedHosts): its host, or for an address
// that listens on every interface (":8080", "0.0.0.0:8080") the addresses
// of this machine's interfaces. localhost and the loopback addresses are
// always allowed.
func listenHosts(addr string) []string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil
	}
	if ip := net.ParseIP(host); host != "" && (ip == nil || !ip.IsUnspecified()) {
		return []string{host}
	}
	ifaddrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	var out []string
	for _, a := range ifaddrs {
		if n, ok := a.(*net.IPNet); ok {
			out = append(out, n.IP.String())
		}
	}
	return out
}

// baseURL is the URL a person on this machine opens for a receiver listening
// on addr: an address that listens on every interface is reached at
// 127.0.0.1.
func baseURL(addr string, tls bool) string {
	scheme := "http://"
	if tls {
		scheme = "https://"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return scheme + addr
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return scheme + net.JoinHostPort(host, port)
}

// exposure is the warning printed for a listen address that other machines
// can reach, naming what they reach; "" for a loopback address.
func exposure(addr net.Addr, tls bool) string {
	tcp, ok := addr.(*net.TCPAddr)
	if ok && tcp.IP.IsLoopback() {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "warning: listening on %s, which other machines can reach:\n", addr)
	b.WriteString("  - anyone who reaches it can post to the vendor routes; /sleep/, /signage/ and /wms/ need their keys, /eeg/ and /labvanced/ have none (the vendors send none);\n")
	b.WriteString("  - /events, /events/{id}, the dashboard, /export/ and /metrics (participants' data and raw bodies) need the admin token, and answer only to the Host names allowed (-allowed-host);\n")
	b.WriteString("  - DELETE /sessions/... (the admin token) removes data; /healthz is open.\n")
	if !tls {
		b.WriteString("  - without -tls-cert/-tls-key or -acme-domain, the admin token, the keys and every payload cross the network unencrypted.\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}
