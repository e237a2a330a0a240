package caddymcp

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/sessiontoken"
)

// Signed session ids (issue 11): a streamable-HTTP session id is a token
// signed with a key kept in Caddy's configured storage, so every instance
// that shares the storage (as a cluster sharing certificates does) accepts
// every session, with no sticky routing and nothing to configure. What an
// instance keeps about a session (its table entry) is rebuilt from the id
// when a request arrives for a session it never saw.
const (
	// signedSessionLifetime bounds a session: after it the id is refused
	// everywhere and the client starts a new session (HTTP 404, as the
	// spec asks). Ids cannot be extended, so this is a fixed lifetime.
	signedSessionLifetime = 24 * time.Hour
	// keyTimeout bounds loading or creating the key at provisioning.
	keyTimeout = 15 * time.Second
	// revokeTimeout bounds writing one revocation record on DELETE.
	revokeTimeout = 5 * time.Second
)

// signedSessions signs and checks session ids for every handler of this
// process whose storage holds the same key; shared through signedPool so
// that one poller per key reads the cluster's revocations.
type signedSessions struct {
	signer  *sessiontoken.Signer
	revoked *sessiontoken.Revocations
	logger  *zap.Logger
	stop    context.CancelFunc
	done    chan struct{}
}

var signedPool = caddy.NewUsagePool()

// errRevoked: the session was DELETEd (on this or another instance).
var errRevoked = errors.New("session was deleted")

// acquireSigned loads (or creates, under the storage lock) the signing key
// from ctx's storage and returns the shared signer for it and its pool key
// (release with signedPool.Delete). When the storage cannot be used, it
// falls back to a key of this process alone, with a warning: sessions then
// work on this instance only, as they did before clustering.
func acquireSigned(ctx caddy.Context, logger *zap.Logger) (*signedSessions, string, error) {
	st := ctx.Storage()
	kctx, cancel := context.WithTimeout(ctx, keyTimeout)
	key, err := sessiontoken.LoadOrCreateKey(kctx, st, sessiontoken.KeyName)
	cancel()
	shared := err == nil
	if !shared {
		logger.Warn("cannot share the session signing key through Caddy's storage; "+
			"sessions are valid on this instance only", zap.Error(err))
		key = make([]byte, sessiontoken.KeySize)
		_, _ = rand.Read(key)
	}
	sum := sha256.Sum256(key)
	poolKey := "caddymcp.signed\n" + hex.EncodeToString(sum[:8])
	v, _, err := signedPool.LoadOrNew(poolKey, func() (caddy.Destructor, error) {
		signer, err := sessiontoken.NewSigner(key)
		if err != nil {
			return nil, err
		}
		pctx, stop := context.WithCancel(context.Background())
		s := &signedSessions{signer: signer, logger: logger, stop: stop, done: make(chan struct{})}
		if !shared {
			s.revoked = sessiontoken.NewRevocations(nil, 0)
			close(s.done)
			return s, nil
		}
		s.revoked = sessiontoken.NewRevocations(st, 0)
		go func() {
			defer close(s.done)
			s.revoked.Run(pctx, sessiontoken.DefaultPollInterval, s.report)
		}()
		return s, nil
	})
	if err != nil {
		return nil, "", err
	}
	return v.(*signedSessions), poolKey, nil
}

// report logs what the revocation poller hit.
func (s *signedSessions) report(full bool, err error) {
	if err != nil {
		s.logger.Warn("reading session revocations from storage", zap.Error(err))
	}
	if full {
		s.logger.Warn("too many revoked sessions: some revocations hold on their own instance only until they expire",
			zap.Int("max", sessiontoken.DefaultMaxRevoked))
	}
}

// Destruct stops the revocation poller (caddy.Destructor).
func (s *signedSessions) Destruct() error {
	s.stop()
	<-s.done
	return nil
}

// mint returns a new session id for the negotiated protocol revision.
func (s *siteSigner) mint(protocol string, now time.Time) string {
	sess := sessiontoken.Session{Protocol: protocol, Issued: now, Expires: now.Add(signedSessionLifetime)}
	_, _ = rand.Read(sess.ID[:])
	return s.site.Mint(sess)
}

// check verifies a session id: signed for this site, unexpired, not revoked.
func (s *siteSigner) check(id string, now time.Time) (sessiontoken.Session, error) {
	sess, err := s.site.Verify(id, now)
	if err != nil {
		return sess, err
	}
	if s.revoked.Revoked(sess.ID) {
		return sess, errRevoked
	}
	return sess, nil
}

// revoke ends a session on every instance: at once here, within the poll
// interval elsewhere. Ids that do not verify are ignored.
func (s *siteSigner) revoke(ctx context.Context, id string) {
	sess, err := s.site.Verify(id, time.Now())
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), revokeTimeout)
	defer cancel()
	if err := s.revoked.Revoke(ctx, sess); err != nil {
		s.logger.Warn("session revoked on this instance only", zap.Error(err))
	}
}

// Interface guard
var _ caddy.Destructor = (*signedSessions)(nil)
