package caddymcp

import (
	"net/http"
	"strings"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

// strippedPrefix returns the path prefix that Caddy removed from the
// request before it reached this handler (e.g. "/docs" under
// `handle_path /docs/*` or `uri strip_prefix /docs`), or "/" when none was.
//
// The legacy SSE transport tells the client where to POST its messages in
// the stream's `endpoint` event. That path must be the one the client sees,
// so under a stripped prefix it has to be put back: otherwise the client
// posts to /message, outside the prefix, and never reaches this handler.
// The prefix is only trusted when the original path ends with the current
// one; any other rewrite leaves the endpoint at the site root.
func strippedPrefix(r *http.Request) string {
	orig, ok := r.Context().Value(caddyhttp.OriginalRequestCtxKey).(http.Request)
	if !ok || orig.URL == nil {
		return "/"
	}
	full, rest := orig.URL.EscapedPath(), r.URL.EscapedPath()
	if len(full) <= len(rest) || !strings.HasSuffix(full, rest) {
		return "/"
	}
	prefix := strings.TrimSuffix(full[:len(full)-len(rest)], "/")
	if prefix == "" || !strings.HasPrefix(prefix, "/") {
		return "/"
	}
	return prefix
}
