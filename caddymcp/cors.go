package caddymcp

import (
	"net/http"
	"slices"
	"strings"
)

// corsHeaders are the request headers browsers may send to the MCP
// endpoints and the response headers they may read.
var (
	corsAllowHeaders = []string{"Content-Type", "Accept", "Authorization", "Last-Event-ID",
		"Mcp-Session-Id", "MCP-Protocol-Version", "Mcp-Method", "Mcp-Name"}
	corsExposeHeaders = []string{"Mcp-Session-Id", "WWW-Authenticate"}
)

// corsPolicy answers CORS for the legacy HTTP+SSE endpoints, which are
// served here rather than by mcp-go (whose CORS code is internal). It
// mirrors the options given to mcp-go's streamable transport in
// corsOptions: same origins, headers and max age.
type corsPolicy struct {
	origins []string // normalized; "*" for any
}

// preflight answers a CORS preflight request and reports whether it did.
func (c corsPolicy) preflight(w http.ResponseWriter, r *http.Request) bool {
	if len(c.origins) == 0 || r.Method != http.MethodOptions || r.Header.Get("Access-Control-Request-Method") == "" {
		return false
	}
	c.apply(w, r)
	h := w.Header()
	h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
	h.Set("Access-Control-Allow-Headers", strings.Join(corsAllowHeaders, ", "))
	h.Set("Access-Control-Max-Age", "3600")
	w.WriteHeader(http.StatusNoContent)
	return true
}

// apply adds the CORS headers of a response to an allowed origin.
func (c corsPolicy) apply(w http.ResponseWriter, r *http.Request) {
	if len(c.origins) == 0 {
		return
	}
	h := w.Header()
	h.Add("Vary", "Origin")
	origin := r.Header.Get("Origin")
	switch {
	case slices.Contains(c.origins, "*"):
		h.Set("Access-Control-Allow-Origin", "*")
	case origin != "" && slices.Contains(c.origins, origin):
		h.Set("Access-Control-Allow-Origin", origin)
	default:
		return
	}
	h.Set("Access-Control-Expose-Headers", strings.Join(corsExposeHeaders, ", "))
}
