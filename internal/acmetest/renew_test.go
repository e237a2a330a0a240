package acmetest

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddy-mcp/caddy-mcp/internal/pebble"
)

// countGETs counts GET requests a client sends (to prove a stream was
// opened once and never re-opened).
type countGETs struct {
	next http.RoundTripper
	n    atomic.Int64
}

func (c *countGETs) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodGet {
		c.n.Add(1)
	}
	return c.next.RoundTrip(r)
}

// TestRenewalUnderLiveStream proves renewal: with 10-second certificates
// and renew_interval 1s, Caddy renews while a legacy SSE stream stays
// connected on the old certificate; the stream keeps delivering tool
// results, and new connections get the new certificate (other serial).
func TestRenewalUnderLiveStream(t *testing.T) {
	logRuntime(t)
	e := newEnv(t, pebble.Options{Validity: 10 * time.Second})
	startCaddy(t, caddyfileData{env: e, RenewInterval: "1s", Sites: docsSite(docsHost)}.render(t))
	roots := e.CA.IssuerPool()
	waitServedCert(t, roots, e.HTTPSPort, issueTimeout)

	// HTTP/1.1 without keep-alive: the SSE GET owns the first connection,
	// every later POST dials (and handshakes) anew.
	conns := &connLog{}
	hc := httpsClient(roots, false, false, conns)
	gets := &countGETs{next: hc.Transport}
	hc.Transport = gets
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sse := startSSE(t, ctx, hc, e.siteURL())
	streamLeaf := conns.all()[0]

	var renewed bool
	eventually(t, 30*time.Second, "a renewed certificate on new connections", func() error {
		leaf, err := handshake(roots, e.HTTPSPort, docsHost)
		if err != nil {
			return err
		}
		if sameCert(leaf, streamLeaf) {
			return errNoCert
		}
		renewed = true
		return nil
	})
	if !renewed || e.CA.Certificates() < 2 {
		t.Fatalf("no renewal: %d certificates issued", e.CA.Certificates())
	}
	waitLog(t, e.LogFile, "certificate renewed successfully", 1, 5*time.Second)

	// The stream opened before the renewal still carries results.
	searchAndFetch(t, ctx, sse)
	if n := gets.n.Load(); n != 1 {
		t.Fatalf("SSE stream opened %d times, want 1 (it must survive the renewal)", n)
	}
	all := conns.all()
	if last := all[len(all)-1]; sameCert(last, streamLeaf) {
		t.Fatalf("a connection made after renewal got the old certificate (serial %x)", last.SerialNumber)
	}
	t.Logf("stream cert serial %x; %d certificates issued; %d connections", streamLeaf.SerialNumber, e.CA.Certificates(), len(all))
}
