package acmetest

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/caddy-mcp/caddy-mcp/internal/pebble"
)

// plainClient speaks plain HTTP and dials 127.0.0.1 whatever the host.
func plainClient() *http.Client {
	return &http.Client{Transport: &http.Transport{DialContext: loopbackDial}}
}

// TestNoDomainPlainHTTP proves that without a domain (a port-only site
// like Caddyfile.example's, and an http:// site) Caddy serves plain HTTP,
// the docs server works, nothing listens for TLS, and ZERO requests reach
// the ACME server even though acme_ca points at a live one.
func TestNoDomainPlainHTTP(t *testing.T) {
	logRuntime(t)
	e := newEnv(t, pebble.Options{})
	portOnly := freePort(t)
	sites := docsSite(":"+strconv.Itoa(portOnly)) + docsSite("http://")
	startCaddy(t, caddyfileData{env: e, Sites: sites}.render(t))

	hc := plainClient()
	checkDocs(t, hc, fmt.Sprintf("http://localhost:%d", portOnly))
	checkDocs(t, hc, fmt.Sprintf("http://%s:%d", docsHost, e.HTTPPort))

	// Give certificate management a chance to do anything at all; a
	// managed name starts obtaining within milliseconds of Load.
	time.Sleep(500 * time.Millisecond)
	if n := e.CA.Requests(); n != 0 {
		t.Fatalf("%d requests reached the ACME server, want 0", n)
	}
	if got := caddyLog(t, e.LogFile, "obtaining certificate"); len(got) != 0 {
		t.Fatalf("Caddy tried to obtain a certificate: %v", got)
	}
	if c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(e.HTTPSPort)), time.Second); err == nil {
		c.Close()
		t.Fatalf("something listens on the HTTPS port %d without any HTTPS site", e.HTTPSPort)
	}
}
