package acmetest

import (
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddy-mcp/caddy-mcp/internal/pebble"
)

// TestOCSPResponderUnreachable proves OCSP stapling (on by default) does
// not break start-up or serving when the certificate's OCSP responder
// refuses connections: on first start (fresh issuance) and on restart
// (certificate loaded from storage), HTTPS is served without a staple.
func TestOCSPResponderUnreachable(t *testing.T) {
	logRuntime(t)
	responder := fmt.Sprintf("http://127.0.0.1:%d/ocsp", freePort(t)) // nothing listens
	e := newEnv(t, pebble.Options{OCSPResponderURL: responder})
	cfg := caddyfileData{env: e, Sites: docsSite(docsHost)}.render(t)
	roots := e.CA.IssuerPool()

	for run := 1; run <= 2; run++ {
		startCaddy(t, cfg)
		leaf, _ := waitServedCert(t, roots, e.HTTPSPort, issueTimeout)
		if len(leaf.OCSPServer) != 1 || leaf.OCSPServer[0] != responder {
			t.Fatalf("run %d: served cert OCSP servers %v, want [%s]", run, leaf.OCSPServer, responder)
		}
		checkDocs(t, httpsClient(roots, true, true, nil), e.siteURL())
		// Caddy did try to staple and logged the failure.
		waitLog(t, e.LogFile, "stapling OCSP", run, 5*time.Second)
		stopCaddy()
	}
	if got := e.CA.Orders(); got != 1 {
		t.Fatalf("orders = %d, want 1", got)
	}
}

// hangingResponder accepts TCP connections and never answers: an OCSP
// responder that is blackholed rather than down.
type hangingResponder struct {
	l       net.Listener
	accepts atomic.Int64
	mu      sync.Mutex
	conns   []net.Conn
}

func newHangingResponder(t *testing.T) *hangingResponder {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &hangingResponder{l: l}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			h.accepts.Add(1)
			h.mu.Lock()
			h.conns = append(h.conns, c)
			h.mu.Unlock()
		}
	}()
	t.Cleanup(h.release)
	return h
}

// release closes the listener and every held connection.
func (h *hangingResponder) release() {
	h.l.Close()
	h.dropConns()
}

// dropConns closes held connections (the client sees a reset) but keeps
// accepting, so the next connection hangs again.
func (h *hangingResponder) dropConns() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, c := range h.conns {
		c.Close()
	}
	h.conns = nil
}

func (h *hangingResponder) url() string { return "http://" + h.l.Addr().String() + "/ocsp" }

// TestOCSPBlackholedResponder pins a limitation found here and its
// mitigation. A responder that accepts connections but never answers
// withholds HTTPS: certmagic staples synchronously before caching a
// certificate, with http.DefaultClient (no timeout), so the freshly
// obtained certificate is not served while the request hangs (a manual
// run showed the same on restart for the stored certificate); Caddy's
// start-up itself (caddy.Load) is not blocked. With the global
// option `ocsp_stapling off` the responder is never contacted and HTTPS
// is served at once. If the first half starts failing, upstream added a
// timeout: revisit the recommendation to turn stapling off.
func TestOCSPBlackholedResponder(t *testing.T) {
	logRuntime(t)
	h := newHangingResponder(t)
	e := newEnv(t, pebble.Options{OCSPResponderURL: h.url()})
	roots := e.CA.IssuerPool()

	startCaddy(t, caddyfileData{env: e, Sites: docsSite(docsHost)}.render(t))
	waitLog(t, e.LogFile, "certificate obtained successfully", 1, issueTimeout)
	eventually(t, 5*time.Second, "a connection to the OCSP responder", func() error {
		if h.accepts.Load() == 0 {
			return errNoCert
		}
		return nil
	})
	const hold = 2 * time.Second
	for end := time.Now().Add(hold); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if _, err := handshake(roots, e.HTTPSPort, docsHost); err == nil {
			t.Fatal("HTTPS served while the OCSP request hangs: certmagic no longer blocks on stapling; revisit `ocsp_stapling off` advice")
		}
	}
	h.dropConns() // the request fails; the certificate is cached and served
	waitServedCert(t, roots, e.HTTPSPort, 10*time.Second)
	stopCaddy()

	before := h.accepts.Load()
	startCaddy(t, caddyfileData{env: e, Global: "ocsp_stapling off", Sites: docsSite(docsHost)}.render(t))
	waitServedCert(t, roots, e.HTTPSPort, 10*time.Second)
	checkDocs(t, httpsClient(roots, true, true, nil), e.siteURL())
	if n := h.accepts.Load() - before; n != 0 {
		t.Fatalf("with ocsp_stapling off the responder was contacted %d times", n)
	}
}
