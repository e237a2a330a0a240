package acmetest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"
)

// loopbackDial dials 127.0.0.1 on the port of the requested address, so
// https://docs.example.com:<port>/ reaches our Caddy without real DNS.
func loopbackDial(ctx context.Context, network, addr string) (net.Conn, error) {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	return d.DialContext(ctx, network, net.JoinHostPort("127.0.0.1", port))
}

// tlsConfig trusts only roots (Pebble's issuing root) and pins ServerName
// verification to the URL host, as a real client would.
func tlsConfig(roots *x509.CertPool) *tls.Config {
	return &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
}

// connLog records the leaf certificate of every TLS connection a client
// made, in dial order.
type connLog struct {
	mu     sync.Mutex
	leaves []*x509.Certificate
}

func (l *connLog) add(c *x509.Certificate) {
	l.mu.Lock()
	l.leaves = append(l.leaves, c)
	l.mu.Unlock()
}

func (l *connLog) all() []*x509.Certificate {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]*x509.Certificate(nil), l.leaves...)
}

// httpsClient returns a client that trusts only roots, dials 127.0.0.1, and
// records each connection's served certificate in log (if non-nil). No
// Client.Timeout: it would kill MCP streams.
func httpsClient(roots *x509.CertPool, h2, keepAlive bool, log *connLog) *http.Client {
	tr := &http.Transport{
		DialContext:       loopbackDial,
		TLSClientConfig:   tlsConfig(roots),
		ForceAttemptHTTP2: h2,
		DisableKeepAlives: !keepAlive,
	}
	if log != nil {
		tr.DialTLSContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			raw, err := loopbackDial(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			host, _, _ := net.SplitHostPort(addr)
			cfg := tlsConfig(roots)
			cfg.ServerName = host
			if h2 {
				cfg.NextProtos = []string{"h2", "http/1.1"}
			}
			c := tls.Client(raw, cfg)
			if err := c.HandshakeContext(ctx); err != nil {
				raw.Close()
				return nil, err
			}
			log.add(c.ConnectionState().PeerCertificates[0])
			return c, nil
		}
	}
	return &http.Client{Transport: tr}
}

// handshake makes one TLS connection to 127.0.0.1:port for serverName,
// verifying against roots, and returns the served leaf.
func handshake(roots *x509.CertPool, port int, serverName string) (*x509.Certificate, error) {
	cfg := tlsConfig(roots)
	cfg.ServerName = serverName
	d := &net.Dialer{Timeout: 3 * time.Second}
	c, err := tls.DialWithDialer(d, "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), cfg)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.ConnectionState().PeerCertificates[0], nil
}

// waitServedCert polls TLS handshakes until one verifies, and returns the
// served leaf and when it was first seen.
func waitServedCert(t *testing.T, roots *x509.CertPool, port int, timeout time.Duration) (*x509.Certificate, time.Time) {
	t.Helper()
	var leaf *x509.Certificate
	eventually(t, timeout, "a verified TLS handshake", func() (err error) {
		leaf, err = handshake(roots, port, docsHost)
		return err
	})
	return leaf, time.Now()
}

// siteURL is the HTTPS base URL of the docs site on this env.
func (e *env) siteURL() string { return fmt.Sprintf("https://%s:%d", docsHost, e.HTTPSPort) }

// sameCert reports whether two leaves are the same certificate.
func sameCert(a, b *x509.Certificate) bool { return a != nil && b != nil && a.Equal(b) }

// errNoCert is the "not yet" result of polling conditions.
var errNoCert = errors.New("not yet")
