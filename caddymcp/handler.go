package caddymcp

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/mark3labs/mcp-go/server"
	"go.uber.org/zap"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/corpus"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/llmstxt"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/mcptools"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

func init() {
	caddy.RegisterModule(Handler{})
}

// Defaults for the optional settings.
const (
	DefaultEndpoint           = "/mcp"
	DefaultSSEEndpoint        = "/sse"
	DefaultMessageEndpoint    = "/message"
	DefaultMaxRequestBody     = 1 << 20 // 1 MiB
	DefaultSessionIdleTimeout = caddy.Duration(30 * time.Minute)
	// DefaultKeepAlive is under Caddy's default 1 minute write/read idle
	// timeouts, which every ping resets, so idle streams stay open.
	DefaultKeepAlive = caddy.Duration(25 * time.Second)
)

// Handler serves documentation search over the Model Context Protocol.
//
// Requests for its endpoints are answered here; all others go to the next
// handler, so a site can serve its documentation and the MCP server for it
// side by side. Both MCP transports are served: streamable HTTP (protocol
// revisions 2025-03-26 to 2026-07-28) and the legacy HTTP+SSE transport
// (2024-11-05) that older clients still use.
type Handler struct {
	// Sources are the documentation to index, in priority order (when two
	// pages have the same id, the first source wins). At least one is
	// required. A source's `location` is a file, directory or URL; its
	// `kind` (index_json, markdown, site_root, llms_txt) is inferred from
	// the location when empty; `base_url` is the public site URL used to
	// build page links for sources that have none (Markdown trees).
	Sources []source.Spec `json:"sources,omitempty"`

	// Refresh is how often remote (http/https) sources are fetched again
	// (conditional requests: an unchanged source costs a 304). A negative
	// value disables refreshing. A failing source is retried sooner: after
	// 5s, doubling up to this interval. Default: 10m.
	Refresh caddy.Duration `json:"refresh,omitempty"`

	// Watch is how often local sources are checked for changes (sizes and
	// modification times); changed pages are re-indexed without a reload.
	// A negative value disables watching. Default: 2s.
	Watch caddy.Duration `json:"watch,omitempty"`

	// Reload re-reads local sources on this interval even when their sizes
	// and modification times look unchanged (for file systems whose mtimes
	// cannot be trusted, e.g. some network mounts). The index is rebuilt
	// only when the pages differ. Zero or negative: never. Default: off.
	Reload caddy.Duration `json:"reload,omitempty"`

	// FetchTimeout bounds one fetch of a remote source, body included; a
	// fetch that takes longer fails and the source keeps its last good
	// pages. Default: 30s.
	FetchTimeout caddy.Duration `json:"fetch_timeout,omitempty"`

	// MaxSourceSize is the largest remote source body accepted, in bytes
	// (after decompression); a larger one fails and the source keeps its
	// last good pages. It guards memory against a runaway or hostile
	// server. Default: 50 MiB.
	MaxSourceSize int64 `json:"max_source_size,omitempty"`

	// IndexCache is the folder where the built search index is persisted,
	// so that a restart with unchanged local sources loads it instead of
	// parsing and indexing them again. "off" disables it. Default: mcp/index
	// in Caddy's data directory. One file per set of sources, replaced
	// atomically and checked on load: a damaged or outdated file is logged
	// and rebuilt, never served. Unused with remote sources or `reload`.
	IndexCache string `json:"index_cache,omitempty"`

	// DisableLLMSTxt stops the handler from serving /llms.txt and
	// /llms-full.txt (https://llmstxt.org) rendered from the index, leaving
	// those paths to the next handler (e.g. file_server, when the site
	// generator writes its own llms.txt).
	DisableLLMSTxt bool `json:"disable_llms_txt,omitempty"`

	// Name is the server name reported to clients (serverInfo name and
	// title). Default: "docs".
	Name string `json:"name,omitempty"`

	// Instructions tell the model when and how to use this server, e.g.
	// "Search the Example docs before answering questions about Example."
	// They are sent to clients at initialization.
	Instructions string `json:"instructions,omitempty"`

	// PublicURL is the public URL of the MCP endpoint, e.g.
	// "https://docs.example.com/mcp". Optional; mentioned in the
	// instructions so models can cite where the server lives.
	PublicURL string `json:"public_url,omitempty"`

	// Endpoint is the path of the streamable HTTP endpoint. Default: /mcp.
	Endpoint string `json:"endpoint,omitempty"`

	// DisableStreamable turns off the streamable HTTP endpoint.
	DisableStreamable bool `json:"disable_streamable,omitempty"`

	// SSEEndpoint is the path of the legacy HTTP+SSE event stream.
	// Default: /sse.
	SSEEndpoint string `json:"sse_endpoint,omitempty"`

	// MessageEndpoint is the path legacy HTTP+SSE clients POST messages to.
	// Clients learn it from the stream's `endpoint` event, sent as a path
	// on the host they connected to; a prefix stripped before this handler
	// (`handle_path /docs/*`) is put back in front. Default: /message.
	MessageEndpoint string `json:"message_endpoint,omitempty"`

	// DisableSSE turns off the legacy HTTP+SSE endpoints.
	DisableSSE bool `json:"disable_sse,omitempty"`

	// AllowedOrigins are the browser origins (scheme://host[:port]) allowed
	// to call the server, or "*" for any. Requests without an Origin header
	// (non-browser clients) are always allowed, and so are pages of the
	// site itself when served over TLS or on a loopback name (localhost,
	// 127.0.0.1, [::1]). Any other Origin gets 403, as the MCP specification
	// requires to prevent DNS rebinding and cross-site requests: on plain
	// HTTP under another name, or behind a proxy that terminates TLS, list
	// the site's own origin here if its pages call the server.
	AllowedOrigins []string `json:"allowed_origins,omitempty"`

	// MaxRequestBody is the largest request body accepted, in bytes; larger
	// requests get 413. Default: 1 MiB.
	MaxRequestBody int64 `json:"max_request_body,omitempty"`

	// SessionIdleTimeout is how long a session may go unused before it is
	// forgotten (the client then gets 404 and starts a new one; its open
	// stream is closed). Client requests count as use, including answers to
	// the keepalive pings. A session that never sent a request after the
	// one that opened it is forgotten after at most 1 minute. Default: 30m.
	SessionIdleTimeout caddy.Duration `json:"session_idle_timeout,omitempty"`

	// MaxSessions caps the live sessions of this site (both transports).
	// When it is reached, the least recently used idle session is ended to
	// make room (its client gets 404 and starts a new session, as the MCP
	// spec tells it to); only when every session is busy or was used in
	// the last second is a new one refused, with 503 and Retry-After. A
	// session costs about 10 KB of memory, plus up to 1 MiB of unread
	// responses for a legacy SSE stream. Default: 4096.
	MaxSessions int `json:"max_sessions,omitempty"`

	// MaxSessionsPerClient caps the live sessions of one client address
	// (Caddy's client IP, which honours the server's trusted_proxies; an
	// IPv6 client counts by its /64). At the cap, the client's own least
	// recently used idle session is ended to make room, else the new one
	// gets 429. Clients behind one NAT or proxy share the cap. Default: 64.
	MaxSessionsPerClient int `json:"max_sessions_per_client,omitempty"`

	// KeepAlive is the interval of the pings sent on open streams. Keep it
	// under the server's idle timeouts (Caddy's default: 1 minute) and
	// those of proxies in between. A negative value disables pings.
	// Default: 25s.
	KeepAlive caddy.Duration `json:"keepalive,omitempty"`

	// Observability: access-log fields, metrics, query log, landing page.
	Observability

	corpus     *corpus.Corpus
	corpusKey  string
	unlabel    func()       // drops this handler's label from the corpus
	llms       http.Handler // /llms.txt; nil when disabled
	llmsFull   http.Handler // /llms-full.txt; nil when disabled
	kinds      []string     // effective kind of each source, for the status
	origins    originPolicy
	mcp        *server.MCPServer
	streamable *server.StreamableHTTPServer
	sessionIDs *sessionIDs
	sessions   *sessionTable // this site's, shared with its successors across reloads
	tableKey   string        // sessionPool key; "" for a private table
	signedKey  string        // signedPool key (signed.go)
	srv        *caddyhttp.Server
	cors       corsPolicy // legacy SSE endpoints
	logger     *zap.Logger

	// stopStreams is cancelled when the server shuts down (or this config
	// is unloaded); it ends every open stream served by this handler.
	stopStreams context.Context
	stop        context.CancelFunc
	stopOnce    *sync.Once
}

// CaddyModule returns the Caddy module information.
func (Handler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.mcp",
		New: func() caddy.Module { return new(Handler) },
	}
}

// Provision applies defaults, loads (or reuses) the index and builds the
// MCP transports.
func (h *Handler) Provision(ctx caddy.Context) error {
	h.logger = ctx.Logger()
	h.stopOnce = new(sync.Once)
	h.applyDefaults()
	if err := h.check(); err != nil {
		return err
	}
	var err error
	if h.origins, err = newOriginPolicy(h.AllowedOrigins); err != nil {
		return fmt.Errorf("allowed_origins: %v", err)
	}

	h.corpus, h.corpusKey, err = acquireCorpus(ctx, corpus.Options{
		Specs:          h.Sources,
		Logger:         h.logger,
		Refresh:        time.Duration(h.Refresh),
		Watch:          time.Duration(h.Watch),
		Reload:         time.Duration(h.Reload),
		RequestTimeout: time.Duration(h.FetchTimeout),
		MaxSourceBytes: h.MaxSourceSize,
		IndexCache:     h.indexCacheDir(),
	})
	if err != nil {
		return err
	}
	// The admin API finds the index by this site's server name too.
	h.unlabel = h.corpus.AddLabel(cmp.Or(h.Name, mcptools.DefaultName))

	h.kinds = sourceKinds(h.Sources)
	for i, s := range h.Sources {
		if relativeLinks(s, h.kinds[i]) {
			h.logger.Warn("source has no base_url: its pages get site-relative links that models cannot cite; "+
				"add the public URL, e.g. `source <dir> https://docs.example.com/`", zap.String("source", s.String()))
		}
	}
	if err := h.provisionObserve(ctx); err != nil {
		return err
	}
	mcpSrv, err := mcptools.New(mcptools.Options{
		Name:         h.Name,
		Title:        h.Name,
		Version:      moduleVersion(),
		Instructions: h.Instructions,
		Snapshot:     h.corpus.Snapshot,
		PublicURL:    h.PublicURL,
		Status:       h.sourceInfo,
	}, h.serverOptions()...)
	if err != nil {
		return err
	}
	if !h.DisableLLMSTxt {
		summary := h.llmsSummary()
		h.llms = llmstxt.NewHandler(h.corpus, h.Name, summary, false)
		h.llmsFull = llmstxt.NewHandler(h.corpus, h.Name, summary, true)
	}

	h.mcp = mcpSrv
	keepAlive := time.Duration(h.KeepAlive)
	if keepAlive >= time.Minute {
		h.logger.Warn("keepalive is not under Caddy's default 1m idle timeouts; idle streams may be cut",
			zap.Duration("keepalive", keepAlive))
	}
	h.srv, _ = ctx.Value(caddyhttp.ServerCtxKey).(*caddyhttp.Server)
	h.tableKey = tableKey(h.srv)
	if h.sessions, err = h.acquireTable(h.tableKey, h.limits()); err != nil {
		return err
	}
	if !h.DisableStreamable {
		if err := h.useSignedSessions(ctx); err != nil {
			return err
		}
		h.sessionIDs = &sessionIDs{table: h.sessions, retiring: new(atomic.Bool)}
		opts := []server.StreamableHTTPOption{
			// Caddy decides which hosts reach us; mcp-go's loopback Host
			// check would reject every reverse-proxied request. The Origin
			// check that the spec asks for is done in ServeHTTP.
			server.WithDisableLocalhostProtection(true),
			// Sessions are admitted, validated and expired by this site's
			// session table (no mcp-go idle sweeper: the table tells mcp-go
			// when a session ends).
			server.WithSessionIdManagerResolver(h.sessionIDs),
			server.WithStreamableHTTPLogger(ctx.Slogger()),
		}
		if keepAlive > 0 {
			opts = append(opts, server.WithHeartbeatInterval(keepAlive))
		}
		if cors := h.corsOptions(); cors != nil {
			opts = append(opts, server.WithStreamableHTTPCORS(cors...))
		}
		h.streamable = server.NewStreamableHTTPServer(mcpSrv, opts...)
		h.sessions.attach(h, h.forgetStreamable)
	}
	for _, o := range h.AllowedOrigins {
		if n, err := normalizeOrigin(o); err == nil {
			o = n
		}
		h.cors.origins = append(h.cors.origins, o)
	}

	// Open streams would keep Caddy from ever finishing a stop or a reload
	// (the grace period is unlimited by default, and Cleanup runs only after
	// the server has shut down), so end them as soon as shutdown starts.
	h.stopStreams, h.stop = context.WithCancel(context.Background())
	if h.srv != nil {
		h.srv.RegisterOnShutdown(h.closeStreams)
	}
	return nil
}

// limits are this handler's session limits.
func (h *Handler) limits() sessionLimits {
	return sessionLimits{
		idle:       time.Duration(h.SessionIdleTimeout),
		unused:     unusedSessionTTL,
		max:        h.MaxSessions,
		perClient:  h.MaxSessionsPerClient,
		evictGrace: evictGrace,
	}
}

// corsOptions lets the configured browser origins make cross-origin
// requests (preflight answers and Access-Control-* headers), including the
// MCP headers browsers would otherwise refuse to send or expose.
func (h *Handler) corsOptions() []server.CORSOption {
	if len(h.AllowedOrigins) == 0 {
		return nil
	}
	origins := make([]string, 0, len(h.AllowedOrigins))
	for _, o := range h.AllowedOrigins {
		if n, err := normalizeOrigin(o); err == nil {
			o = n
		}
		origins = append(origins, o)
	}
	return []server.CORSOption{
		server.WithCORSAllowedOrigins(origins...),
		server.WithCORSAllowedHeaders(corsAllowHeaders...),
		server.WithCORSExposedHeaders(corsExposeHeaders...),
		server.WithCORSMaxAge(3600),
	}
}

func (h *Handler) applyDefaults() {
	if h.Endpoint == "" {
		h.Endpoint = DefaultEndpoint
	}
	if h.SSEEndpoint == "" {
		h.SSEEndpoint = DefaultSSEEndpoint
	}
	if h.MessageEndpoint == "" {
		h.MessageEndpoint = DefaultMessageEndpoint
	}
	if h.MaxRequestBody == 0 {
		h.MaxRequestBody = DefaultMaxRequestBody
	}
	if h.SessionIdleTimeout == 0 {
		h.SessionIdleTimeout = DefaultSessionIdleTimeout
	}
	if h.KeepAlive == 0 {
		h.KeepAlive = DefaultKeepAlive
	}
	if h.MaxSessions == 0 {
		h.MaxSessions = DefaultMaxSessions
	}
	if h.MaxSessionsPerClient == 0 {
		h.MaxSessionsPerClient = DefaultMaxSessionsPerClient
	}
}

// Validate checks the configuration (for JSON configs, which do not go
// through the Caddyfile checks).
func (h *Handler) Validate() error { return h.check() }

// Cleanup ends open streams and releases this config's hold on the index.
func (h *Handler) Cleanup() error {
	h.closeStreams()
	h.cleanupObserve()
	if h.streamable != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = h.streamable.Shutdown(ctx)
	}
	h.releaseSigned()
	if h.sessions != nil {
		h.sessions.detach(h)
		t, key := h.sessions, h.tableKey
		h.sessions = nil
		if h.srv != nil {
			forgetServer(h.srv)
		}
		if key == "" {
			_ = t.Destruct()
		} else if _, err := sessionPool.Delete(key); err != nil {
			h.logger.Error("releasing session table", zap.Error(err))
		}
	}
	if h.unlabel != nil {
		h.unlabel()
		h.unlabel = nil
	}
	if h.corpusKey != "" {
		// Forget the key so a repeated Cleanup cannot release another
		// config's reference to a shared index.
		key := h.corpusKey
		h.corpusKey = ""
		_, err := corpusPool.Delete(key)
		return err
	}
	return nil
}

// closeStreams ends every open stream of this handler. It is idempotent and
// safe to call from the server's shutdown hook and from Cleanup.
func (h *Handler) closeStreams() {
	if h.stopOnce == nil {
		return // never provisioned
	}
	h.stopOnce.Do(func() {
		if h.stop != nil {
			h.stop()
		}
		if h.streamable != nil {
			h.sessionIDs.retiring.Store(true)
			h.streamable.CloseSessions(context.Background())
		}
	})
}

// moduleVersion is this module's version as recorded in the binary.
func moduleVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == "github.com/caddy-mcp/caddy-mcp" {
				return m.Version
			}
		}
		if bi.Main.Path == "github.com/caddy-mcp/caddy-mcp" && bi.Main.Version != "(devel)" {
			return bi.Main.Version
		}
	}
	return ""
}

// Interface guards
var (
	_ caddy.Provisioner           = (*Handler)(nil)
	_ caddy.Validator             = (*Handler)(nil)
	_ caddy.CleanerUpper          = (*Handler)(nil)
	_ caddyhttp.MiddlewareHandler = (*Handler)(nil)
)
