package corpus

import (
	"context"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/search"
)

// TestConcurrentSearchDuringSwaps hammers the index from several goroutines
// while the corpus swaps between two versions: every reader must see one
// whole version (40 or 60 pages, searchable), never an empty or mixed one.
func TestConcurrentSearchDuringSwaps(t *testing.T) {
	a, b := indexJSON(40, "a"), indexJSON(60, "b")
	s := newSite(t, a)
	c := openRemote(t, s, nil)

	var stop atomic.Bool
	var reads atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for range 4 {
		wg.Go(func() {
			for !stop.Load() {
				ix, at := c.Snapshot()
				n := ix.Len()
				if n != 40 && n != 60 || at.IsZero() {
					errs <- "bad index size or time"
					return
				}
				pages := ix.Pages()
				if len(pages) != n {
					errs <- "Pages() disagrees with Len()"
					return
				}
				// All pages come from one version.
				want := "a"
				if n == 60 {
					want = "b"
				}
				for _, p := range pages[:10] {
					if p.Title[len(p.Title)-1:] != want {
						errs <- "mixed versions: " + p.Title
						return
					}
				}
				res := ix.Search(search.Query{Text: "reverse proxy", Limit: 5})
				if res.Total == 0 {
					errs <- "search found nothing"
					return
				}
				reads.Add(1)
			}
		})
	}
	for i := range 12 {
		body, etag := a, `"a"`
		if i%2 == 0 {
			body, etag = b, `"b"`
		}
		s.set(body, etag)
		if _, err := c.Reindex(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	stop.Store(true)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if c.Builds() != 13 {
		t.Errorf("builds = %d, want 13", c.Builds())
	}
	t.Logf("%d concurrent reads during 12 swaps", reads.Load())
}

func TestCloseStopsWorkAndUnregisters(t *testing.T) {
	before := runtime.NumGoroutine()
	s := newSite(t, indexJSON(2, "a"))
	c := openRemote(t, s, func(o *Options) {
		o.Name = "close-test"
		o.Refresh = 5 * time.Millisecond
	})
	waitFor(t, "background refreshes", func() bool { r, _, _ := s.counts(); return r >= 3 })
	if !slices.Contains(All(), c) || len(Lookup("close-test")) != 1 {
		t.Fatal("corpus not registered")
	}
	c.Close()
	c.Close() // idempotent
	if slices.Contains(All(), c) {
		t.Fatal("corpus still registered after Close")
	}
	r1, _, _ := s.counts()
	time.Sleep(30 * time.Millisecond)
	if r2, _, _ := s.counts(); r2 != r1 {
		t.Errorf("%d refreshes after Close", r2-r1)
	}
	if _, err := c.Reindex(context.Background()); err == nil {
		t.Error("Reindex after Close succeeded")
	}
	if c.Index().Len() != 2 {
		t.Error("index not readable after Close")
	}
	// Idle HTTP connections of the test client may linger; allow them.
	s.srv.CloseClientConnections()
	waitFor(t, "goroutines to exit", func() bool { return runtime.NumGoroutine() <= before+2 })
}
