package caddymcp

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// minRequestBody is the smallest max_request_body accepted: below it even
// an initialize request would be refused.
const minRequestBody = 1 << 10

// knownKinds are the source kinds a configuration may name.
var knownKinds = source.ConfigKinds

// check validates the configuration without touching the file system or
// network, so both `caddy adapt` (through the Caddyfile) and a JSON config
// load fail early, with a message naming the option and the reason.
func (h *Handler) check() error {
	if len(h.Sources) == 0 {
		return errors.New("source: at least one source is required")
	}
	for _, s := range h.Sources {
		if strings.TrimSpace(s.Location) == "" {
			return fmt.Errorf("source %s: location is required", s)
		}
		if i := strings.Index(s.Location, "://"); i > 0 && !source.IsRemote(s.Location) {
			return fmt.Errorf("source %s: unsupported URL scheme %q (want http://, https:// or a local path)", s, s.Location[:i])
		}
		if s.Kind != "" && !kindKnown(s.Kind) {
			return fmt.Errorf("source %s: unknown kind %q (want one of %s)", s, s.Kind, kindList())
		}
		switch s.FollowRedirects {
		case "", source.RedirectsSameOrigin, source.RedirectsAny, source.RedirectsOff:
		default:
			return fmt.Errorf("source %s: follow_redirects: unknown policy %q (want %s, %s or %s)", s, s.FollowRedirects,
				source.RedirectsSameOrigin, source.RedirectsAny, source.RedirectsOff)
		}
		if s.BaseURL != "" {
			if err := checkHTTPURL(s.BaseURL); err != nil {
				return fmt.Errorf("source %s: base_url: %v", s, err)
			}
		}
	}
	if h.PublicURL != "" {
		if err := checkHTTPURL(h.PublicURL); err != nil {
			return fmt.Errorf("public_url: %v", err)
		}
	}
	if h.DisableStreamable && h.DisableSSE {
		return errors.New("endpoint, sse: both transports are off; nothing to serve")
	}

	// Every enabled path must be a distinct absolute path.
	paths := map[string]string{} // path -> option
	add := func(opt, p, def string) error {
		if p == "" {
			p = def
		}
		if !strings.HasPrefix(p, "/") {
			return fmt.Errorf("%s: path %q must start with '/'", opt, p)
		}
		if strings.ContainsAny(p, "?#*") {
			return fmt.Errorf("%s: path %q must be a plain path (no query, fragment or wildcard)", opt, p)
		}
		if other, dup := paths[p]; dup {
			return fmt.Errorf("%s: path %q is already used by %s", opt, p, other)
		}
		paths[p] = opt
		return nil
	}
	if !h.DisableStreamable {
		if err := add("endpoint", h.Endpoint, DefaultEndpoint); err != nil {
			return err
		}
	}
	if !h.DisableSSE {
		if err := add("sse", h.SSEEndpoint, DefaultSSEEndpoint); err != nil {
			return err
		}
		if err := add("sse message", h.MessageEndpoint, DefaultMessageEndpoint); err != nil {
			return err
		}
	}

	if !h.DisableLLMSTxt {
		// Registered last, so the message names the MCP option to change
		// (or says how to free the path).
		for _, p := range []string{LLMSTxtPath, LLMSFullTxtPath} {
			if other, dup := paths[p]; dup {
				return fmt.Errorf("%s: path %q is also served as llms.txt; pick another path or set `llms_txt off`", other, p)
			}
		}
	}

	if h.MaxRequestBody < 0 {
		return fmt.Errorf("max_request_body: must not be negative (got %d)", h.MaxRequestBody)
	}
	if h.MaxRequestBody > 0 && h.MaxRequestBody < minRequestBody {
		// A bare number is bytes: `max_request_body 10` would answer 413
		// to every request, even initialize.
		return fmt.Errorf("max_request_body: %d bytes is too small for MCP messages (minimum 1KiB; a number without a unit is bytes, e.g. write 10MB)", h.MaxRequestBody)
	}
	if h.FetchTimeout < 0 {
		return fmt.Errorf("fetch_timeout: must not be negative (got %s)", time.Duration(h.FetchTimeout))
	}
	if h.MaxSourceSize < 0 {
		return fmt.Errorf("max_source_size: must not be negative (got %d)", h.MaxSourceSize)
	}
	if h.MaxSessions < 0 || h.MaxSessionsPerClient < 0 {
		return fmt.Errorf("max_sessions, max_sessions_per_client: must not be negative (got %d, %d)", h.MaxSessions, h.MaxSessionsPerClient)
	}
	if h.SessionIdleTimeout < 0 {
		return fmt.Errorf("session_idle_timeout: must not be negative (got %s)", time.Duration(h.SessionIdleTimeout))
	}
	if _, err := newOriginPolicy(h.AllowedOrigins); err != nil {
		return fmt.Errorf("allowed_origins: %v", err)
	}
	return nil
}

// relativeLinks reports whether a source's pages would get site-relative
// links ("/install/") because it builds URLs from file paths and has no
// base_url: a Markdown tree, or a site root without an index.json. Models
// cannot cite such links, so Provision warns about them.
func relativeLinks(s source.Spec, kind string) bool {
	if s.BaseURL != "" || source.IsRemote(s.Location) {
		return false
	}
	switch source.Kind(kind) {
	case source.KindMarkdown:
		return true
	case source.KindSiteRoot:
		fi, err := os.Stat(filepath.Join(s.Location, "index.json"))
		return err != nil || !fi.Mode().IsRegular()
	}
	return false
}

func kindKnown(k source.Kind) bool {
	for _, kk := range knownKinds {
		if k == kk {
			return true
		}
	}
	return false
}

func kindList() string {
	s := make([]string, len(knownKinds))
	for i, k := range knownKinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// checkHTTPURL accepts absolute http(s) URLs.
func checkHTTPURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("%q is not a valid URL: %v", s, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q must be an absolute http:// or https:// URL", s)
	}
	return nil
}
