package caddymcp

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/mcptools"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/querylog"
)

// Observability are the handler's settings for operators: what goes into
// access logs, metrics and the query log, and the page browsers get. It is
// embedded in Handler (its fields are top-level config fields).
type Observability struct {
	// LogQueries adds the search text of tool calls to the access log
	// (field mcp.query, clipped to 200 bytes). Off by default: queries
	// are what users typed, and may be personal.
	LogQueries bool `json:"log_queries,omitempty"`

	// QueryLog keeps, in memory, the recent searches that found zero or
	// few results (at most 1000 distinct queries, each clipped to 200
	// bytes), listed most frequent first by the admin API at
	// GET /mcp/queries: the pages models look for and do not find. Off by
	// default; the count of empty searches is always in the metrics.
	QueryLog bool `json:"query_log,omitempty"`

	// DisableLanding stops answering browsers (GET with Accept: text/html)
	// at the endpoint with a page describing the server, its index and how
	// to connect clients.
	DisableLanding bool `json:"disable_landing,omitempty"`

	// off turns metrics, log fields and the query log off: the baseline
	// of the benchmark that measures their cost. Never set in production.
	off bool

	serverName     string // metrics label and query-log key
	metrics        *metrics
	queries        *querylog.Log
	releaseQueries func()
}

// provisionObserve registers the metrics and opens the query log. It runs
// after the corpus is acquired, as the metrics report its index.
func (h *Handler) provisionObserve(ctx caddy.Context) error {
	h.serverName = cmp.Or(h.Name, mcptools.DefaultName)
	if h.off {
		return nil
	}
	m, err := registerMetrics(ctx, h)
	if err != nil {
		return fmt.Errorf("metrics: %v", err)
	}
	h.metrics = m
	if h.QueryLog {
		h.queries, h.releaseQueries = querylog.Acquire(h.serverName)
	}
	return nil
}

// cleanupObserve stops reporting this handler's index and releases its
// query log. Idempotent.
func (h *Handler) cleanupObserve() {
	if h.metrics != nil {
		h.metrics.unregister(h)
	}
	if h.releaseQueries != nil {
		h.releaseQueries()
	}
}

// serverOptions are the mcp-go options that feed the metrics, the access
// log and the query log: session hooks and a tool middleware.
func (h *Handler) serverOptions() []server.ServerOption {
	if h.off {
		return nil
	}
	hooks := new(server.Hooks)
	hooks.AddOnRegisterSession(func(_ context.Context, s server.ClientSession) {
		if h.metrics != nil {
			t := transportOf(s)
			h.metrics.sessionsOpen.WithLabelValues(h.serverName, t).Inc()
			h.metrics.sessionsTotal.WithLabelValues(h.serverName, t).Inc()
		}
	})
	hooks.AddOnUnregisterSession(func(_ context.Context, s server.ClientSession) {
		if h.metrics != nil {
			h.metrics.sessionsOpen.WithLabelValues(h.serverName, transportOf(s)).Dec()
		}
	})
	return []server.ServerOption{server.WithHooks(hooks), server.WithToolHandlerMiddleware(h.observeTool)}
}

// transportOf names a session's transport: the legacy HTTP+SSE sessions
// are ours (legacy.go), the others mcp-go's streamable ones.
func transportOf(s server.ClientSession) string {
	if _, ok := s.(*legacySession); ok {
		return "sse"
	}
	return "streamable"
}

// observeTool measures every tool call: outcome and duration (metrics),
// results of searches (metrics, access log, query log).
func (h *Handler) observeTool(next server.ToolHandlerFunc) server.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (res *mcp.CallToolResult, err error) {
		tool := req.Params.Name
		start := time.Now()
		defer func() {
			if p := recover(); p != nil {
				h.observeCall(tool, outcomeError, time.Since(start))
				panic(p) // for mcp-go's recovery, which answers the client
			}
		}()
		res, err = next(ctx, req)
		outcome := outcomeOK
		switch {
		case err != nil:
			outcome = outcomeError
		case res != nil && res.IsError:
			outcome = outcomeToolError
		}
		h.observeCall(tool, outcome, time.Since(start))
		n, counted := -1, false
		if outcome == outcomeOK {
			n, counted = resultCount(tool, res)
		}
		if counted {
			if n == 0 && h.metrics != nil {
				h.metrics.zeroResults.WithLabelValues(h.serverName, tool).Inc()
			}
			if h.queries != nil {
				if args, ok := req.Params.Arguments.(map[string]any); ok && args["cursor"] == nil {
					if q, ok := args["query"].(string); ok {
						h.queries.Record(tool, q, n)
					}
				}
			}
		}
		if note := noteFrom(ctx); note != nil {
			errText := ""
			if outcome != outcomeOK {
				errText = outcome
			}
			note.set(n, counted, errText)
		}
		return res, err
	}
}

// resultCount is how many results a search tool found, read from its
// structured answer without decoding it: `"total":N` of search_docs (the
// first occurrence is the top-level field: every earlier string is JSON-
// escaped, so it cannot contain that text), or the number of result
// objects of search. ok is false for other tools.
func resultCount(tool string, res *mcp.CallToolResult) (n int, ok bool) {
	if res == nil {
		return 0, false
	}
	raw := res.RawStructuredContent
	switch tool {
	case mcptools.ToolSearchDocs:
		i := bytes.Index(raw, []byte(`"total":`))
		if i < 0 {
			return 0, false
		}
		rest := raw[i+len(`"total":`):]
		j := 0
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
			j++
		}
		n, err := strconv.Atoi(string(rest[:j]))
		return n, err == nil
	case mcptools.ToolSearch:
		if len(raw) == 0 {
			return 0, false
		}
		return bytes.Count(raw, []byte(`{"id":`)), true
	}
	return 0, false
}

// unmarshalObserve parses `landing on|off` and `log_queries`/`query_log`
// (no argument means on).
func (h *Handler) unmarshalObserve(d *caddyfile.Dispenser, opt string) error {
	args := d.RemainingArgs()
	v := "on"
	switch {
	case len(args) == 1:
		v = args[0]
	case len(args) > 1 || opt == "landing" && len(args) == 0:
		return d.Errf("%s: want on or off", opt)
	}
	if v != "on" && v != "off" {
		return d.Errf("%s: want on or off, got %q", opt, v)
	}
	on := v == "on"
	switch opt {
	case "landing":
		h.DisableLanding = !on
	case "log_queries":
		h.LogQueries = on
	default:
		h.QueryLog = on
	}
	return nil
}
