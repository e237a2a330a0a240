// Package corpus owns a live search index built from a set of sources: it
// loads them, builds the index, and swaps in a new index atomically when the
// sources change, keeping the last good index on any failure.
package corpus

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/search"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// Options configures a Corpus.
type Options struct {
	// Specs are the sources, in priority order.
	Specs []source.Spec
	// Logger receives load/refresh logs; nil means no logs.
	Logger *zap.Logger
}

// Corpus is a set of sources and the current index over them. It is safe for
// concurrent use.
type Corpus struct {
	opts      Options
	index     atomic.Pointer[search.Index]
	indexedAt atomic.Int64 // unix nanoseconds of the current index build
}

// Open loads every source and builds the first index. It fails when no
// usable page could be loaded, naming the source and the problem.
func Open(ctx context.Context, opts Options) (*Corpus, error) {
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	c := &Corpus{opts: opts}
	start := time.Now()
	pages, err := source.Load(ctx, opts.Specs)
	if err != nil {
		return nil, err
	}
	if len(pages) == 0 {
		return nil, fmt.Errorf("sources %v: no usable pages", opts.Specs)
	}
	c.index.Store(search.Build(pages))
	c.indexedAt.Store(time.Now().UnixNano())
	opts.Logger.Info("docs index built",
		zap.Int("pages", len(pages)),
		zap.Duration("duration", time.Since(start)))
	return c, nil
}

// Index returns the current index. Callers keep using the index they got for
// the whole request; a refresh never mutates it.
func (c *Corpus) Index() *search.Index { return c.index.Load() }

// IndexedAt is when the current index was built.
func (c *Corpus) IndexedAt() time.Time { return time.Unix(0, c.indexedAt.Load()) }

// Close stops background work. The last index stays readable.
func (c *Corpus) Close() error { return nil }
