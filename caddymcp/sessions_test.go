package caddymcp

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestSessionTableEviction: at the cap, the victim is an idle session,
// never one with a request in flight or used within evictGrace; sessions
// that never sent a second request go first; the victim's stream is closed
// and its id no longer resolves.
func TestSessionTableEviction(t *testing.T) {
	tbl := newSessionTable(sessionLimits{idle: time.Hour, unused: time.Minute, max: 3, perClient: 3, evictGrace: time.Second}, nil)
	defer tbl.Destruct()
	t0 := time.Now()
	open := func(client string, at time.Time) (*session, error) { return tbl.open(kindStreamable, client, "", at) }

	used, _ := open("a", t0)
	used.touch(t0)
	unused, _ := open("b", t0.Add(time.Millisecond)) // newer, but never used
	busy, _ := open("c", t0)
	busy.inflight.Add(1)
	streamClosed := false
	unused.attachStream(func() { streamClosed = true })

	if _, err := open("d", t0.Add(500*time.Millisecond)); !errors.Is(err, errTableFull) {
		t.Fatalf("every session used within evictGrace: %v, want errTableFull", err)
	}
	later := t0.Add(2 * time.Second)
	if _, err := open("d", later); err != nil {
		t.Fatal(err)
	}
	if _, err := tbl.resolve(unused.id, later); err == nil || !streamClosed {
		t.Fatalf("victim: resolve err %v, stream closed %v; want the unused session evicted", err, streamClosed)
	}
	if _, err := open("e", later); err != nil {
		t.Fatal(err)
	}
	if _, err := tbl.resolve(used.id, later); err == nil {
		t.Fatal("second victim should be the idle used session")
	}
	if _, err := tbl.resolve(busy.id, later); err != nil {
		t.Fatalf("session with a request in flight evicted: %v", err)
	}
}

// TestSessionTableExpiry: sessions that never sent a second request expire
// after the short TTL, used ones after the idle timeout; one in flight
// never does; a sweep ends the expired sessions' streams.
func TestSessionTableExpiry(t *testing.T) {
	tbl := newSessionTable(sessionLimits{idle: time.Hour, unused: time.Minute}, nil)
	defer tbl.Destruct()
	t0 := time.Now()
	unused, _ := tbl.open(kindStreamable, "a", "", t0)
	used, _ := tbl.open(kindStreamable, "a", "", t0)
	used.touch(t0)
	busy, _ := tbl.open(kindStreamable, "a", "", t0)
	busy.inflight.Add(1)
	ctx, cancel := context.WithCancel(context.Background())
	unused.attachStream(cancel)

	tbl.sweep(t0.Add(2 * time.Minute))
	if ctx.Err() == nil {
		t.Fatal("stream of the expired unused session still open")
	}
	if _, err := tbl.resolve(unused.id, t0.Add(2*time.Minute)); err == nil {
		t.Fatal("unused session alive after 2m")
	}
	if _, err := tbl.resolve(used.id, t0.Add(2*time.Minute)); err != nil {
		t.Fatalf("used session expired after 2m of a 1h timeout: %v", err)
	}
	if _, err := tbl.resolve(used.id, t0.Add(2*time.Hour)); err == nil {
		t.Fatal("used session alive after 2h")
	}
	if _, err := tbl.resolve(busy.id, t0.Add(2*time.Hour)); err != nil {
		t.Fatalf("session with a request in flight expired: %v", err)
	}
}
