package clustertest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestEdgeAndBackends runs the edge + backends shape from examples/cluster
// once and drives it through every scenario in turn (starting four Caddy
// processes is the expensive part): both transports through the edge with
// requests spread over the backends, the TypeScript SDK, a rolling restart
// under a steady client, and a backend killed mid-session.
func TestEdgeAndBackends(t *testing.T) {
	logRuntime(t)
	c := startCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	t.Run("streamable_round_robin", func(t *testing.T) {
		log := &backendLog{}
		cl := c.connect(t, ctx, "streamable", log)
		exercise(t, ctx, cl)
		got := log.distinct(mcpPosts)
		t.Logf("streamable POSTs per backend: %v", got)
		if len(got) < 2 {
			t.Fatalf("consecutive requests of one session all landed on %v: the edge does not balance", got)
		}
		if _, ok := got[""]; ok {
			t.Fatalf("a response without X-Backend: %v", log.all())
		}
	})

	t.Run("sse_meets_its_stream", func(t *testing.T) {
		log := &backendLog{}
		cl := c.connect(t, ctx, "sse", log)
		exercise(t, ctx, cl)
		stream := log.distinct(func(e logEntry) bool { return e.method == "GET" && e.path == "/sse" })
		posts := log.distinct(mcpPosts)
		t.Logf("SSE stream on %v, its POSTs on %v", stream, posts)
		if len(stream) != 1 || len(posts) != 1 {
			t.Fatalf("stream on %v, POSTs on %v: want one backend for both", stream, posts)
		}
		for b := range stream {
			if posts[b] == 0 {
				t.Fatalf("stream on %s, POSTs on %v", b, posts)
			}
		}
		for _, e := range log.all() {
			if mcpPosts(e) && e.path != "/message/"+e.backend {
				t.Fatalf("POST %s answered by %s", e.path, e.backend)
			}
		}
	})

	t.Run("deleted_session_revoked_everywhere", func(t *testing.T) { revokedEverywhere(t, c) })

	t.Run("typescript_sdk", func(t *testing.T) { runTypeScript(t, c) })

	t.Run("rolling_restart", func(t *testing.T) { rollingRestart(t, ctx, c) })

	t.Run("backend_killed_mid_session", func(t *testing.T) {
		slog, flog := &backendLog{}, &backendLog{}
		sse := c.connect(t, ctx, "sse", slog)
		str := c.connect(t, ctx, "streamable", flog)
		exercise(t, ctx, sse)
		exercise(t, ctx, str)
		// Kill a backend that does not hold the SSE stream (losing that
		// one ends the stream: the client must reconnect, see README).
		var streamOn string
		for b := range slog.distinct(func(e logEntry) bool { return e.method == "GET" }) {
			streamOn = b
		}
		// ... and, of the others, the one that served the streamable
		// session the most.
		victim, served := -1, flog.distinct(mcpPosts)
		for i, name := range backendNames {
			if name != streamOn && (victim < 0 || served[name] > served[backendNames[victim]]) {
				victim = i
			}
		}
		c.kill(victim)
		t.Logf("killed %s (it had served %d of the session's POSTs); SSE stream on %s", backendNames[victim], served[backendNames[victim]], streamOn)
		exercise(t, ctx, str)
		exercise(t, ctx, sse)
		if served[backendNames[victim]] == 0 {
			t.Fatalf("the killed backend %s never served the streamable session: %v", backendNames[victim], served)
		}
	})
}

// rollingRestart restarts every backend in turn (graceful stop, start on
// the same port) while a client calls search in a loop over one
// streamable session; no call may fail.
func rollingRestart(t *testing.T, ctx context.Context, c *cluster) {
	log := &backendLog{}
	cl := c.connect(t, ctx, "streamable", log)
	var calls, failures atomic.Int64
	var firstErr atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			var found struct {
				Results []struct{ ID string } `json:"results"`
			}
			err := callJSON(ctx, cl, "search", map[string]any{"query": "taxonomy templates"}, &found)
			if err == nil && len(found.Results) == 0 {
				err = fmt.Errorf("no results")
			}
			calls.Add(1)
			if err != nil {
				failures.Add(1)
				firstErr.CompareAndSwap(nil, err)
			}
		}
	})
	for i, name := range backendNames {
		before := len(log.all())
		c.restart(i)
		// The next backend goes down only once this one serves again.
		eventually(t, 30*time.Second, name+" serving again after its restart", func() error {
			for _, e := range log.all()[before:] {
				if e.backend == name {
					return nil
				}
			}
			return fmt.Errorf("no answer from %s yet", name)
		})
	}
	close(stop)
	wg.Wait()
	t.Logf("rolling restart: %d calls, %d failed; per backend %v", calls.Load(), failures.Load(), log.distinct(mcpPosts))
	if f := failures.Load(); f > 0 {
		t.Fatalf("%d of %d calls failed during the rolling restart; first: %v", f, calls.Load(), firstErr.Load())
	}
	if calls.Load() < 10 {
		t.Fatalf("only %d calls during the restart: the loop was not steady", calls.Load())
	}
}
