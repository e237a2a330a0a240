package sessiontoken

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/certmagic"
)

// instances returns n storages over one directory, as n Caddy processes
// with the same file_system storage would have.
func instances(t *testing.T, n int) []certmagic.Storage {
	dir := t.TempDir()
	out := make([]certmagic.Storage, n)
	for i := range out {
		out[i] = &certmagic.FileStorage{Path: dir}
	}
	return out
}

// TestKeyAgreedUnderRace: instances starting at once end up with one key.
func TestKeyAgreedUnderRace(t *testing.T) {
	sts := instances(t, 8)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	keys := make([][]byte, len(sts))
	var wg sync.WaitGroup
	for i, st := range sts {
		wg.Go(func() {
			k, err := LoadOrCreateKey(ctx, st, KeyName)
			if err != nil {
				t.Error(err)
			}
			keys[i] = k
		})
	}
	wg.Wait()
	for i, k := range keys {
		if len(k) != KeySize || !bytes.Equal(k, keys[0]) {
			t.Fatalf("instance %d has key %x, instance 0 has %x", i, k, keys[0])
		}
	}
	// A restart loads the same key.
	again, err := LoadOrCreateKey(ctx, sts[0], KeyName)
	if err != nil || !bytes.Equal(again, keys[0]) {
		t.Fatalf("reload: %x %v", again, err)
	}
}

// TestCorruptKeyIsNotReplaced: a damaged key is an error, not silently
// replaced (which would end every session of the cluster).
func TestCorruptKeyIsNotReplaced(t *testing.T) {
	st := instances(t, 1)[0]
	ctx := context.Background()
	if err := st.Store(ctx, KeyName, []byte("not hex")); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateKey(ctx, st, KeyName); err == nil || !strings.Contains(err.Error(), "delete it") {
		t.Fatalf("err = %v, want a clear error", err)
	}
	if b, _ := st.Load(ctx, KeyName); string(b) != "not hex" {
		t.Fatalf("the stored key was overwritten: %q", b)
	}
}

// TestRevocationReachesOtherInstances: a session revoked on A is refused
// by B after B's next poll; records and entries go when the token expires.
func TestRevocationReachesOtherInstances(t *testing.T) {
	sts := instances(t, 2)
	ctx := context.Background()
	a, b := NewRevocations(sts[0], 0), NewRevocations(sts[1], 0)
	now := time.Now()
	sess := testSession()
	sess.Expires = now.Add(time.Minute)
	if err := a.Revoke(ctx, sess); err != nil {
		t.Fatal(err)
	}
	if !a.Revoked(sess.ID) {
		t.Fatal("not revoked on the instance that revoked it")
	}
	if b.Revoked(sess.ID) {
		t.Fatal("B knew before polling")
	}
	if _, err := b.Poll(ctx, now); err != nil {
		t.Fatal(err)
	}
	if !b.Revoked(sess.ID) {
		t.Fatal("B does not refuse the session after a poll")
	}
	// After expiry the token is refused by Verify anyway: entries and
	// records are dropped.
	later := sess.Expires.Add(time.Second)
	for _, r := range []*Revocations{a, b} {
		if _, err := r.Poll(ctx, later); err != nil {
			t.Fatal(err)
		}
		if r.Len() != 0 {
			t.Fatalf("%d entries left after expiry", r.Len())
		}
	}
	if keys, _ := sts[0].List(ctx, RevokedPrefix, false); len(keys) != 0 {
		t.Fatalf("records left after expiry: %v", keys)
	}
}

// TestRevocationsBounded: a flood of revocations (initialize + DELETE in a
// loop) holds at most max entries in memory and about max records in
// storage; the overflow stays local and is reported.
func TestRevocationsBounded(t *testing.T) {
	const max = 50
	sts := instances(t, 2)
	ctx := context.Background()
	a, b := NewRevocations(sts[0], max), NewRevocations(sts[1], max)
	var errs int
	var last Session
	for i := range 3 * max {
		last = testSession()
		last.Expires = time.Now().Add(time.Duration(i+1) * time.Minute)
		if err := a.Revoke(ctx, last); err != nil {
			errs++
		}
	}
	if a.Len() != max || errs != 2*max {
		t.Fatalf("entries = %d, unshared = %d; want %d and %d", a.Len(), errs, max, 2*max)
	}
	if !a.Revoked(last.ID) {
		t.Fatal("the newest revocation was dropped; the soonest-expiring should go")
	}
	keys, _ := sts[0].List(ctx, RevokedPrefix, false)
	if len(keys) != max {
		t.Fatalf("%d records in storage, want %d", len(keys), max)
	}
	full, err := a.Poll(ctx, time.Now())
	if err != nil || !full {
		t.Fatalf("Poll = %v, %v; want the bound reported", full, err)
	}
	if _, err := b.Poll(ctx, time.Now()); err != nil || b.Len() != max {
		t.Fatalf("B holds %d (%v), want %d", b.Len(), err, max)
	}
}

// TestRunPollsUntilCancelled: Run adopts records on its own and returns
// when its context ends.
func TestRunPollsUntilCancelled(t *testing.T) {
	sts := instances(t, 2)
	a, b := NewRevocations(sts[0], 0), NewRevocations(sts[1], 0)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { b.Run(ctx, 10*time.Millisecond, nil); close(done) }()
	sess := testSession()
	sess.Expires = time.Now().Add(time.Minute)
	if err := a.Revoke(context.Background(), sess); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !b.Revoked(sess.ID) {
		if time.Now().After(deadline) {
			t.Fatal("Run never adopted the revocation")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}
