package loader

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// A remote source stays where it was pointed: redirects stay within the
// configured origin unless the source allows more, never go from https to
// http, and never reach a loopback, private or link-local address unless
// the configured URL's host is one. The address rule is enforced on the
// redirect URL (for IP literals) and again at dial time on the address
// actually dialed, so a public name that resolves to 10.0.0.1 is refused
// too.

// maxRedirects is the longest redirect chain followed.
const maxRedirects = 10

// errInternalAddress is wrapped by the error of a connection refused by
// the address rule.
var errInternalAddress = errors.New("refusing to connect to a loopback, private or link-local address")

// isInternal reports whether an address is not on the public internet.
func isInternal(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsUnspecified() || a.IsMulticast() || a.IsInterfaceLocalMulticast() ||
		// 100.64.0.0/10: carrier-grade NAT, often a cloud's internal range.
		a.Is4() && a.As4()[0] == 100 && a.As4()[1]&0xC0 == 64
}

// newClient builds the client of one remote source. The configured host
// (and the proxy, when one is configured) may be dialed whatever its
// address: the operator chose it. Any other host must be public.
func newClient(u *url.URL, policy string, opts Options) (*http.Client, error) {
	switch policy {
	case "", source.RedirectsSameOrigin, source.RedirectsAny, source.RedirectsOff:
	default:
		return nil, fmt.Errorf("follow_redirects: unknown policy %q (want %s, %s or %s)",
			policy, source.RedirectsSameOrigin, source.RedirectsAny, source.RedirectsOff)
	}
	g := &guard{configured: canonicalHostPort(u), internal: opts.internal}
	if a, err := netip.ParseAddr(strings.Trim(u.Hostname(), "[]")); err == nil && g.internal(a) || isLocalhost(u.Hostname()) {
		// The configured URL is itself internal: so may its redirects be.
		g.internal = func(netip.Addr) bool { return false }
	}
	c := &http.Client{CheckRedirect: g.checkRedirect(u, policy)}
	if opts.HTTPClient != nil {
		// A caller's client keeps its transport (tests, custom proxies).
		c.Transport, c.Jar, c.Timeout = opts.HTTPClient.Transport, opts.HTTPClient.Jar, opts.HTTPClient.Timeout
		return c, nil
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if p, err := tr.Proxy(&http.Request{URL: u}); err == nil && p != nil {
		g.proxy = canonicalHostPort(p)
	}
	d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	tr.DialContext = g.dialContext(d)
	c.Transport = tr
	return c, nil
}

// guard applies the address and redirect rules of one source.
type guard struct {
	configured string // host:port of the configured URL
	proxy      string // host:port of its proxy, "" when none
	internal   func(netip.Addr) bool
}

// dialContext refuses internal addresses for hosts other than the
// configured one and its proxy; the check runs on the resolved address
// right before connecting.
func (g *guard) dialContext(d *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if strings.EqualFold(addr, g.configured) || g.proxy != "" && strings.EqualFold(addr, g.proxy) {
			return d.DialContext(ctx, network, addr)
		}
		dd := *d
		dd.Control = func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil || g.internal(ap.Addr()) {
				return fmt.Errorf("%w (%s)", errInternalAddress, addr)
			}
			return nil
		}
		return dd.DialContext(ctx, network, addr)
	}
}

// checkRedirect enforces the source's redirect policy; the error text
// names the rule (and how to relax it), not the target URL.
func (g *guard) checkRedirect(orig *url.URL, policy string) func(req *http.Request, via []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		prev := via[len(via)-1].URL
		switch {
		case policy == source.RedirectsOff:
			return errors.New("redirect refused (follow_redirects off)")
		case len(via) >= maxRedirects:
			return fmt.Errorf("stopped after %d redirects", maxRedirects)
		case prev.Scheme == "https" && req.URL.Scheme != "https":
			return errors.New("redirect from https to http refused")
		case policy != source.RedirectsAny && !sameOrigin(orig, req.URL):
			return errors.New("redirect to another origin refused (set follow_redirects any to allow it)")
		}
		if canonicalHostPort(req.URL) == g.configured {
			return nil
		}
		if a, err := netip.ParseAddr(strings.Trim(req.URL.Hostname(), "[]")); err == nil && g.internal(a) {
			return fmt.Errorf("redirect refused: %w", errInternalAddress)
		}
		// Names are checked at dial time, on the address they resolve to.
		return nil
	}
}

// sameOrigin reports whether b is a's origin, or its https upgrade.
func sameOrigin(a, b *url.URL) bool {
	if !strings.EqualFold(a.Hostname(), b.Hostname()) {
		return false
	}
	if a.Scheme == b.Scheme {
		return portOf(a) == portOf(b)
	}
	return a.Scheme == "http" && b.Scheme == "https" && portOf(b) == "443"
}

func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "https" {
		return "443"
	}
	return "80"
}

// canonicalHostPort is host:port as the transport dials it.
func canonicalHostPort(u *url.URL) string {
	return strings.ToLower(net.JoinHostPort(u.Hostname(), portOf(u)))
}

// isLocalhost reports whether a host name is loopback by name (RFC 6761).
func isLocalhost(host string) bool {
	h := strings.ToLower(host)
	return h == "localhost" || strings.HasSuffix(h, ".localhost")
}
