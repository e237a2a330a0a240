package acmetest

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"testing"
	"time"

	"github.com/caddyserver/certmagic"

	"github.com/caddy-mcp/caddy-mcp/internal/pebble"
)

// storedLeaf reads the site certificate Caddy stored for host, through
// certmagic's storage API and key helpers (no guessed file paths).
func storedLeaf(t *testing.T, e *env, host string) *x509.Certificate {
	t.Helper()
	storage := &certmagic.FileStorage{Path: e.Storage}
	issuerKey := (&certmagic.ACMEIssuer{CA: e.CA.DirectoryURL}).IssuerKey()
	ctx := context.Background()
	for _, key := range []string{
		certmagic.StorageKeys.SiteCert(issuerKey, host),
		certmagic.StorageKeys.SitePrivateKey(issuerKey, host),
		certmagic.StorageKeys.SiteMeta(issuerKey, host),
	} {
		if !storage.Exists(ctx, key) {
			t.Fatalf("storage key %q missing", key)
		}
	}
	certPEM, err := storage.Load(ctx, certmagic.StorageKeys.SiteCert(issuerKey, host))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(certPEM)
	if block == nil {
		t.Fatal("stored certificate: no PEM block")
	}
	leaf, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return leaf
}

// TestRestartReusesStoredCert proves that a restart with the same storage
// serves the stored certificate: exactly one order at the CA across both
// runs, and the served certificate is the one in storage.
func TestRestartReusesStoredCert(t *testing.T) {
	logRuntime(t)
	e := newEnv(t, pebble.Options{})
	cfg := caddyfileData{env: e, Sites: docsSite(docsHost)}.render(t)
	roots := e.CA.IssuerPool()

	startCaddy(t, cfg)
	first, _ := waitServedCert(t, roots, e.HTTPSPort, issueTimeout)
	stopCaddy()

	stored := storedLeaf(t, e, docsHost)
	if !sameCert(stored, first) {
		t.Fatalf("stored cert (serial %x) is not the served one (serial %x)", stored.SerialNumber, first.SerialNumber)
	}

	startCaddy(t, cfg)
	second, _ := waitServedCert(t, roots, e.HTTPSPort, 10*time.Second)
	if !sameCert(second, first) {
		t.Fatalf("after restart served serial %x, want stored serial %x", second.SerialNumber, first.SerialNumber)
	}
	checkDocs(t, httpsClient(roots, true, true, nil), e.siteURL())
	// Both runs log to the same file: one obtain in total.
	if got := len(caddyLog(t, e.LogFile, "obtaining certificate")); got != 1 {
		t.Fatalf("obtain attempts logged across both runs = %d, want 1", got)
	}
	if got := e.CA.Orders(); got != 1 {
		t.Fatalf("orders at CA across both runs = %d, want 1", got)
	}
}
