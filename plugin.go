// Package plugin plugs the MCP documentation server into Caddy. It exists so
// that the module root can be named in xcaddy builds:
//
//	xcaddy build --with github.com/caddy-mcp/caddy-mcp
//
// The Caddy module itself (http.handlers.mcp, Caddyfile directive `mcp`)
// lives in package caddymcp.
package plugin

import (
	// Registers the http.handlers.mcp module and the mcp directive.
	_ "github.com/caddy-mcp/caddy-mcp/caddymcp"
)
