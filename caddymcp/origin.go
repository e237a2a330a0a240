package caddymcp

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
)

// originPolicy decides whether a request's Origin header is acceptable.
//
// The MCP specification requires servers to validate Origin to stop DNS
// rebinding and cross-site requests from browsers: a request whose Origin is
// present and not allowed must get 403. Requests without an Origin (every
// non-browser client) are allowed, and so are same-host requests over TLS or
// on a loopback name (see allow).
type originPolicy struct {
	any     bool
	allowed map[string]bool // normalized "scheme://host[:port]"
}

// newOriginPolicy parses the configured origins. "*" allows every origin.
func newOriginPolicy(origins []string) (originPolicy, error) {
	p := originPolicy{allowed: make(map[string]bool)}
	for _, o := range origins {
		if o == "*" {
			p.any = true
			continue
		}
		n, err := normalizeOrigin(o)
		if err != nil {
			return p, err
		}
		p.allowed[n] = true
	}
	return p, nil
}

// normalizeOrigin validates an origin (scheme://host[:port], no path, query
// or credentials) and returns its canonical form: lower case, default port
// removed, as browsers send it.
func normalizeOrigin(o string) (string, error) {
	u, err := url.Parse(o)
	if err != nil {
		return "", fmt.Errorf("%q is not a valid origin: %v", o, err)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", fmt.Errorf("%q is not a valid origin: scheme must be http or https", o)
	}
	if u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%q is not a valid origin: want scheme://host[:port]", o)
	}
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		port = ""
	}
	if port != "" {
		host = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return scheme + "://" + host, nil
}

// refused answers 403 (with a JSON-RPC error) and returns true when the
// Origin/Host policy refuses r. Every path the handler serves goes through
// it: MCP endpoints and llms.txt alike.
func (h *Handler) refused(w http.ResponseWriter, r *http.Request) bool {
	if h.origins.allow(r) {
		return false
	}
	h.reject(r, RejectOrigin)
	msg := "origin not allowed: " + quote(r.Header.Get("Origin"))
	if r.Header.Get("Origin") == "" {
		msg = "host not allowed for a page's request on a loopback address: " + quote(r.Host) +
			"; list the site's origin in allowed_origins"
	}
	writeJSONRPCError(w, http.StatusForbidden, mcp.INVALID_REQUEST, msg)
	return true
}

// allow reports whether r may be served.
func (p originPolicy) allow(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if p.any {
		return true
	}
	if origin == "" {
		return !p.rebound(r)
	}
	n, err := normalizeOrigin(origin)
	if err != nil {
		return false // "null" and garbage
	}
	if p.allowed[n] {
		return true
	}
	// Same host: the page was served by this site. That is only
	// trustworthy where a DNS-rebinding page cannot pose as this site: over
	// TLS (the browser checked our certificate for that host) or on a
	// loopback name. On plain HTTP under any other name, a rebound page
	// sends exactly "Origin: http://evil.example" with "Host: evil.example",
	// so such origins must be listed in allowed_origins.
	u, _ := url.Parse(n)
	if r.TLS == nil && !isLoopbackHost(u.Hostname()) {
		return false
	}
	return sameHost(u, r.Host)
}

// isLoopbackHost reports whether host is "localhost" (or a subdomain of it,
// which resolvers must map to loopback) or a loopback IP literal.
func isLoopbackHost(host string) bool {
	host = strings.ToLower(strings.Trim(host, "[]"))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// sameHost compares an origin's host and port with a Host header value,
// treating the scheme's default port as equal to no port.
func sameHost(origin *url.URL, reqHost string) bool {
	oh, op := origin.Hostname(), origin.Port()
	if op == "" {
		op = map[string]string{"http": "80", "https": "443"}[origin.Scheme]
	}
	rh, rp, err := net.SplitHostPort(reqHost)
	if err != nil {
		rh, rp = reqHost, ""
	}
	rh = strings.Trim(rh, "[]")
	if !strings.EqualFold(oh, rh) {
		return false
	}
	if rp == "" {
		return op == "80" || op == "443"
	}
	return rp == op
}

// rebound reports a request that a DNS-rebinding page made to a site on a
// loopback address. Browsers send no Origin on a same-origin GET, so a page
// at http://evil.example:8080, its name rebound to 127.0.0.1, reads
// /llms-full.txt (or opens /sse) of a `:8080` site that accepts any Host.
// Such a request says "Sec-Fetch-Site: same-origin" (or same-site; pages
// cannot forge Sec- headers) and carries the attacker's name as Host.
//
// Refused: page-initiated requests, without TLS, on a loopback connection,
// whose Host is neither a loopback name nor the host of an allowed origin.
// Not refused: non-browser clients (no Sec-Fetch-Site: every MCP client,
// tunnels and proxies forwarding them), navigations a person starts
// ("none"), cross-site requests (whose answers the page cannot read), TLS
// (the browser checked our certificate for that name). Browsers without
// Sec-Fetch headers (Safari before 16.4) are not covered.
func (p originPolicy) rebound(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); r.TLS != nil || (site != "same-origin" && site != "same-site") {
		return false
	}
	local, _ := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	tcp, ok := local.(*net.TCPAddr)
	if !ok || !tcp.IP.IsLoopback() {
		return false
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if isLoopbackHost(host) {
		return false
	}
	for o := range p.allowed {
		if u, err := url.Parse(o); err == nil && strings.EqualFold(u.Hostname(), strings.Trim(host, "[]")) {
			return false
		}
	}
	return true
}
