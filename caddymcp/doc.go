// Package caddymcp is the Caddy glue for the MCP documentation server: the
// `http.handlers.mcp` module and the `mcp` Caddyfile directive. It serves a
// documentation index over MCP's streamable HTTP transport and the legacy
// HTTP+SSE transport, and passes every other request to the next handler.
//
// Minimal Caddyfile:
//
//	docs.example.com {
//		mcp {
//			source ./public/index.json
//		}
//		file_server
//	}
//
// The handler also serves /llms.txt and /llms-full.txt rendered from the
// index (`llms_txt off` leaves them to the next handler), keeps the index
// fresh (`refresh` for URL sources, `watch` and `reload` for local ones),
// tells MCP clients how fresh it is (the instructions and the docs://status
// resource), and adds GET /mcp/sources and POST /mcp/reindex to Caddy's
// admin API (module admin.api.mcp).
//
// Things the handler takes care of so that mcp-go works inside Caddy:
// flushing through Caddy's wrapped response writers (and `encode`),
// no hop-by-hop headers (HTTP/2, HTTP/3), the MCP Origin check (mcp-go's
// loopback Host check is off, since it rejects proxied requests), a request
// body limit, idle session expiry for both transports, and ending open
// streams when Caddy stops or reloads, so neither waits for them.
//
// Deployment notes: a server-level `write` timeout (Caddyfile `servers {
// timeouts { write ... } }`) cuts event streams after that time; leave it
// unset or long. mcp-go validates no tokens: put Caddy's basic_auth,
// forward_auth, etc. in front of `mcp` (they sort before it) to require
// authentication. Sessions live in memory: legacy SSE sessions end on a
// config reload, streamable HTTP sessions survive it.
package caddymcp
