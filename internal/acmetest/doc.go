// Package acmetest holds end-to-end tests of Caddy's automatic HTTPS for the
// MCP docs server against a real ACME CA (Pebble, run in-process by package
// internal/pebble): issuance over HTTP-01 and TLS-ALPN-01, reuse of stored
// certificates on restart, renewal under a live MCP stream, a CA that is down
// at start, bad-nonce retries, two and three instances sharing storage (one order,
// distributed challenge solving, renewal picked up cluster-wide), plain HTTP
// without a domain, and OCSP stapling against an unreachable responder.
//
// The package has no non-test code; everything lives in _test.go files.
package acmetest
