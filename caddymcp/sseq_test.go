package caddymcp

import (
	"sync/atomic"
	"testing"
)

// TestEventQueueBounds: a session's queue holds at most maxQueuedEvents
// responses (queued or in flight) and maxQueuedBytes, the site at most
// maxQueuedBytesTotal; an event being written still counts.
func TestEventQueueBounds(t *testing.T) {
	var total atomic.Int64
	q := newEventQueue(&total)
	for i := range maxQueuedEvents {
		if !q.reserve() {
			t.Fatalf("reservation %d refused", i)
		}
	}
	if q.reserve() {
		t.Fatal("reservation past maxQueuedEvents accepted")
	}
	big := make([]byte, maxQueuedBytes/2+1)
	if !q.push(big) {
		t.Fatal("first event refused")
	}
	if q.push(big) {
		t.Fatal("event past maxQueuedBytes accepted")
	}
	ev := q.pop()
	if !q.reserve() || q.push(big) {
		t.Fatal("an event being written no longer counts")
	}
	q.sent(ev)
	if !q.reserve() || !q.push(big) {
		t.Fatal("room not given back once the event was written")
	}
	q.close()
	if total.Load() != 0 {
		t.Fatalf("site total %d after close, want 0", total.Load())
	}

	// Site-wide: many sessions cannot add up their bounds.
	total.Store(maxQueuedBytesTotal - 10)
	q = newEventQueue(&total)
	q.reserve()
	q.reserve()
	if !q.push(make([]byte, 100)) {
		t.Fatal("a session's first event must always be queued")
	}
	if q.push(make([]byte, 100)) {
		t.Fatal("event past the site-wide bound accepted")
	}
}
