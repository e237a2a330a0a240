package caddymcp

import (
	"regexp"
	"strings"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/loader"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/mcptools"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// sourceInfo is the public freshness of each source, for MCP clients (the
// instructions and docs://status). The corpus already names sources
// publicly (kind and base name, URLs without credentials or query) and
// reports remote errors by status code; errors are cut to their final
// reason on top.
func (h *Handler) sourceInfo() []mcptools.SourceInfo {
	if h.corpus == nil {
		return nil
	}
	st := h.corpus.Status()
	out := make([]mcptools.SourceInfo, len(st.Sources))
	for i, s := range st.Sources {
		out[i] = mcptools.SourceInfo{
			Location:    s.Location,
			Kind:        s.Kind,
			Pages:       s.Pages,
			LastSuccess: s.LastSuccess,
			LastError:   shortError(s.LastError),
		}
	}
	return out
}

// sourceKinds is the kind each source is read as (loader.KindOf, the one
// place that decides it), for the relative-links warning of Provision.
func sourceKinds(specs []source.Spec) []string {
	kinds := make([]string, len(specs))
	for i, s := range specs {
		k, err := loader.KindOf(s)
		if err != nil {
			k = s.Kind
		}
		kinds[i] = string(k)
	}
	return kinds
}

// absPath matches absolute file paths and URLs inside error text.
var absPath = regexp.MustCompile(`(?:[a-zA-Z][a-zA-Z0-9+.-]*://|/)[^\s"']+`)

// shortError keeps the final reason of a load error ("HTTP 503 Service
// Unavailable", "permission denied", "no pages"): the wrapping names the
// source, which the client already has, and may name absolute paths or
// full URLs; what remains of those is masked too.
func shortError(msg string) string {
	if msg == "" {
		return ""
	}
	if i := strings.LastIndex(msg, ": "); i >= 0 && i+2 < len(msg) {
		msg = msg[i+2:]
	}
	msg = absPath.ReplaceAllString(msg, "…")
	if r := []rune(msg); len(r) > 120 {
		msg = string(r[:120]) + "…"
	}
	return msg
}

// llmsSummary is the blockquote of llms.txt: the configured instructions,
// or a line saying where the documentation can be searched.
func (h *Handler) llmsSummary() string {
	if s := strings.TrimSpace(h.Instructions); s != "" {
		return s
	}
	where := "this site's MCP server"
	switch {
	case h.PublicURL != "":
		where = "the MCP server at " + h.PublicURL
	case !h.DisableStreamable:
		where = "the MCP server at " + h.Endpoint + " on this site"
	}
	return "Documentation index of this site, also searchable over " + where + "."
}
