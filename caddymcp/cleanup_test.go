package caddymcp

import (
	"context"
	"testing"

	"github.com/caddyserver/caddy/v2"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/corpus"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// A handler cleaned up twice must release its shared index once: another
// config that still uses the same sources keeps its reference.
func TestCleanupTwiceReleasesOnce(t *testing.T) {
	s := newSiteDir(t)
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	defer cancel()
	opts := corpus.Options{Specs: []source.Spec{{Location: s.index}}}

	_, key, err := acquireCorpus(ctx, opts) // the other config's reference
	if err != nil {
		t.Fatal(err)
	}
	defer corpusPool.Delete(key)
	_, key2, err := acquireCorpus(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	h := &Handler{corpusKey: key2}
	for range 2 {
		if err := h.Cleanup(); err != nil {
			t.Fatal(err)
		}
	}
	if n, ok := corpusPool.References(key); !ok || n != 1 {
		t.Fatalf("references after a double Cleanup = %d (present %v), want 1", n, ok)
	}
}
