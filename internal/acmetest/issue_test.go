package acmetest

import (
	"testing"
	"time"

	"github.com/caddy-mcp/caddy-mcp/internal/pebble"
)

// issueTimeout bounds one issuance on a busy 2-core machine under -race;
// a healthy issuance takes well under a second.
const issueTimeout = 30 * time.Second

// TestFirstStartHTTP01 proves that on first start Caddy obtains a
// certificate over HTTP-01 (TLS-ALPN disabled) and the docs server then
// answers over HTTPS to a client that trusts only Pebble's root.
func TestFirstStartHTTP01(t *testing.T) {
	logRuntime(t)
	e := newEnv(t, pebble.Options{})
	startCaddy(t, caddyfileData{env: e, Issuer: "disable_tlsalpn_challenge", Sites: docsSite(docsHost)}.render(t))
	leaf, _ := waitServedCert(t, e.CA.IssuerPool(), e.HTTPSPort, issueTimeout)
	if err := leaf.VerifyHostname(docsHost); err != nil {
		t.Fatal(err)
	}
	checkDocs(t, httpsClient(e.CA.IssuerPool(), true, true, nil), e.siteURL())
	if got := e.CA.Orders(); got != 1 {
		t.Fatalf("orders at CA = %d, want 1", got)
	}
	assertChallenges(t, e, "http-01")
}

// TestFirstStartTLSALPN01 is the TLS-ALPN-01-only variant: the HTTP
// challenge is disabled, so validation must happen on the HTTPS port.
func TestFirstStartTLSALPN01(t *testing.T) {
	logRuntime(t)
	e := newEnv(t, pebble.Options{})
	startCaddy(t, caddyfileData{env: e, Issuer: "disable_http_challenge", Sites: docsSite(docsHost)}.render(t))
	waitServedCert(t, e.CA.IssuerPool(), e.HTTPSPort, issueTimeout)
	checkDocs(t, httpsClient(e.CA.IssuerPool(), true, true, nil), e.siteURL())
	assertChallenges(t, e, "tls-alpn-01")
}

// assertChallenges checks from Caddy's log which challenge types were
// attempted: exactly want.
func assertChallenges(t *testing.T, e *env, want string) {
	t.Helper()
	entries := caddyLog(t, e.LogFile, "trying to solve challenge")
	if len(entries) == 0 {
		t.Fatal("no challenge attempt logged")
	}
	for _, en := range entries {
		if got := en["challenge_type"]; got != want {
			t.Fatalf("challenge attempted: %v, want only %s", got, want)
		}
	}
}
