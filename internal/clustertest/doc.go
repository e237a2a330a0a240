// Package clustertest runs caddy-mcp the way a busy deployment does: one
// Caddy at the edge terminating TLS and balancing (round_robin, active
// health checks, retries) over three backend `caddy run` processes that
// share one storage. Its tests drive mcp-go's client and the official
// TypeScript SDK through the edge over both transports, kill a backend
// mid-session, and restart every backend in turn under a steady client.
//
// The package has no non-test code; everything lives in _test.go files.
// The shared-storage TLS cluster (N instances, one certificate, against
// Pebble) is in internal/acmetest (TestClusterSharedStorage).
package clustertest
