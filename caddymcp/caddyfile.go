package caddymcp

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/dustin/go-humanize"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/search"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

func init() {
	httpcaddyfile.RegisterDirective("mcp", parseDirective)
	// Before respond/file_server: MCP paths are answered by us and the rest
	// of the site keeps working, with no `route` block or `order` option.
	// Auth and encode directives sort earlier, so they wrap us.
	httpcaddyfile.RegisterDirectiveOrder("mcp", httpcaddyfile.Before, "respond")
}

// parseDirective is what httpcaddyfile.RegisterHandlerDirective does (an
// optional matcher, then the handler), plus one check: a path matcher that
// lets none of the MCP endpoints through (`mcp /docs/* {...}`, meant as a
// prefix) would serve nothing, silently, so it fails with the fix instead.
func parseDirective(h httpcaddyfile.Helper) ([]httpcaddyfile.ConfigValue, error) {
	if !h.Next() {
		return nil, h.ArgErr()
	}
	pathMatcher := ""
	if h.NextArg() {
		if strings.HasPrefix(h.Val(), "/") {
			pathMatcher = h.Val()
		}
		h.Prev()
	}
	matcherSet, err := h.ExtractMatcherSet()
	if err != nil {
		return nil, err
	}
	m, err := parseCaddyfile(h)
	if err != nil {
		return nil, err
	}
	if pathMatcher != "" {
		if err := m.checkPathMatcher(pathMatcher); err != nil {
			return nil, h.Errf("%v", err)
		}
	}
	return h.NewRoute(matcherSet, m), nil
}

func parseCaddyfile(h httpcaddyfile.Helper) (*Handler, error) {
	m := new(Handler)
	err := m.UnmarshalCaddyfile(h.Dispenser)
	return m, err
}

// checkPathMatcher fails when the path matcher in front of the handler
// matches none of its MCP endpoints.
func (h *Handler) checkPathMatcher(pattern string) error {
	var paths []string
	if !h.DisableStreamable {
		paths = append(paths, cmp.Or(h.Endpoint, DefaultEndpoint))
	}
	if !h.DisableSSE {
		paths = append(paths, cmp.Or(h.SSEEndpoint, DefaultSSEEndpoint), cmp.Or(h.MessageEndpoint, DefaultMessageEndpoint))
	}
	ctx := context.WithValue(context.Background(), caddy.ReplacerCtxKey, caddy.NewReplacer())
	for _, p := range paths {
		r := (&http.Request{URL: &url.URL{Path: p}}).WithContext(ctx)
		if ok, err := (caddyhttp.MatchPath{strings.ToLower(pattern)}).MatchWithError(r); ok || err != nil {
			return nil
		}
	}
	prefix := strings.TrimSuffix(strings.TrimSuffix(pattern, "*"), "/")
	return fmt.Errorf("the path matcher %q lets none of the MCP endpoints (%s) through, so nothing would be served; "+
		"the endpoint paths are not relative to the matcher: to serve MCP under %s/, write `handle_path %s/* { mcp { ... } }`",
		pattern, strings.Join(paths, ", "), prefix, prefix)
}

// UnmarshalCaddyfile sets up the handler from Caddyfile tokens. Syntax:
//
//	mcp [<matcher>] {
//		source <location> [<base_url>]
//		source [<location>] {
//			kind     index_json|markdown|site_root|llms_txt
//			location <location>
//			base_url <url>
//		}
//		name                 <name>
//		instructions         <text>
//		public_url           <url>
//		endpoint             <path>|off
//		sse                  <sse_path> [<message_path>] | off
//		allowed_origins      <origins...>
//		max_request_body     <size>
//		session_idle_timeout <duration>
//		max_sessions         <n>
//		max_sessions_per_client <n>
//		keepalive            <duration>|off
//		refresh              <duration>|off
//		watch                <duration>|off
//		reload               <duration>|off
//		fetch_timeout        <duration>
//		max_source_size      <size>
//		llms_txt             on|off
//		landing              on|off
//		log_queries          [on|off]
//		query_log            [on|off]
//	}
//
// `source` may be repeated; earlier sources win when page ids collide.
func (h *Handler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // directive name
	if d.NextArg() {
		return d.Errf("unexpected argument %q; options go in a block: mcp { source <location> }", d.Val())
	}
	seen := map[string]bool{}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		opt := d.Val()
		if opt != "source" && opt != "allowed_origins" {
			if seen[opt] {
				return d.Errf("%s: specified more than once", opt)
			}
			seen[opt] = true
		}
		switch opt {
		case "source":
			spec, err := parseSource(d)
			if err != nil {
				return err
			}
			h.Sources = append(h.Sources, spec)

		case "name", "instructions", "public_url":
			v, err := oneArg(d, opt)
			if err != nil {
				return err
			}
			switch opt {
			case "name":
				h.Name = v
			case "instructions":
				h.Instructions = v
			default:
				h.PublicURL = v
			}

		case "endpoint":
			v, err := oneArg(d, opt)
			if err != nil {
				return err
			}
			if v == "off" {
				h.DisableStreamable = true
			} else {
				h.Endpoint = v
			}

		case "sse":
			args := d.RemainingArgs()
			switch {
			case len(args) == 1 && args[0] == "off":
				h.DisableSSE = true
			case len(args) == 1 || len(args) == 2:
				h.SSEEndpoint = args[0]
				if len(args) == 2 {
					h.MessageEndpoint = args[1]
				}
			default:
				return d.Errf("sse: want `sse <sse_path> [<message_path>]` or `sse off`, got %d arguments", len(args))
			}

		case "allowed_origins":
			args := d.RemainingArgs()
			if len(args) == 0 {
				return d.Errf("allowed_origins: at least one origin is required")
			}
			for _, o := range args {
				if o != "*" {
					if _, err := normalizeOrigin(o); err != nil {
						return d.Errf("allowed_origins: %v", err)
					}
				}
			}
			h.AllowedOrigins = append(h.AllowedOrigins, args...)

		case "max_request_body", "max_source_size":
			v, err := oneArg(d, opt)
			if err != nil {
				return err
			}
			n, err := humanize.ParseBytes(v)
			if err != nil || n == 0 || n > 1<<40 {
				return d.Errf("%s: %q is not a valid size (e.g. 1MB, 512KiB)", opt, v)
			}
			if opt == "max_source_size" {
				h.MaxSourceSize = int64(n)
			} else {
				h.MaxRequestBody = int64(n)
			}

		case "index_cache":
			v, err := oneArg(d, opt)
			if err != nil {
				return err
			}
			h.IndexCache = v

		case "max_sessions", "max_sessions_per_client":
			v, err := oneArg(d, opt)
			if err != nil {
				return err
			}
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				return d.Errf("%s: %q is not a positive number", opt, v)
			}
			if opt == "max_sessions" {
				h.MaxSessions = n
			} else {
				h.MaxSessionsPerClient = n
			}

		case "llms_txt":
			v, err := oneArg(d, opt)
			if err != nil {
				return err
			}
			switch v {
			case "on":
			case "off":
				h.DisableLLMSTxt = true
			default:
				return d.Errf("llms_txt: want on or off, got %q", v)
			}

		case "session_idle_timeout", "keepalive", "refresh", "watch", "reload", "fetch_timeout":
			v, err := oneArg(d, opt)
			if err != nil {
				return err
			}
			var dur time.Duration
			if v == "off" && opt == "reload" {
				dur = 0 // the default: never
			} else if v == "off" && opt != "session_idle_timeout" && opt != "fetch_timeout" {
				dur = -1
			} else {
				dur, err = caddy.ParseDuration(v)
				if err != nil || dur <= 0 {
					return d.Errf("%s: %q is not a valid positive duration (e.g. 30m, 25s)", opt, v)
				}
			}
			switch opt {
			case "keepalive":
				h.KeepAlive = caddy.Duration(dur)
			case "refresh":
				h.Refresh = caddy.Duration(dur)
			case "watch":
				h.Watch = caddy.Duration(dur)
			case "reload":
				h.Reload = caddy.Duration(dur)
			case "fetch_timeout":
				h.FetchTimeout = caddy.Duration(dur)
			default:
				h.SessionIdleTimeout = caddy.Duration(dur)
			}

		case "landing", "log_queries", "query_log":
			if err := h.unmarshalObserve(d, opt); err != nil {
				return err
			}

		default:
			if near := closestOption(opt); near != "" {
				return d.Errf("unknown subdirective %q; did you mean %q?", opt, near)
			}
			return d.Errf("unknown subdirective %q (options: %s)", opt, strings.Join(options, ", "))
		}
	}
	if err := h.check(); err != nil {
		return d.Errf("%v", err)
	}
	return nil
}

// options are the subdirectives of the mcp block, for error messages.
var options = []string{"source", "name", "instructions", "public_url", "endpoint", "sse",
	"allowed_origins", "max_request_body", "session_idle_timeout", "max_sessions",
	"max_sessions_per_client", "keepalive", "refresh",
	"watch", "reload", "fetch_timeout", "max_source_size", "llms_txt", "landing", "log_queries", "query_log",
	"index_cache"}

// closestOption returns the option a mistyped name most likely meant (at
// most two edits away, or the option with an underscore for a dash or a
// missing one), or "" when none is close.
func closestOption(opt string) string {
	opt = strings.ToLower(strings.ReplaceAll(opt, "-", "_"))
	best, bestDist := "", 3
	for _, o := range options {
		if o == opt || strings.ReplaceAll(o, "_", "") == strings.ReplaceAll(opt, "_", "") {
			return o
		}
		if d := search.EditDistance(opt, o, bestDist); d < bestDist {
			best, bestDist = o, d
		}
	}
	return best
}

// oneArg reads exactly one argument for opt.
func oneArg(d *caddyfile.Dispenser, opt string) (string, error) {
	args := d.RemainingArgs()
	if len(args) != 1 {
		return "", d.Errf("%s: want exactly one value, got %d", opt, len(args))
	}
	return args[0], nil
}

// parseSource reads `source <location> [<base_url>]` with an optional
// block of kind/location/base_url/follow_redirects.
func parseSource(d *caddyfile.Dispenser) (source.Spec, error) {
	var spec source.Spec
	args := d.RemainingArgs()
	switch len(args) {
	case 2:
		spec.BaseURL = args[1]
		fallthrough
	case 1:
		spec.Location = args[0]
	case 0:
	default:
		return spec, d.Errf("source: want `source <location> [<base_url>]`, got %d arguments", len(args))
	}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		opt := d.Val()
		v, err := oneArg(d, "source "+opt)
		if err != nil {
			return spec, err
		}
		switch opt {
		case "kind":
			spec.Kind = source.Kind(strings.ToLower(v))
		case "location":
			spec.Location = v
		case "base_url":
			spec.BaseURL = v
		case "follow_redirects":
			spec.FollowRedirects = strings.ToLower(v)
		default:
			return spec, d.Errf("source: unknown option %q (want kind, location, base_url or follow_redirects)", opt)
		}
	}
	if spec.Location == "" {
		return spec, d.Errf("source: a location is required")
	}
	return spec, nil
}

// Interface guard
var _ caddyfile.Unmarshaler = (*Handler)(nil)
