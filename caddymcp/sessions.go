package caddymcp

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// sessionPrefix marks ids minted here; it matches mcp-go's own prefix so
// logs look the same whichever manager minted an id.
const sessionPrefix = "mcp-session-"

// liveSessions holds every streamable-HTTP session id this process minted,
// shared by all handler instances, so a config reload (which provisions a
// new handler) does not invalidate clients' sessions. The ids are random
// UUIDs and carry no privileges, so sharing them across sites is harmless.
var liveSessions sync.Map // id -> *sessionEntry

type sessionEntry struct {
	lastSeen atomic.Int64 // unix nanoseconds
	streams  atomic.Int32 // open GET streams; a session with one never idles out
}

// sessionIDs is an mcp-go SessionIdManager that, unlike mcp-go's default,
// knows which sessions exist: an unknown or idle-expired id gets 404, which
// tells the client to initialize a new session (MCP spec, session
// management). Expiry is lazy: an id is checked when it is used, and the
// whole table is pruned at most once per ttl when new ids are minted.
type sessionIDs struct {
	ttl       time.Duration
	lastPrune atomic.Int64
	// retiring is set when the handler shuts down: mcp-go then terminates
	// every session it knows, but those sessions must stay valid for the
	// handler of the next config.
	retiring atomic.Bool
}

// Generate mints and records a new session id.
func (m *sessionIDs) Generate() string {
	m.maybePrune()
	id := sessionPrefix + uuid.NewString()
	e := new(sessionEntry)
	e.lastSeen.Store(time.Now().UnixNano())
	liveSessions.Store(id, e)
	return id
}

// Validate accepts a known, unexpired session and marks it used.
func (m *sessionIDs) Validate(id string) (isTerminated bool, err error) {
	if !strings.HasPrefix(id, sessionPrefix) {
		return false, fmt.Errorf("invalid session id %q", id)
	}
	v, ok := liveSessions.Load(id)
	if !ok {
		return false, fmt.Errorf("unknown session id %q", id)
	}
	e := v.(*sessionEntry)
	if m.expired(e, time.Now()) {
		liveSessions.Delete(id)
		return false, fmt.Errorf("session %q expired", id)
	}
	e.lastSeen.Store(time.Now().UnixNano())
	return false, nil
}

// Terminate forgets a session (DELETE from the client, or mcp-go's sweeper).
func (m *sessionIDs) Terminate(id string) (isNotAllowed bool, err error) {
	if m.retiring.Load() {
		return false, nil
	}
	liveSessions.Delete(id)
	return false, nil
}

func (m *sessionIDs) expired(e *sessionEntry, now time.Time) bool {
	return m.ttl > 0 && e.streams.Load() == 0 &&
		now.UnixNano()-e.lastSeen.Load() > m.ttl.Nanoseconds()
}

// maybePrune drops expired sessions, so ids of clients that vanished do not
// accumulate even if no handler ever sees them again.
func (m *sessionIDs) maybePrune() {
	now := time.Now()
	last := m.lastPrune.Load()
	if m.ttl <= 0 || now.UnixNano()-last < m.ttl.Nanoseconds() ||
		!m.lastPrune.CompareAndSwap(last, now.UnixNano()) {
		return
	}
	liveSessions.Range(func(k, v any) bool {
		if m.expired(v.(*sessionEntry), now) {
			liveSessions.Delete(k)
		}
		return true
	})
}

// streamOpened marks a GET stream for a session as open, keeping the
// session alive while it lasts; the returned func marks it closed.
func streamOpened(id string) func() {
	v, ok := liveSessions.Load(id)
	if !ok {
		return func() {}
	}
	e := v.(*sessionEntry)
	e.streams.Add(1)
	return func() {
		e.lastSeen.Store(time.Now().UnixNano())
		e.streams.Add(-1)
	}
}

// sseSessions tracks the legacy HTTP+SSE sessions of one handler. mcp-go
// ties an SSE session to its GET request and has no idle expiry, so we keep
// each stream's cancel func and last activity, and end streams that idle
// out (a client that vanished without closing the TCP connection) or that
// must end because Caddy is shutting down.
type sseSessions struct {
	mu       sync.Mutex
	sessions map[string]*sseSession
}

type sseSession struct {
	cancel   context.CancelFunc
	lastSeen atomic.Int64
}

// sseSlotKey carries a *sseSlot from ServeHTTP to the session id generator,
// which is the only place mcp-go tells us the new session's id.
type sseSlotKey struct{}

type sseSlot struct {
	cancel context.CancelFunc
	id     string
}

// generate is the mcp-go SessionIDGenFunc: it mints the id and registers
// the stream under it.
func (s *sseSessions) generate(ctx context.Context, _ *http.Request) (string, error) {
	id := uuid.NewString()
	slot, _ := ctx.Value(sseSlotKey{}).(*sseSlot)
	if slot == nil {
		return id, nil
	}
	slot.id = id
	sess := &sseSession{cancel: slot.cancel}
	sess.lastSeen.Store(time.Now().UnixNano())
	s.mu.Lock()
	if s.sessions == nil {
		s.sessions = make(map[string]*sseSession)
	}
	s.sessions[id] = sess
	s.mu.Unlock()
	return id, nil
}

// remove forgets a session once its stream has ended.
func (s *sseSessions) remove(id string) {
	s.mu.Lock()
	delete(s.sessions, id)
	s.mu.Unlock()
}

// touch records client activity (a POST to the message endpoint) and
// reports whether the session is open here.
func (s *sseSessions) touch(id string) bool {
	s.mu.Lock()
	sess := s.sessions[id]
	s.mu.Unlock()
	if sess != nil {
		sess.lastSeen.Store(time.Now().UnixNano())
	}
	return sess != nil
}

// sweep ends the streams of sessions idle for longer than ttl.
func (s *sseSessions) sweep(ttl time.Duration) {
	cutoff := time.Now().Add(-ttl).UnixNano()
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, sess := range s.sessions {
		if sess.lastSeen.Load() < cutoff {
			sess.cancel()
			delete(s.sessions, id)
		}
	}
}
