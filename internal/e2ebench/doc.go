// Package e2ebench measures the MCP docs server end to end: a real Caddy
// process (built from ./cmd/caddy) serving the `mcp` handler over HTTPS with
// `tls internal`, driven over loopback by raw net/http JSON-RPC clients.
//
// It measures, in one run with one client:
//   - requests/second of `tools/call search` (protocol 2026-07-28 stateless
//     POSTs and 2025-06-18 POSTs within an initialized session) over HTTP/1.1
//     and HTTP/2, against Caddy's own `respond` handler serving a static body
//     of the same size on the same server, phases interleaved A/B/C/A/B/C;
//   - memory per open legacy SSE session and per streamable GET stream (Go
//     heap and stacks via Caddy's admin /debug/pprof, and process RSS);
//   - search latency (p50/p99) through the full stack at concurrency 1.
//
// Caddy runs as a separate process so its CPU use and the client's are
// reported separately. [Run] is the entry point; Report.Markdown renders the
// result for BENCHMARKS.md.
package e2ebench
