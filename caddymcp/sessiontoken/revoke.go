package sessiontoken

import (
	"context"
	"encoding/hex"
	"errors"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/caddyserver/certmagic"
)

// RevokedPrefix is the storage folder of revocation records. A record's
// key is "<expires unix>-<hex id>" and its value is empty: one List call
// tells an instance every revoked session and when its record may go.
const RevokedPrefix = "mcp/sessions/revoked"

// Defaults of Revocations.
const (
	// DefaultPollInterval is how often instances read the revocation
	// records: a session DELETEd on one instance is refused by every other
	// one within this time (plus one storage List).
	DefaultPollInterval = 5 * time.Second
	// DefaultMaxRevoked bounds the revocations held in memory, and the
	// records in storage (give or take the writes of one poll interval by
	// other instances). Past it, a revocation holds on the instance that
	// received it only, and the soonest-expiring entry makes room.
	DefaultMaxRevoked = 65536
	// maxDeletesPerPoll bounds the storage work one poll spends removing
	// expired records; the rest go at the next poll.
	maxDeletesPerPoll = 1000
)

// Revocations is the cluster-wide set of revoked sessions: each revocation
// is recorded locally at once and written to storage, and every instance
// polls storage for the others' records. Entries (and records) expire with
// the token they name, so the set is bounded by the sessions revoked within
// one token lifetime, and by Max.
type Revocations struct {
	st  certmagic.Storage
	max int

	mu      sync.RWMutex
	expires map[ID]int64 // id -> token expiry, Unix seconds
	stored  int          // unexpired records in storage: at the last poll, plus ours since
	full    bool         // Max was reached since the last poll (for logging)
}

// NewRevocations returns an empty set backed by st, bounded by max entries
// (DefaultMaxRevoked when max <= 0). A nil st keeps revocations local.
func NewRevocations(st certmagic.Storage, max int) *Revocations {
	if max <= 0 {
		max = DefaultMaxRevoked
	}
	return &Revocations{st: st, max: max, expires: make(map[ID]int64)}
}

// Revoked reports whether the session with this id was revoked.
func (r *Revocations) Revoked(id ID) bool {
	r.mu.RLock()
	_, ok := r.expires[id]
	r.mu.RUnlock()
	return ok
}

// Len is the number of revocations held.
func (r *Revocations) Len() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.expires)
}

// Revoke revokes sess here at once and, room permitting, records it in
// storage for the other instances. An error means the record was not
// written: the session is revoked on this instance only.
func (r *Revocations) Revoke(ctx context.Context, sess Session) error {
	exp := sess.Expires.Unix()
	r.mu.Lock()
	_, had := r.expires[sess.ID]
	if !had {
		r.makeRoomLocked()
		r.expires[sess.ID] = exp
	}
	share := !had && r.stored < r.max
	if share {
		r.stored++
	} else if !had {
		r.full = true
	}
	r.mu.Unlock()
	if had {
		return nil
	}
	if !share {
		return errors.New("too many revoked sessions: revoked on this instance only")
	}
	if r.st == nil {
		return nil
	}
	return r.st.Store(ctx, recordKey(sess.ID, exp), nil)
}

// makeRoomLocked drops the soonest-expiring entry when the set is full.
func (r *Revocations) makeRoomLocked() {
	if len(r.expires) < r.max {
		return
	}
	var victim ID
	first := int64(-1)
	for id, exp := range r.expires {
		if first < 0 || exp < first {
			victim, first = id, exp
		}
	}
	delete(r.expires, victim)
	r.full = true
}

// Poll reads every revocation record in storage, adopts those it did not
// know, forgets expired entries, and deletes expired records (any instance
// may delete any record: they are all the same to everyone). It reports
// whether the bound was hit since the last poll.
func (r *Revocations) Poll(ctx context.Context, now time.Time) (full bool, err error) {
	var keys []string
	if r.st != nil {
		keys, err = r.st.List(ctx, RevokedPrefix, false)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return false, err
		}
	}
	cutoff := now.Unix()
	var stale []string
	live := 0
	r.mu.Lock()
	for id, exp := range r.expires {
		if exp <= cutoff {
			delete(r.expires, id)
		}
	}
	for _, k := range keys {
		id, exp, ok := parseRecordKey(path.Base(k))
		switch {
		case !ok:
			continue // not ours; leave it alone
		case exp <= cutoff:
			stale = append(stale, k)
		default:
			live++
			if _, known := r.expires[id]; !known {
				r.makeRoomLocked()
				r.expires[id] = exp
			}
		}
	}
	r.stored = live
	full, r.full = r.full, false
	r.mu.Unlock()
	for i, k := range stale {
		if i == maxDeletesPerPoll || ctx.Err() != nil {
			break
		}
		_ = r.st.Delete(ctx, k) // best effort: another instance may race us
	}
	return full, nil
}

// Run polls every interval until ctx ends, reporting poll errors and hits
// of the bound to report (which may be nil).
func (r *Revocations) Run(ctx context.Context, interval time.Duration, report func(full bool, err error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		full, err := r.Poll(ctx, time.Now())
		if report != nil && (full || err != nil) {
			report(full, err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func recordKey(id ID, exp int64) string {
	return RevokedPrefix + "/" + strconv.FormatInt(exp, 10) + "-" + hex.EncodeToString(id[:])
}

func parseRecordKey(name string) (ID, int64, bool) {
	var id ID
	expStr, idHex, ok := strings.Cut(name, "-")
	if !ok || hex.DecodedLen(len(idHex)) != len(id) {
		return id, 0, false
	}
	exp, err := strconv.ParseInt(expStr, 10, 64)
	if err != nil {
		return id, 0, false
	}
	if _, err := hex.Decode(id[:], []byte(idHex)); err != nil {
		return id, 0, false
	}
	return id, exp, true
}
