// Package sessiontoken mints and verifies self-contained streamable-HTTP
// session ids, so that every instance of a cluster can serve every session
// without sticky routing or a shared session table.
//
// A token is "mcp-session-" followed by the unpadded base64url encoding of
//
//	version(1) | issued(8) | expires(8) | id(16) | len(1) | protocol(len) | mac(16)
//
// where issued and expires are big-endian Unix seconds, id is random, and
// mac is HMAC-SHA256 over everything before it, truncated to 128 bits. The
// signing key is shared through Caddy's configured storage (see
// LoadOrCreateKey), so instances that share certificates share sessions too.
// Revocation (a DELETEd session) is the one piece of shared mutable state;
// see Revocations.
package sessiontoken

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash"
	"strings"
	"sync"
	"time"
)

// Prefix starts every token. It matches mcp-go's own session id prefix, so
// logs look the same whichever manager minted an id.
const Prefix = "mcp-session-"

// KeySize is the length of a signing key in bytes.
const KeySize = 32

const (
	version     = 1
	macSize     = 16
	idSize      = 16
	fixedSize   = 1 + 8 + 8 + idSize + 1 // before the protocol string
	maxProtocol = 32                     // MCP revisions are dates: "2025-06-18"
	maxRaw      = fixedSize + maxProtocol + macSize
)

// Errors of Verify. All of them mean "no such session" to a client (404).
var (
	ErrMalformed = errors.New("session id is not a signed session token")
	ErrSignature = errors.New("session id signature does not verify")
	ErrExpired   = errors.New("session expired")
)

// ID is the random part of a session: what revocation records name.
type ID [idSize]byte

// Session is what a token carries: everything a request needs to be served
// by an instance that never saw the session before.
type Session struct {
	ID ID
	// Protocol is the MCP revision negotiated at initialize.
	Protocol string
	// Issued and Expires have second precision.
	Issued, Expires time.Time
}

// Signer mints and verifies tokens with one key. It is safe for concurrent
// use.
type Signer struct {
	macs sync.Pool // of hash.Hash, keyed HMACs (hmac.New costs ~4 allocations)
}

// NewSigner returns a Signer for key, which must be KeySize bytes.
func NewSigner(key []byte) (*Signer, error) {
	if len(key) != KeySize {
		return nil, errors.New("session signing key must be 32 bytes")
	}
	k := append([]byte(nil), key...)
	s := &Signer{}
	s.macs.New = func() any { return hmac.New(sha256.New, k) }
	return s, nil
}

// Derive returns a Signer whose key is derived from this one's and scope:
// tokens of one scope do not verify in another (e.g. two sites of one
// server), while every holder of the shared key derives the same one.
func (s *Signer) Derive(scope string) *Signer {
	h := s.macs.Get().(hash.Hash)
	h.Reset()
	h.Write([]byte("caddy-mcp session scope\x00"))
	h.Write([]byte(scope))
	key := h.Sum(nil)
	s.macs.Put(h)
	d, _ := NewSigner(key)
	return d
}

// Mint returns the token for sess. Protocol strings longer than 32 bytes
// are cut (no MCP revision is that long).
func (s *Signer) Mint(sess Session) string {
	proto := sess.Protocol
	if len(proto) > maxProtocol {
		proto = proto[:maxProtocol]
	}
	raw := make([]byte, 0, fixedSize+len(proto)+macSize)
	raw = append(raw, version)
	raw = binary.BigEndian.AppendUint64(raw, uint64(sess.Issued.Unix()))
	raw = binary.BigEndian.AppendUint64(raw, uint64(sess.Expires.Unix()))
	raw = append(raw, sess.ID[:]...)
	raw = append(raw, byte(len(proto)))
	raw = append(raw, proto...)
	raw = s.sum(raw, raw)
	return Prefix + base64.RawURLEncoding.EncodeToString(raw)
}

// Verify checks token's signature (in constant time) and expiry at now,
// and returns the session it carries.
func (s *Signer) Verify(token string, now time.Time) (Session, error) {
	enc, ok := strings.CutPrefix(token, Prefix)
	// Bound the input before decoding anything (and so that it fits buf).
	if !ok || len(enc) > base64.RawURLEncoding.EncodedLen(maxRaw) {
		return Session{}, ErrMalformed
	}
	var buf [maxRaw]byte
	n, err := base64.RawURLEncoding.Decode(buf[:], []byte(enc))
	if err != nil || n < fixedSize+macSize || buf[0] != version {
		return Session{}, ErrMalformed
	}
	raw := buf[:n]
	plen := int(raw[fixedSize-1])
	if plen > maxProtocol || n != fixedSize+plen+macSize {
		return Session{}, ErrMalformed
	}
	body, mac := raw[:n-macSize], raw[n-macSize:]
	var want [sha256.Size]byte
	if !hmac.Equal(s.sum(want[:0], body), mac) {
		return Session{}, ErrSignature
	}
	sess := Session{
		Issued:   time.Unix(int64(binary.BigEndian.Uint64(raw[1:9])), 0),
		Expires:  time.Unix(int64(binary.BigEndian.Uint64(raw[9:17])), 0),
		Protocol: string(raw[fixedSize : fixedSize+plen]),
	}
	copy(sess.ID[:], raw[17:17+idSize])
	if !now.Before(sess.Expires) {
		return sess, ErrExpired
	}
	return sess, nil
}

// sum appends the truncated MAC of msg to dst.
func (s *Signer) sum(dst, msg []byte) []byte {
	h := s.macs.Get().(hash.Hash)
	h.Reset()
	h.Write(msg)
	var full [sha256.Size]byte
	out := h.Sum(full[:0])
	s.macs.Put(h)
	return append(dst, out[:macSize]...)
}
