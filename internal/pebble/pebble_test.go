package pebble

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"testing"
)

// client trusts only the CA's own endpoint certificate (acme_ca_root).
func client(t *testing.T, c *CA) *http.Client {
	t.Helper()
	pemBytes, err := os.ReadFile(c.ServerRootFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatal("ServerRootFile holds no certificate")
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

func getDir(c *CA, hc *http.Client) (int, error) {
	req, _ := http.NewRequest(http.MethodGet, c.DirectoryURL, nil)
	req.Header.Set("User-Agent", "pebble-harness-test")
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

func TestMain(m *testing.M) {
	SetTestEnv()
	os.Exit(m.Run())
}

// TestStartLater checks the reserved-port mode: refused until Start, then
// the directory is served over TLS verifiable with ServerRootFile.
func TestStartLater(t *testing.T) {
	c, err := New(Options{HTTPPort: 1, TLSPort: 1, StartLater: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	hc := client(t, c)
	if _, err := getDir(c, hc); err == nil {
		t.Fatal("directory reachable before Start")
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	code, err := getDir(c, hc)
	if err != nil || code != http.StatusOK {
		t.Fatalf("GET directory after Start: %d %v", code, err)
	}
	if c.Requests() != 1 || c.Orders() != 0 {
		t.Fatalf("counters: requests=%d orders=%d, want 1 and 0", c.Requests(), c.Orders())
	}
	if !c.IssuerRoot().IsCA || c.IssuerPool() == nil {
		t.Fatal("issuer root is not a CA certificate")
	}
}
