package caddymcp

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// Defaults of the session limits, and the fixed bounds behind them.
const (
	// DefaultMaxSessions bounds the live sessions of one site. A
	// streamable session costs about 10 KB of heap (most of it mcp-go's
	// per-session channels; BenchmarkSessionMemory), so the cap costs at
	// most ~42 MB.
	DefaultMaxSessions = 4096
	// DefaultMaxSessionsPerClient bounds the live sessions of one client
	// address (an IPv6 client is counted by its /64).
	DefaultMaxSessionsPerClient = 64
	// unusedSessionTTL is the idle timeout of sessions that never sent a
	// second request (initialize and nothing else): real clients follow
	// initialize with notifications/initialized at once.
	unusedSessionTTL = time.Minute
	// evictGrace: a session used this recently is not evicted for a new one.
	evictGrace = time.Second
	// retryAfter is what refused clients are told to wait, in seconds.
	retryAfter = 1

	// Bounds of a legacy SSE session's outbound queue: responses waiting
	// to be written (plus requests being handled, whose responses will be)
	// and their bytes. Past the count, POSTs get 429; past the bytes (a
	// client that does not read), the session is closed.
	maxQueuedEvents     = 16
	maxQueuedBytes      = 1 << 20
	maxQueuedBytesTotal = 64 << 20 // all legacy SSE sessions of a site
	// streamWriteTimeout bounds one write to an event stream: a client
	// that stops reading is cut off instead of holding a goroutine and the
	// queued events.
	streamWriteTimeout = 30 * time.Second
)

// sessionPool shares session tables across config reloads: a reload
// provisions a new handler for the same site, which must keep serving the
// sessions the old one issued. The key is the site's identity (see
// tableKey); each site has its own table, limits and TTLs.
var sessionPool = caddy.NewUsagePool()

// siteOrdinals numbers the mcp handlers of each server in one config load,
// in provisioning order (deterministic for a given config).
var siteOrdinals = struct {
	sync.Mutex
	m map[*caddyhttp.Server]int
}{m: make(map[*caddyhttp.Server]int)}

// tableKey names a handler's session table: the server's name and the
// handler's position among that server's mcp handlers. A reload that keeps
// the site where it is keeps the table, whatever else changes; two sites
// never share one. Without a server (a handler used outside Caddy's HTTP
// app) the key is "" and the table is private.
func tableKey(srv *caddyhttp.Server) string {
	if srv == nil {
		return ""
	}
	siteOrdinals.Lock()
	n := siteOrdinals.m[srv]
	siteOrdinals.m[srv] = n + 1
	siteOrdinals.Unlock()
	return "caddymcp.sessions\n" + srv.Name() + "\n" + strconv.Itoa(n)
}

// forgetServer drops the ordinal counter of a server whose config is gone.
func forgetServer(srv *caddyhttp.Server) {
	siteOrdinals.Lock()
	delete(siteOrdinals.m, srv)
	siteOrdinals.Unlock()
}

// acquireTable returns the session table for key, creating it if needed,
// and applies this handler's limits to it.
func (h *Handler) acquireTable(key string, l sessionLimits) (*sessionTable, error) {
	if key == "" {
		return newSessionTable(l, h.logger), nil
	}
	v, _, err := sessionPool.LoadOrNew(key, func() (caddy.Destructor, error) {
		return newSessionTable(l, h.logger), nil
	})
	if err != nil {
		return nil, err
	}
	t := v.(*sessionTable)
	t.configure(l, h.logger)
	return t, nil
}

// clientKey identifies the client a session is counted against: Caddy's
// client IP (which honours trusted_proxies), an IPv6 address by its /64
// since one host commonly holds a whole /64.
func clientKey(r *http.Request) string {
	ip, _ := caddyhttp.GetVar(r.Context(), caddyhttp.ClientIPVarKey).(string)
	if ip == "" {
		ip = r.RemoteAddr
		if host, _, err := net.SplitHostPort(ip); err == nil {
			ip = host
		}
	}
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	addr = addr.Unmap()
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return p.String()
	}
	return addr.String()
}

// refuseSession answers a request whose new session was refused.
func refuseSession(w http.ResponseWriter, err error) {
	w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	status, msg := http.StatusServiceUnavailable,
		"server busy: too many sessions and none idle to make room; retry shortly"
	if errors.Is(err, errClientFull) {
		status, msg = http.StatusTooManyRequests,
			"too many open sessions from this address; close (DELETE) unused sessions or retry shortly"
	}
	writeJSONRPCError(w, status, mcp.INVALID_REQUEST, msg)
}

// admittedKey carries the session ServeHTTP admitted for an initialize
// request to the session id manager mcp-go asks for an id.
type admittedKey struct{}

// ResolveSessionIdManager implements server.SessionIdManagerResolver: it
// gives mcp-go, per request, a manager that knows the admitted session.
func (m *sessionIDs) ResolveSessionIdManager(r *http.Request) server.SessionIdManager {
	if r == nil {
		return m
	}
	if s, ok := r.Context().Value(admittedKey{}).(*session); ok {
		cp := *m
		cp.admitted = s
		return &cp
	}
	return m
}

// forgetStreamable makes mcp-go drop its state for a session that ended
// here (evicted or expired): mcp-go keeps every initialized session
// registered until it sees a DELETE, so send it one.
func (h *Handler) forgetStreamable(id string) {
	r, err := http.NewRequestWithContext(context.Background(), http.MethodDelete, h.Endpoint, nil)
	if err != nil {
		return
	}
	r.Header.Set("Mcp-Session-Id", id)
	h.streamable.ServeHTTP(discardWriter{}, r)
}

// discardWriter is a ResponseWriter for internal requests.
type discardWriter struct{}

func (discardWriter) Header() http.Header         { return http.Header{} }
func (discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (discardWriter) WriteHeader(int)             {}

// Interface guards
var (
	_ server.SessionIdManagerResolver = (*sessionIDs)(nil)
	_ server.SessionIdManager         = (*sessionIDs)(nil)
	_ caddy.Destructor                = (*sessionTable)(nil)
)
