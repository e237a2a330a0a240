// Package caddymcp is the Caddy glue for the MCP documentation server: the
// `http.handlers.mcp` module and the `mcp` Caddyfile directive. It serves a
// documentation index over MCP's streamable HTTP transport and the legacy
// HTTP+SSE transport, and passes every other request to the next handler.
//
// Minimal Caddyfile:
//
//	example.com {
//		mcp {
//			source ./public/index.json
//		}
//		file_server
//	}
package caddymcp
