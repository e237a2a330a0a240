package caddymcp

import (
	"path/filepath"

	"github.com/caddyserver/caddy/v2"
)

// indexCacheDir resolves the IndexCache option for corpus.Options: "" (no
// cache) for "off", else the configured folder or the default one in
// Caddy's data directory, next to its certificates.
func (h *Handler) indexCacheDir() string {
	switch h.IndexCache {
	case "off":
		return ""
	case "":
		return filepath.Join(caddy.AppDataDir(), "mcp", "index")
	}
	return h.IndexCache
}
