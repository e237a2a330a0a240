// Package pebble runs Let's Encrypt's test CA (Pebble) in-process, with a
// challtestsrv mock DNS server, so tests can drive real ACME issuance
// (HTTP-01, TLS-ALPN-01) against servers bound to 127.0.0.1 and count what
// reached the CA.
//
// Pebble reads PEBBLE_VA_NOSLEEP, PEBBLE_AUTHZREUSE and PEBBLE_WFE_NONCEREJECT
// from the environment when a CA is built; set them in TestMain (see
// SetTestEnv). Options.NonceRejectPercent overrides the last one per CA.
package pebble

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/letsencrypt/pebble/v2/ca"
	"github.com/letsencrypt/pebble/v2/db"
	"github.com/letsencrypt/pebble/v2/va"
	"github.com/letsencrypt/pebble/v2/wfe"
)

// Options configures one CA.
type Options struct {
	// HTTPPort and TLSPort are the ports Pebble's VA dials on the address
	// the mock DNS returns (127.0.0.1) for HTTP-01 and TLS-ALPN-01.
	HTTPPort, TLSPort int
	// Validity is the lifetime of issued certificates (whole seconds);
	// zero means Pebble's default of 90 days.
	Validity time.Duration
	// OCSPResponderURL, if set, is written into every issued certificate.
	OCSPResponderURL string
	// NonceRejectPercent, if non-nil, is the share of good nonces the
	// CA rejects as bad (PEBBLE_WFE_NONCEREJECT for this CA only).
	NonceRejectPercent *int
	// BeforeNewOrder, if set, runs before the CA handles each new-order
	// request; tests use it to hold a client while it owns a lock.
	BeforeNewOrder func()
	// StartLater reserves a port but does not listen until Start is
	// called, so clients see "connection refused" until then.
	StartLater bool
}

// CA is a running (or reserved) Pebble instance.
type CA struct {
	// DirectoryURL is the ACME directory (acme_ca in Caddy).
	DirectoryURL string
	// ServerRootFile is a PEM file with the certificate of the ACME
	// endpoint itself (acme_ca_root in Caddy).
	ServerRootFile string

	addr       string
	dir        string
	srv        *httptest.Server
	handler    *countingHandler
	issuerRoot *x509.Certificate
	logs       *lockedBuffer
	startOnce  sync.Once
	startErr   error
}

// envMu serialises the env override of NonceRejectPercent around wfe.New.
var envMu sync.Mutex

// SetTestEnv sets Pebble's process-global knobs for fast, countable tests:
// no random VA sleeps, no bad-nonce injection by default, and no
// authorization reuse (so every order is a fresh one).
func SetTestEnv() {
	os.Setenv("PEBBLE_VA_NOSLEEP", "1")
	os.Setenv("PEBBLE_WFE_NONCEREJECT", "0")
	os.Setenv("PEBBLE_AUTHZREUSE", "0")
}

// New builds a CA. Unless opts.StartLater is set it is already serving.
// Call Close when done.
func New(opts Options) (*CA, error) {
	dnsAddr, err := DNSAddr()
	if err != nil {
		return nil, err
	}
	logs := &lockedBuffer{}
	logger := log.New(logs, "pebble ", log.Lmicroseconds)

	validity := uint64(opts.Validity / time.Second)
	profiles := map[string]ca.Profile{"default": {Description: "test", ValidityPeriod: validity}}
	store := db.NewMemoryStore()
	// ECDSA keeps CA set-up fast under -race; chain: root -> 1 intermediate.
	caImpl := ca.New(logger, store, opts.OCSPResponderURL, "ecdsa", 0, 1, profiles)
	vaImpl := va.New(logger, opts.HTTPPort, opts.TLSPort, false, dnsAddr, store)

	wfeImpl := newWFE(logger, store, vaImpl, caImpl, opts.NonceRejectPercent)

	c := &CA{logs: logs}
	if c.issuerRoot, err = fetchIssuerRoot(wfeImpl.ManagementHandler()); err != nil {
		return nil, err
	}
	h, err := newCountingHandler(wfeImpl.Handler())
	if err != nil {
		return nil, err
	}
	h.beforeNewOrder = opts.BeforeNewOrder
	c.handler = h

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	c.addr = l.Addr().String()
	c.DirectoryURL = "https://" + c.addr + wfe.DirectoryPath
	c.srv = httptest.NewUnstartedServer(h)
	c.srv.Config.ErrorLog = log.New(logs, "pebble-http ", log.Lmicroseconds)
	// The ACME endpoint's own certificate is httptest's, valid for 127.0.0.1.
	c.srv.Listener = l
	c.srv.StartTLS()
	// Capture its certificate, then (for StartLater) give the port back
	// so connections are refused until Start binds it again.
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.srv.Certificate().Raw})
	if c.dir, err = os.MkdirTemp("", "pebble-"); err != nil {
		c.srv.Close()
		return nil, err
	}
	c.ServerRootFile = filepath.Join(c.dir, "acme-server-root.pem")
	if err := os.WriteFile(c.ServerRootFile, certPEM, 0o600); err != nil {
		c.Close()
		return nil, err
	}
	if opts.StartLater {
		c.srv.Close()
		c.srv = nil
		return c, nil
	}
	c.startOnce.Do(func() {}) // already serving: Start is a no-op
	return c, nil
}

// newWFE builds the ACME front end; wfe.New reads PEBBLE_WFE_NONCEREJECT,
// so a per-CA override is set (and restored) around it under envMu.
func newWFE(logger *log.Logger, store *db.MemoryStore, v *va.VAImpl, c *ca.CAImpl, nonceReject *int) wfe.WebFrontEndImpl {
	envMu.Lock()
	defer envMu.Unlock()
	if nonceReject != nil {
		old, had := os.LookupEnv("PEBBLE_WFE_NONCEREJECT")
		os.Setenv("PEBBLE_WFE_NONCEREJECT", strconv.Itoa(*nonceReject))
		defer func() {
			if had {
				os.Setenv("PEBBLE_WFE_NONCEREJECT", old)
			} else {
				os.Unsetenv("PEBBLE_WFE_NONCEREJECT")
			}
		}()
	}
	return wfe.New(logger, store, v, c, []string{"pebble.letsencrypt.org"}, false, false, 0, 0)
}

// Start begins serving on the reserved address (only needed with
// StartLater; a no-op otherwise). It fails if the port was taken meanwhile.
func (c *CA) Start() error {
	c.startOnce.Do(func() {
		l, err := net.Listen("tcp", c.addr)
		if err != nil {
			c.startErr = fmt.Errorf("re-binding reserved CA address: %w", err)
			return
		}
		c.srv = httptest.NewUnstartedServer(c.handler)
		c.srv.Config.ErrorLog = log.New(c.logs, "pebble-http ", log.Lmicroseconds)
		c.srv.Listener = l
		c.srv.StartTLS()
	})
	return c.startErr
}

// Close stops serving and removes temporary files. Pebble's VA worker
// goroutine has no stop hook and lives on until the process exits.
func (c *CA) Close() {
	if c.srv != nil {
		c.srv.CloseClientConnections()
		c.srv.Close()
	}
	if c.dir != "" {
		os.RemoveAll(c.dir)
	}
}

// IssuerRoot is the root certificate of the chain Pebble issues under:
// the only certificate a client of the issued sites should trust.
func (c *CA) IssuerRoot() *x509.Certificate { return c.issuerRoot }

// IssuerPool is a pool holding only IssuerRoot.
func (c *CA) IssuerPool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(c.issuerRoot)
	return p
}

// Requests counts every HTTP request that reached the ACME endpoint.
func (c *CA) Requests() int { return int(c.handler.requests.Load()) }

// Orders counts orders the CA created (successful new-order POSTs).
func (c *CA) Orders() int { return int(c.handler.orders.Load()) }

// Certificates counts successfully finalized orders.
func (c *CA) Certificates() int { return int(c.handler.finalized.Load()) }

// BadNonces counts requests rejected with urn:ietf:params:acme:error:badNonce.
func (c *CA) BadNonces() int { return int(c.handler.badNonces.Load()) }

// Log returns what Pebble logged so far (for failure diagnostics).
func (c *CA) Log() string { return c.logs.String() }

// fetchIssuerRoot asks the management interface for /roots/0, as a real
// client of Pebble would, instead of reaching into the CA.
func fetchIssuerRoot(mgmt http.Handler) (*x509.Certificate, error) {
	rec := httptest.NewRecorder()
	mgmt.ServeHTTP(rec, internalGet(wfe.RootCertPath+"0"))
	if rec.Code != http.StatusOK {
		return nil, fmt.Errorf("GET %s0: status %d", wfe.RootCertPath, rec.Code)
	}
	block, _ := pem.Decode(rec.Body.Bytes())
	if block == nil {
		return nil, errors.New("issuer root: no PEM block")
	}
	return x509.ParseCertificate(block.Bytes)
}

// directoryPaths reads the ACME directory to learn the endpoint paths
// rather than hard-coding Pebble's deliberately odd ones.
func directoryPaths(h http.Handler) (map[string]string, error) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, internalGet(wfe.DirectoryPath))
	if rec.Code != http.StatusOK {
		return nil, fmt.Errorf("GET %s: status %d", wfe.DirectoryPath, rec.Code)
	}
	var dir map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &dir); err != nil {
		return nil, err
	}
	paths := map[string]string{}
	for k, v := range dir {
		if s, ok := v.(string); ok {
			if u, err := url.Parse(s); err == nil {
				paths[k] = u.Path
			}
		}
	}
	return paths, nil
}

// internalGet builds a request to the CA's handlers; Pebble rejects
// requests without a User-Agent (RFC 8555 section 6.1).
func internalGet(path string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r.Header.Set("User-Agent", "caddy-mcp-acmetest")
	return r
}
