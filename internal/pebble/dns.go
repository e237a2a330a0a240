package pebble

import (
	"context"
	"fmt"
	"log"
	"net"
	"sync"
	"time"

	"github.com/letsencrypt/challtestsrv"
)

// The mock DNS server is shared by every CA in the process: challtestsrv
// registers its handler on miekg/dns's global mux, so a second instance
// would silently take over the first one's queries.
var (
	dnsOnce sync.Once
	dnsAddr string
	dnsErr  error
)

// DNSAddr starts (once per process) a challtestsrv DNS server on a free
// loopback port that answers 127.0.0.1 for every A query and nothing for
// AAAA, and returns its address. Pebble's VA resolves challenge hosts with
// it, so any site name validates against servers on 127.0.0.1.
func DNSAddr() (string, error) {
	dnsOnce.Do(func() { dnsAddr, dnsErr = startDNS() })
	return dnsAddr, dnsErr
}

func startDNS() (string, error) {
	var lastErr error
	// A free TCP port may still be taken for UDP; retry a few ports.
	for range 5 {
		port, err := FreePort()
		if err != nil {
			return "", err
		}
		addr := net.JoinHostPort("127.0.0.1", fmt.Sprint(port))
		srv, err := challtestsrv.New(challtestsrv.Config{
			DNSAddrs: []string{addr},
			Log:      log.New(discard{}, "", 0),
		})
		if err != nil {
			return "", err
		}
		srv.SetDefaultDNSIPv4("127.0.0.1")
		// Pebble's VA asks AAAA first and would dial ::1 where nothing listens.
		srv.SetDefaultDNSIPv6("")
		srv.Run()
		if lastErr = waitDNS(addr); lastErr == nil {
			return addr, nil
		}
		srv.Shutdown()
	}
	return "", fmt.Errorf("mock DNS server did not come up: %w", lastErr)
}

// waitDNS polls the server over TCP (the transport Pebble's VA uses).
func waitDNS(addr string) error {
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", addr)
	}}
	deadline := time.Now().Add(5 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		ips, err := r.LookupIP(ctx, "ip4", "probe.example.com")
		cancel()
		if err == nil && len(ips) == 1 && ips[0].Equal(net.IPv4(127, 0, 0, 1)) {
			return nil
		}
		if err == nil {
			err = fmt.Errorf("unexpected answer %v", ips)
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
