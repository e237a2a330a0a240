package caddymcp

import (
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/mcptools"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// sourceInfo is the public freshness of each source, for MCP clients (the
// instructions and docs://status). Everything here goes to every client, so
// locations lose credentials and errors are cut to their final reason.
func (h *Handler) sourceInfo() []mcptools.SourceInfo {
	if h.corpus == nil {
		return nil
	}
	st := h.corpus.Status()
	out := make([]mcptools.SourceInfo, len(st.Sources))
	for i, s := range st.Sources {
		kind := s.Kind
		if i < len(h.kinds) {
			kind = h.kinds[i]
		}
		out[i] = mcptools.SourceInfo{
			Location:    publicLocation(s.Location),
			Kind:        kind,
			Pages:       s.Pages,
			LastSuccess: s.LastSuccess,
			LastError:   shortError(s.LastError),
		}
	}
	return out
}

// sourceKinds resolves each source's kind the way the loaders do, so the
// status names what the source is read as even when the kind was inferred.
func sourceKinds(specs []source.Spec) []string {
	kinds := make([]string, len(specs))
	for i, s := range specs {
		switch {
		case s.Kind != "":
			kinds[i] = string(s.Kind)
		case !source.IsRemote(s.Location) && isDir(s.Location):
			kinds[i] = string(source.KindSiteRoot)
		default:
			name := s.Location
			if j := strings.IndexAny(name, "?#"); j >= 0 {
				name = name[:j]
			}
			base := strings.ToLower(path.Base(filepath.ToSlash(name)))
			if strings.HasPrefix(base, "llms") && strings.HasSuffix(base, ".txt") {
				kinds[i] = string(source.KindLLMSTxt)
			} else {
				kinds[i] = string(source.KindIndexJSON)
			}
		}
	}
	return kinds
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// publicLocation is a source location fit for clients: a URL without user
// info, query or fragment (where access tokens live), a local path as
// configured.
func publicLocation(loc string) string {
	if !source.IsRemote(loc) {
		return loc
	}
	u, err := url.Parse(loc)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	return u.String()
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
