package sessiontoken

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/caddyserver/certmagic"
)

// KeyName is the storage key of the signing key. It lives next to the
// certificates in whatever storage module Caddy is configured with.
const KeyName = "mcp/sessions/signing.key"

// LoadOrCreateKey returns the signing key stored under name, creating it
// the first time. Creation happens under the storage's lock, so instances
// that start at the same moment agree on one key: the first one to take
// the lock writes it, the others find it once they get the lock.
func LoadOrCreateKey(ctx context.Context, st certmagic.Storage, name string) ([]byte, error) {
	if key, err := loadKey(ctx, st, name); !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if err := st.Lock(ctx, name); err != nil {
		return nil, fmt.Errorf("locking %s: %w", name, err)
	}
	defer st.Unlock(context.WithoutCancel(ctx), name)
	key, err := loadKey(ctx, st, name)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err // another instance created it while we waited
	}
	key = make([]byte, KeySize)
	_, _ = rand.Read(key) // crypto/rand.Read never fails (Go ≥ 1.24)
	if err := st.Store(ctx, name, []byte(hex.EncodeToString(key)+"\n")); err != nil {
		return nil, fmt.Errorf("storing %s: %w", name, err)
	}
	return key, nil
}

// loadKey reads a hex-encoded key. A malformed one is an error, never
// replaced: replacing it would end every session of the cluster.
func loadKey(ctx context.Context, st certmagic.Storage, name string) ([]byte, error) {
	b, err := st.Load(ctx, name)
	if err != nil {
		return nil, err
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) != KeySize {
		return nil, fmt.Errorf("storage key %s does not hold a %d-byte hex key; delete it to make a new one (this ends every open session)", name, KeySize)
	}
	return key, nil
}
