package caddymcp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	_ "github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	_ "github.com/caddyserver/caddy/v2/modules/standard"
)

// testPages is the fixture index: a Hugo-style index.json.
var testPages = []map[string]any{
	{
		"title":     "Installing Widgets",
		"permalink": "https://docs.example.com/install/",
		"contents":  "Install the widget toolkit with the frobnicate command. Widgets need a gizmo runtime.",
		"section":   "docs",
	},
	{
		"title":     "Configuring Gizmos",
		"permalink": "https://docs.example.com/gizmos/",
		"contents":  "Gizmos are configured in gizmo.toml. Set the sprocket_count option to tune throughput.",
		"section":   "docs",
	},
	{
		"title":     "Troubleshooting",
		"permalink": "https://docs.example.com/troubleshooting/",
		"contents":  "When the flux capacitor overheats, reduce the sprocket_count and restart.",
		"section":   "docs",
	},
}

// site is a running in-process Caddy for one test.
type site struct {
	dir     string // site root (file_server) and fixture location
	index   string // path of the index.json fixture
	storage string
	port    int
	host    string // site address host; resolved to 127.0.0.1 by clients
	base    string // scheme://host:port
}

// newSiteDir writes the fixtures: index.json and a static page.
func newSiteDir(t testing.TB) *site {
	t.Helper()
	dir := t.TempDir()
	b, err := json.Marshal(testPages)
	if err != nil {
		t.Fatal(err)
	}
	s := &site{dir: dir, index: filepath.Join(dir, "index.json"), storage: t.TempDir()}
	if err := os.WriteFile(s.index, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "hello.txt"), []byte("hello from file_server\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return s
}

// freePort returns a loopback TCP port that is free right now (and whose
// UDP twin is free too, for HTTP/3).
func freePort(t testing.TB) int {
	t.Helper()
	for range 20 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		pc, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue
		}
		pc.Close()
		return port
	}
	t.Fatal("no free port")
	return 0
}

// globalOptions are the options every test config uses: no admin endpoint
// (tests in other packages run Caddy in parallel), no autosave, storage in
// the test's temp dir.
func (s *site) globalOptions(extra string) string {
	return fmt.Sprintf(`{
	admin off
	persist_config off
	storage file_system %s
	skip_install_trust
	auto_https disable_redirects
	%s
}
`, s.storage, extra)
}

// caddyfile renders a complete config for a plain HTTP site (tls=false) or
// an HTTPS site with Caddy's internal CA (tls=true), whose block holds
// mcpBlock and body.
func (s *site) caddyfile(tls bool, mcpBlock, body string) string {
	scheme := "http"
	tlsLine := ""
	if tls {
		scheme = "https"
		tlsLine = "tls internal"
	}
	if s.host == "" {
		s.host = "127.0.0.1"
	}
	s.base = fmt.Sprintf("%s://%s:%d", scheme, s.host, s.port)
	return s.globalOptions("") + fmt.Sprintf(`
%s {
	bind 127.0.0.1
	%s
	root * %s
	%s
	%s
	file_server
}
`, s.base, tlsLine, s.dir, mcpBlock, body)
}

// load adapts a Caddyfile and loads it into the process's Caddy.
func load(t testing.TB, caddyfile string) {
	t.Helper()
	cfg, warn, err := adaptCaddyfile(caddyfile)
	if err != nil {
		t.Fatalf("adapt: %v\n%s", err, caddyfile)
	}
	for _, w := range warn {
		if strings.Contains(w.Message, "not formatted") {
			continue
		}
		t.Logf("adapt warning: %s", w)
	}
	if err := caddy.Load(cfg, true); err != nil {
		t.Fatalf("load: %v\n%s", err, cfg)
	}
}

// startSite starts Caddy serving the fixtures with the given mcp block and
// extra site directives; it is stopped when the test ends.
func startSite(t *testing.T, tls bool, mcpBlock, body string) *site {
	t.Helper()
	return startSiteHost(t, "127.0.0.1", tls, mcpBlock, body)
}

// startSiteHost is startSite with a site address other than 127.0.0.1.
func startSiteHost(t *testing.T, host string, tls bool, mcpBlock, body string) *site {
	t.Helper()
	s := newSiteDir(t)
	s.host = host
	s.port = freePort(t)
	mcpBlock = strings.ReplaceAll(mcpBlock, "INDEX", s.index)
	load(t, s.caddyfile(tls, mcpBlock, body))
	t.Cleanup(func() { _ = caddy.Stop() })
	if tls {
		s.waitTLS(t)
	}
	return s
}

// rootPool is Caddy's internal root CA from the test storage.
func (s *site) rootPool(t testing.TB) *x509.CertPool {
	t.Helper()
	pem, err := os.ReadFile(filepath.Join(s.storage, "pki", "authorities", "local", "root.crt"))
	if err != nil {
		t.Fatalf("internal CA root: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("bad root PEM")
	}
	return pool
}

// tlsConfig trusts only Caddy's internal CA.
func (s *site) tlsConfig(t testing.TB) *tls.Config {
	return &tls.Config{RootCAs: s.rootPool(t), ServerName: s.host}
}

// waitTLS waits until the site's certificate is served.
func (s *site) waitTLS(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := os.Stat(filepath.Join(s.storage, "pki", "authorities", "local", "root.crt"))
		if err == nil {
			conn, err := tls.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", s.port), s.tlsConfig(t))
			if err == nil {
				conn.Close()
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("TLS not ready: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// httpClient is a client for the site (HTTP/1.1, or HTTP/2 over TLS). It
// has no Timeout: that would kill event streams.
func (s *site) httpClient(t testing.TB) *http.Client {
	addr := fmt.Sprintf("127.0.0.1:%d", s.port)
	tr := &http.Transport{
		// Like curl --resolve: every name goes to the test server.
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}
	if strings.HasPrefix(s.base, "https") {
		tr.TLSClientConfig = s.tlsConfig(t)
		tr.ForceAttemptHTTP2 = true
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// testCtx is a context for one test's client calls.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// adaptCaddyfile converts a Caddyfile to JSON.
func adaptCaddyfile(caddyfile string) ([]byte, []caddyconfig.Warning, error) {
	return caddyconfig.GetAdapter("caddyfile").Adapt([]byte(caddyfile), nil)
}
