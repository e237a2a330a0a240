package caddymcp

import (
	"sync"
	"sync/atomic"
)

// eventQueue is the bounded outbound queue of a legacy SSE session: the
// responses to the client's POSTs, waiting for the stream to write them.
//
// A POST reserves room before its request is handled, so requests in
// flight count against the bound too, and a client that sends faster than
// it reads gets 429 instead of growing the queue (mcp-go's own transport
// starts a goroutine per POST that waits for room, without limit). No
// goroutine waits on the queue: the stream's handler drains it.
type eventQueue struct {
	mu       sync.Mutex
	events   [][]byte
	bytes    int
	reserved int
	closed   bool
	wake     chan struct{} // signalled when an event is queued
	// total counts the queued bytes of every session of the site, bounded
	// by maxQueuedBytesTotal, so many clients cannot add up their bounds.
	total *atomic.Int64
}

func newEventQueue(total *atomic.Int64) *eventQueue {
	return &eventQueue{wake: make(chan struct{}, 1), total: total}
}

// reserve claims room for one response; false when maxQueuedEvents are
// already queued or being produced.
func (q *eventQueue) reserve() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed || len(q.events)+q.reserved >= maxQueuedEvents {
		return false
	}
	q.reserved++
	return true
}

// release returns a reservation that produced no event (a notification or
// a response the client sent).
func (q *eventQueue) release() {
	q.mu.Lock()
	q.reserved--
	q.mu.Unlock()
}

// push queues ev in place of a reservation. It reports false, queuing
// nothing, when ev would take the queue past maxQueuedBytes: the client is
// not reading, and the caller ends the session. A lone event larger than
// the bound is accepted (results are bounded on their own), even past the
// site-wide bound, so every session can make progress.
func (q *eventQueue) push(ev []byte) bool {
	n := len(ev)
	q.mu.Lock()
	q.reserved--
	ok := !q.closed && (q.bytes == 0 || q.bytes+n <= maxQueuedBytes)
	if ok && q.total.Add(int64(n)) > maxQueuedBytesTotal && q.bytes > 0 {
		q.total.Add(-int64(n))
		ok = false
	}
	if ok {
		q.events = append(q.events, ev)
		q.bytes += n
	}
	q.mu.Unlock()
	if ok {
		select {
		case q.wake <- struct{}{}:
		default:
		}
	}
	return ok
}

// pop removes and returns the oldest event, or nil. Its bytes stay
// counted until sent is called, so an event being written still counts.
func (q *eventQueue) pop() []byte {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.events) == 0 {
		return nil
	}
	ev := q.events[0]
	q.events[0] = nil
	q.events = q.events[1:]
	return ev
}

// sent releases the bytes of an event pop returned.
func (q *eventQueue) sent(ev []byte) {
	q.mu.Lock()
	q.bytes -= len(ev)
	q.total.Add(-int64(len(ev)))
	q.mu.Unlock()
}

// close drops what is queued and refuses further events.
func (q *eventQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.events = nil
	q.total.Add(-int64(q.bytes))
	q.bytes = 0
	q.mu.Unlock()
}
