package caddymcp

// Every Caddy built with this module also gets `caddy mcp search` and
// `caddy mcp index` (package mcpcmd registers them with Caddy's CLI).
import _ "github.com/caddy-mcp/caddy-mcp/caddymcp/mcpcmd"
