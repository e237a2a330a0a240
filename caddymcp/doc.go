// Package caddymcp is the Caddy glue for the MCP documentation server.
package caddymcp

import (
	_ "github.com/caddyserver/caddy/v2"
	_ "github.com/mark3labs/mcp-go/server"
)
