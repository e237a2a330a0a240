package acmetest

import (
	"testing"

	"github.com/caddy-mcp/caddy-mcp/internal/pebble"
)

// TestBadNonceInjection proves issuance survives Pebble rejecting good
// nonces. 30% rejection over three names (about 22 signed POSTs): the
// chance of seeing no rejection is ~4e-4, and of any POST failing all 10
// client-side attempts (acmez retries badNonce 10x, 250ms apart) ~1e-4.
func TestBadNonceInjection(t *testing.T) {
	logRuntime(t)
	reject := 30
	e := newEnv(t, pebble.Options{NonceRejectPercent: &reject})
	hosts := []string{docsHost, "api." + docsHost, "www." + docsHost}
	sites := ""
	for _, h := range hosts {
		sites += docsSite(h)
	}
	startCaddy(t, caddyfileData{env: e, Sites: sites}.render(t))
	roots := e.CA.IssuerPool()
	for _, h := range hosts {
		eventually(t, issueTimeout, "verified handshake for "+h, func() error {
			_, err := handshake(roots, e.HTTPSPort, h)
			return err
		})
	}
	checkDocs(t, httpsClient(roots, true, true, nil), e.siteURL())
	if got := e.CA.Orders(); got != len(hosts) {
		t.Fatalf("orders = %d, want %d (one per name, no extra orders)", got, len(hosts))
	}
	if e.CA.BadNonces() == 0 {
		t.Fatal("Pebble rejected no nonce: the injection did not happen, nothing was proven")
	}
	t.Logf("bad nonces injected and survived: %d", e.CA.BadNonces())
}
