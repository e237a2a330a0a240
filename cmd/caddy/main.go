// Command caddy is Caddy with the standard modules and caddy-mcp plugged in.
package main

import (
	caddycmd "github.com/caddyserver/caddy/v2/cmd"

	// Caddy's standard modules.
	_ "github.com/caddyserver/caddy/v2/modules/standard"

	// The MCP documentation server.
	_ "github.com/caddy-mcp/caddy-mcp/caddymcp"
)

func main() {
	caddycmd.Main()
}
