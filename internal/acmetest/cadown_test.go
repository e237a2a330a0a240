package acmetest

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"

	"github.com/caddy-mcp/caddy-mcp/internal/pebble"
)

// caDownSites serves the docs on HTTPS and, explicitly, on plain HTTP for
// the same name: an explicit http:// site replaces the automatic redirect,
// so the MCP endpoint answers while no certificate exists yet.
func caDownSites() string { return docsSite(docsHost) + docsSite("http://"+docsHost) }

// startWithCADown starts Caddy while nothing listens on the CA's port and
// checks what must hold before the CA comes up. It returns the config.
func startWithCADown(t *testing.T, e *env) []byte {
	t.Helper()
	cfgText := caddyfileData{env: e, Sites: caDownSites()}.render(t)
	start := startCaddy(t, cfgText)
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("start-up blocked %v on the unreachable CA", d)
	}
	// Plain HTTP works right away.
	checkDocs(t, plainClient(), fmt.Sprintf("http://%s:%d", docsHost, e.HTTPPort))
	// The first obtain attempt fails (acmez tries the directory 3 times,
	// 250ms apart) and certmagic schedules the next attempt.
	retry := waitLog(t, e.LogFile, "will retry", 1, 20*time.Second)
	// Caddy logs durations as seconds; pin the documented first interval.
	if got := retry[0]["retrying_in"]; got != 60.0 {
		t.Fatalf("certmagic retrying_in = %v, want 60 (s)", got)
	}
	if _, err := handshake(e.CA.IssuerPool(), e.HTTPSPort, docsHost); err == nil {
		t.Fatal("HTTPS served a verified certificate although the CA never answered")
	}
	if n := e.CA.Requests(); n != 0 {
		t.Fatalf("CA saw %d requests while down", n)
	}
	// Still serving plain HTTP after the failure.
	checkDocs(t, plainClient(), fmt.Sprintf("http://%s:%d", docsHost, e.HTTPPort))
	return adapt(t, cfgText)
}

// TestCAUnavailableAtStart proves Caddy starts and serves plain HTTP while
// the CA is down, records a scheduled retry, and serves HTTPS within
// seconds of the CA coming up once the config is reloaded (what `caddy
// reload` does). certmagic's own first retry comes 1 minute after the
// failed attempt; TestCAUnavailableAtStartAutoRetry waits for that one.
func TestCAUnavailableAtStart(t *testing.T) {
	logRuntime(t)
	e := newEnv(t, pebble.Options{StartLater: true})
	cfg := startWithCADown(t, e)
	if err := e.CA.Start(); err != nil {
		t.Fatal(err)
	}
	up := time.Now()
	if err := caddy.Load(cfg, true); err != nil {
		t.Fatalf("reload: %v", err)
	}
	_, served := waitServedCert(t, e.CA.IssuerPool(), e.HTTPSPort, issueTimeout)
	t.Logf("HTTPS served %v after the CA came up (reload)", served.Sub(up).Round(time.Millisecond))
	checkDocs(t, httpsClient(e.CA.IssuerPool(), true, true, nil), e.siteURL())
	if got := e.CA.Orders(); got != 1 {
		t.Fatalf("orders = %d, want 1", got)
	}
}

// TestCAUnavailableAtStartAutoRetry is the same without a reload: Caddy
// retries on its own. It takes about a minute (certmagic's first retry
// interval), so it runs only with ACMETEST_SLOW=1.
func TestCAUnavailableAtStartAutoRetry(t *testing.T) {
	if os.Getenv("ACMETEST_SLOW") == "" {
		t.Skip("waits for certmagic's 1-minute retry; set ACMETEST_SLOW=1")
	}
	logRuntime(t)
	e := newEnv(t, pebble.Options{StartLater: true})
	startWithCADown(t, e)
	if err := e.CA.Start(); err != nil {
		t.Fatal(err)
	}
	up := time.Now()
	_, served := waitServedCert(t, e.CA.IssuerPool(), e.HTTPSPort, 90*time.Second)
	t.Logf("HTTPS served %v after the CA came up (automatic retry)", served.Sub(up).Round(time.Millisecond))
	checkDocs(t, httpsClient(e.CA.IssuerPool(), true, true, nil), e.siteURL())
	if got := e.CA.Orders(); got != 1 {
		t.Fatalf("orders = %d, want 1", got)
	}
}
