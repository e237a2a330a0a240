package caddymcp

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"go.uber.org/zap"
)

// sessionPrefix marks streamable-HTTP session ids minted here; it matches
// mcp-go's own prefix so logs look the same whichever manager minted an id.
const sessionPrefix = "mcp-session-"

// Errors of the session table. errNoSession becomes 404 (the client must
// start a new session); the two "full" errors become 429 and 503.
var (
	errNoSession  = errors.New("unknown, expired or deleted session")
	errClientFull = errors.New("too many sessions from this client")
	errTableFull  = errors.New("too many sessions")
)

// sessionKind is the transport that owns a session.
type sessionKind uint8

const (
	kindStreamable sessionKind = iota
	kindLegacy                 // HTTP+SSE: the session lives as long as its stream
)

// session is one entry of a sessionTable. Everything in it can be rebuilt
// from the id and the clock, so a table that accepted self-contained ids
// (issue 11: signed ids valid on every instance) could recreate an entry on
// demand in sessionTable.resolve.
type session struct {
	id     string
	kind   sessionKind
	client string      // clientKey of the client that opened it
	tok    *signedInfo // signed streamable sessions only (signed.go)

	lastSeen atomic.Int64 // unix nanoseconds of the last client request
	used     atomic.Bool  // a request other than the one that opened it arrived
	inflight atomic.Int32 // requests being served; a busy session is never evicted

	mu     sync.Mutex
	ended  bool
	stream context.CancelFunc // the open event stream, if any
	legacy *legacySession     // kindLegacy only
}

// touch records a client request.
func (s *session) touch(now time.Time) {
	s.lastSeen.Store(now.UnixNano())
	s.used.Store(true)
}

// attachStream registers the cancel func of the session's event stream. A
// session has at most one (the spec allows the server to refuse a second,
// and each one holds a goroutine and buffers). It reports false when the
// session already has a stream or has ended.
func (s *session) attachStream(cancel context.CancelFunc) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended || s.stream != nil {
		return false
	}
	s.stream = cancel
	return true
}

// detachStream forgets the stream registered by attachStream.
func (s *session) detachStream() {
	s.mu.Lock()
	s.stream = nil
	s.mu.Unlock()
}

// end marks the session ended and closes its stream.
func (s *session) end() {
	s.mu.Lock()
	s.ended = true
	cancel := s.stream
	s.stream = nil
	s.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// sessionLimits are the settings of a table, taken from the handler that
// provisioned it last.
type sessionLimits struct {
	idle      time.Duration // forget sessions unused for this long (0: never)
	unused    time.Duration // ... or this long, for those that never sent a second request
	max       int           // live sessions per table
	perClient int           // live sessions per client
	// evictGrace protects sessions used this recently from eviction, so a
	// flood of new sessions cannot take the one a client is using right now.
	evictGrace time.Duration
}

// sessionTable holds the live sessions of one site (one handler, and its
// successors across config reloads). It is the one place that admits,
// validates, evicts and expires sessions.
type sessionTable struct {
	limits atomic.Pointer[sessionLimits]
	logger atomic.Pointer[zap.Logger]
	signed atomic.Pointer[siteSigner] // signs streamable ids (signed.go)

	mu        sync.Mutex
	byID      map[string]*session
	perClient map[string]int
	// forget tells each attached transport that a session it may hold
	// state for has ended (mcp-go keeps streamable sessions registered
	// until it sees a DELETE).
	forget map[*Handler]func(id string)

	// queued is the bytes waiting on every legacy SSE stream of the site.
	queued atomic.Int64

	// Counters since the last sweep, for one log line per sweep.
	evicted, refused atomic.Int64

	stop chan struct{}
	done chan struct{}
}

func newSessionTable(l sessionLimits, logger *zap.Logger) *sessionTable {
	t := &sessionTable{
		byID:      make(map[string]*session),
		perClient: make(map[string]int),
		forget:    make(map[*Handler]func(string)),
		stop:      make(chan struct{}),
		done:      make(chan struct{}),
	}
	t.configure(l, logger)
	go t.sweepLoop()
	return t
}

// configure applies the settings of the handler provisioned last.
func (t *sessionTable) configure(l sessionLimits, logger *zap.Logger) {
	t.limits.Store(&l)
	t.logger.Store(logger)
}

// Destruct ends every session and stops the sweeper (caddy.Destructor: the
// last handler using the table is gone).
func (t *sessionTable) Destruct() error {
	close(t.stop)
	<-t.done
	t.mu.Lock()
	all := make([]*session, 0, len(t.byID))
	for _, s := range t.byID {
		all = append(all, s)
	}
	clear(t.byID)
	clear(t.perClient)
	t.mu.Unlock()
	for _, s := range all {
		s.end()
	}
	return nil
}

// attach registers a handler's forget func; detach undoes it.
func (t *sessionTable) attach(h *Handler, forget func(id string)) {
	t.mu.Lock()
	t.forget[h] = forget
	t.mu.Unlock()
}

func (t *sessionTable) detach(h *Handler) {
	t.mu.Lock()
	delete(t.forget, h)
	t.mu.Unlock()
}

// newSessionID mints an id for a session of the given kind.
func newSessionID(kind sessionKind) string {
	if kind == kindLegacy {
		return uuid.NewString()
	}
	return sessionPrefix + uuid.NewString()
}

// open admits a new session for client. When the client or the table is
// at its cap, the least recently used idle session (of that client, or of
// anyone) is ended to make room: its client gets 404 and starts again, as
// the spec tells it to. Only when no session can be evicted is the new one
// refused (errClientFull, errTableFull).
func (t *sessionTable) open(kind sessionKind, client, protocol string, now time.Time) (*session, error) {
	l := t.limits.Load()
	s := t.newSession(kind, client, protocol, now)
	s.lastSeen.Store(now.UnixNano())

	var victims []*session
	t.mu.Lock()
	if l.perClient > 0 && t.perClient[client] >= l.perClient {
		v := t.lruLocked(l, now, client)
		if v == nil {
			t.mu.Unlock()
			t.refused.Add(1)
			return nil, errClientFull
		}
		t.removeLocked(v)
		victims = append(victims, v)
	}
	if l.max > 0 && len(t.byID) >= l.max {
		v := t.lruLocked(l, now, "")
		if v == nil {
			t.mu.Unlock()
			t.refused.Add(1)
			t.endAll(victims) // the client's own eviction still stands
			return nil, errTableFull
		}
		t.removeLocked(v)
		victims = append(victims, v)
	}
	t.byID[s.id] = s
	t.perClient[client]++
	t.mu.Unlock()

	t.evicted.Add(int64(len(victims)))
	t.endAll(victims)
	return s, nil
}

// lruLocked returns the session to evict: among those of client (or all,
// when client is ""), idle (no request in flight, unused for evictGrace),
// the least recently used, preferring sessions that never sent a second
// request. nil when none qualifies.
func (t *sessionTable) lruLocked(l *sessionLimits, now time.Time, client string) *session {
	var best *session
	cutoff := now.Add(-l.evictGrace).UnixNano()
	for _, s := range t.byID {
		if (client != "" && s.client != client) || s.inflight.Load() > 0 || s.lastSeen.Load() > cutoff {
			continue
		}
		if best == nil || older(s, best) {
			best = s
		}
	}
	return best
}

// older orders eviction candidates: unused before used, then by last use.
func older(a, b *session) bool {
	ua, ub := a.used.Load(), b.used.Load()
	if ua != ub {
		return !ua
	}
	return a.lastSeen.Load() < b.lastSeen.Load()
}

func (t *sessionTable) removeLocked(s *session) {
	delete(t.byID, s.id)
	if n := t.perClient[s.client] - 1; n > 0 {
		t.perClient[s.client] = n
	} else {
		delete(t.perClient, s.client)
	}
}

// endAll closes the streams of removed sessions and tells the transports.
func (t *sessionTable) endAll(sessions []*session) {
	if len(sessions) == 0 {
		return
	}
	t.mu.Lock()
	forget := make([]func(string), 0, len(t.forget))
	for _, f := range t.forget {
		forget = append(forget, f)
	}
	t.mu.Unlock()
	for _, s := range sessions {
		s.end()
		if s.kind == kindStreamable {
			for _, f := range forget {
				f(s.id)
			}
		}
	}
}

// resolve is the one place a session id is validated: it returns the live
// session for id, or errNoSession for an id that was never issued here, was
// deleted, evicted, or has expired. (Self-contained signed ids, issue 11,
// would be verified here and their entry rebuilt when missing.)
func (t *sessionTable) resolve(id string, now time.Time) (*session, error) {
	t.mu.Lock()
	s := t.byID[id]
	t.mu.Unlock()
	if s == nil {
		return t.adopt(id, now) // a signed id opened elsewhere (signed.go)
	}
	if s.tok != nil && !t.signedValid(s, now) {
		t.remove(s, "expired or deleted on another instance")
		return nil, errNoSession
	}
	if t.expired(s, t.limits.Load(), now) {
		t.remove(s, "expired")
		return t.adopt(id, now) // a signed id outlives its local entry
	}
	return s, nil
}

// remove ends a session (DELETE from the client, end of a legacy stream,
// expiry found on use). It reports whether the session was still live.
func (t *sessionTable) remove(s *session, why string) bool {
	t.mu.Lock()
	live := t.byID[s.id] == s
	if live {
		t.removeLocked(s)
	}
	t.mu.Unlock()
	if live {
		if lg := t.logger.Load(); lg != nil {
			lg.Debug("session ended", zap.String("session", s.id), zap.String("reason", why))
		}
		t.endAll([]*session{s})
	}
	return live
}

// len reports the number of live sessions.
func (t *sessionTable) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.byID)
}

// expired reports whether s has been silent for longer than its TTL: the
// idle timeout, or the shorter one for sessions that never sent a second
// request. A session with a request in flight never expires.
func (t *sessionTable) expired(s *session, l *sessionLimits, now time.Time) bool {
	ttl := l.idle
	if !s.used.Load() && l.unused > 0 && (ttl <= 0 || l.unused < ttl) {
		ttl = l.unused
	}
	return ttl > 0 && s.inflight.Load() == 0 && now.UnixNano()-s.lastSeen.Load() > ttl.Nanoseconds()
}

// sweepLoop expires sessions in the background, so streams of silent
// clients are closed and vanished clients do not hold memory.
func (t *sessionTable) sweepLoop() {
	defer close(t.done)
	for {
		l := t.limits.Load()
		ttl := l.idle
		if l.unused > 0 && (ttl <= 0 || l.unused < ttl) {
			ttl = l.unused
		}
		every := time.Minute
		if ttl > 0 {
			every = min(max(ttl/4, 10*time.Millisecond), 15*time.Second)
		}
		select {
		case <-t.stop:
			return
		case <-time.After(every):
			t.sweep(time.Now())
		}
	}
}

// sweep ends expired sessions and logs one line for what happened since
// the last sweep (per-session lines are debug: ids never go to INFO).
func (t *sessionTable) sweep(now time.Time) {
	l := t.limits.Load()
	var gone []*session
	t.mu.Lock()
	for _, s := range t.byID {
		if t.expired(s, l, now) {
			t.removeLocked(s)
			gone = append(gone, s)
		}
	}
	live := len(t.byID)
	t.mu.Unlock()
	t.endAll(gone)

	lg := t.logger.Load()
	if lg == nil {
		return
	}
	for _, s := range gone {
		lg.Debug("session expired", zap.String("session", s.id))
	}
	evicted, refused := t.evicted.Swap(0), t.refused.Swap(0)
	if len(gone) > 0 || evicted > 0 {
		lg.Info("sessions ended", zap.Int("expired", len(gone)), zap.Int64("evicted", evicted), zap.Int("live", live))
	}
	if refused > 0 {
		lg.Warn("new sessions refused: session limits reached and no idle session to evict",
			zap.Int64("refused", refused), zap.Int("live", live), zap.Int("max_sessions", l.max),
			zap.Int("max_sessions_per_client", l.perClient))
	}
}

// sessionIDs is the mcp-go SessionIdManager of one handler's streamable
// transport. Sessions are admitted by ServeHTTP before mcp-go sees the
// initialize request (admission needs the client address and may refuse,
// and Generate can do neither); Generate hands out the id admitted for the
// request, which forRequest binds.
type sessionIDs struct {
	table    *sessionTable
	admitted *session // set on per-request copies
	// retiring is set when the handler shuts down: mcp-go then terminates
	// every session it knows, but those sessions must stay valid for the
	// handler of the next config.
	retiring *atomic.Bool
}

// Generate returns the id admitted for this request. A request ServeHTTP did
// not see as an initialize (it should not happen) is admitted here, without
// the per-client cap.
func (m *sessionIDs) Generate() string {
	if m.admitted != nil {
		return m.admitted.id
	}
	s, err := m.table.open(kindStreamable, "", "", time.Now())
	if err != nil {
		return "" // mcp-go then answers without a session id
	}
	return s.id
}

// Validate accepts a live session and marks it used.
func (m *sessionIDs) Validate(id string) (isTerminated bool, err error) {
	if !strings.HasPrefix(id, sessionPrefix) {
		return false, errNoSession
	}
	now := time.Now()
	s, err := m.table.resolve(id, now)
	if err != nil {
		return false, err
	}
	s.touch(now)
	return false, nil
}

// Terminate ends a session (DELETE from the client).
func (m *sessionIDs) Terminate(id string) (isNotAllowed bool, err error) {
	if m.retiring.Load() {
		return false, nil
	}
	// held, not resolve: this also runs for the DELETE that tells mcp-go
	// to forget an evicted session, which must not rebuild or revoke it.
	// A client's DELETE was resolved (its entry rebuilt) by serveStreamable.
	if s := m.table.held(id); s != nil && m.table.remove(s, "deleted by the client") {
		m.table.revoke(id)
	}
	return false, nil
}
