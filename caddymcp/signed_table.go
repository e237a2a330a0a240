package caddymcp

import (
	"context"
	"encoding/json"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/sessiontoken"
)

// How the session table uses signed ids (signed.go): new streamable
// sessions get one, a request for a session the table does not hold is
// served if its id verifies (the entry is rebuilt: adopt), and a client's
// DELETE is recorded for every instance.

// adoptedClient is the client key of sessions rebuilt from their signed id:
// their client was counted by the instance that admitted them, and no
// per-client cap applies here (they still count against max_sessions).
const adoptedClient = "\x00adopted"

// signedInfo is what a session entry keeps from its signed id.
type signedInfo struct {
	id      sessiontoken.ID
	expires int64 // Unix seconds
}

// siteSigner signs the sessions of one site: with a key derived from the
// shared one and the site's identity (its session table key: server name
// and position, the same on instances that run the same config), so a
// session of one site is refused by another site (404), as with separate
// session tables.
type siteSigner struct {
	*signedSessions
	site *sessiontoken.Signer
}

// useSignedSessions makes the handler's streamable sessions signed ids
// valid on every instance sharing Caddy's storage (see above).
func (h *Handler) useSignedSessions(ctx caddy.Context) error {
	sg, key, err := acquireSigned(ctx, h.logger)
	if err != nil {
		return err
	}
	h.signedKey = key
	h.sessions.signed.Store(&siteSigner{signedSessions: sg, site: sg.signer.Derive(h.tableKey)})
	return nil
}

// releaseSigned drops this handler's use of the shared signer.
func (h *Handler) releaseSigned() {
	if h.signedKey != "" {
		key := h.signedKey
		h.signedKey = ""
		_, _ = signedPool.Delete(key)
	}
}

// newSession builds the entry for a new session: a signed id for a
// streamable session when the table has a signer, a random one otherwise.
func (t *sessionTable) newSession(kind sessionKind, client, protocol string, now time.Time) *session {
	sg := t.signed.Load()
	if kind != kindStreamable || sg == nil {
		return &session{id: newSessionID(kind), kind: kind, client: client}
	}
	id := sg.mint(protocol, now)
	tok, _ := sg.site.Verify(id, now)
	return &session{id: id, kind: kind, client: client, tok: &signedInfo{id: tok.ID, expires: tok.Expires.Unix()}}
}

// signedValid reports whether a signed session entry still stands: its id
// has not expired and was not revoked on any instance.
func (t *sessionTable) signedValid(s *session, now time.Time) bool {
	sg := t.signed.Load()
	return sg == nil || now.Unix() < s.tok.expires && !sg.revoked.Revoked(s.tok.id)
}

// adopt rebuilds the entry of a session this instance does not hold (it
// was opened on another instance, before a restart, or its entry was
// evicted or idled out here) from its signed id. Unsigned, forged,
// expired and revoked ids get errNoSession (404). When the table is full
// of sessions in use, the request is served without an entry.
func (t *sessionTable) adopt(id string, now time.Time) (*session, error) {
	sg := t.signed.Load()
	if sg == nil {
		return nil, errNoSession
	}
	tok, err := sg.check(id, now)
	if err != nil {
		return nil, errNoSession
	}
	s := &session{id: id, kind: kindStreamable, client: adoptedClient,
		tok: &signedInfo{id: tok.ID, expires: tok.Expires.Unix()}}
	s.lastSeen.Store(now.UnixNano())
	s.used.Store(true)
	l := t.limits.Load()
	var victims []*session
	t.mu.Lock()
	if cur := t.byID[id]; cur != nil {
		t.mu.Unlock()
		return cur, nil // adopted by a concurrent request
	}
	if l.max > 0 && len(t.byID) >= l.max {
		v := t.lruLocked(l, now, "")
		if v == nil {
			t.mu.Unlock()
			return s, nil
		}
		t.removeLocked(v)
		victims = append(victims, v)
	}
	t.byID[id] = s
	t.perClient[s.client]++
	t.mu.Unlock()
	t.evicted.Add(int64(len(victims)))
	t.endAll(victims)
	return s, nil
}

// held returns the entry for id, without rebuilding a missing one.
func (t *sessionTable) held(id string) *session {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.byID[id]
}

// revoke ends a signed session on every instance (a client's DELETE).
func (t *sessionTable) revoke(id string) {
	if sg := t.signed.Load(); sg != nil {
		sg.revoke(context.Background(), id)
	}
}

// initProtocol is the protocol revision an initialize request with these
// params will be answered with, as mcp-go negotiates it.
func initProtocol(params json.RawMessage) string {
	var p struct {
		ProtocolVersion string `json:"protocolVersion"`
	}
	_ = json.Unmarshal(params, &p) // absent or odd: mcp-go's default applies
	return mcp.NegotiateLegacyVersion(p.ProtocolVersion)
}
