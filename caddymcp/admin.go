package caddymcp

// Every Caddy built with this module also gets the admin.api.mcp module
// (GET /mcp/sources, POST /mcp/reindex on the admin endpoint): Caddy loads
// all registered admin.api.* modules, so registering it is enough.
import _ "github.com/caddy-mcp/caddy-mcp/caddymcp/adminapi"
