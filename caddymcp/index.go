package caddymcp

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/corpus"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// corpusPool shares indexes between handler instances. On a config reload
// Caddy provisions the new config before cleaning up the old one, so a
// reload that keeps the same sources finds the index here and does not
// rebuild it; the last handler using an index frees it.
var corpusPool = caddy.NewUsagePool()

// corpusBuilds counts index builds (tests use it to prove reuse).
var corpusBuilds atomic.Int64

// pooledCorpus makes a *corpus.Corpus a caddy.Destructor.
type pooledCorpus struct{ *corpus.Corpus }

// Destruct closes the corpus when its last user is gone.
func (p pooledCorpus) Destruct() error { return p.Close() }

// corpusKey is the pool key for a list of sources: their canonical string
// forms, in order (order is precedence, so it is part of the identity).
func corpusKey(specs []source.Spec) string {
	parts := make([]string, len(specs))
	for i, s := range specs {
		parts[i] = s.String()
	}
	return "caddymcp.corpus\n" + strings.Join(parts, "\n")
}

// acquireCorpus returns the shared corpus for specs, building it if no live
// config uses the same sources. The caller must release the returned key
// with corpusPool.Delete.
func acquireCorpus(ctx caddy.Context, specs []source.Spec, logger *zap.Logger) (*corpus.Corpus, string, error) {
	key := corpusKey(specs)
	val, _, err := corpusPool.LoadOrNew(key, func() (caddy.Destructor, error) {
		corpusBuilds.Add(1)
		// The corpus outlives this config when a reload keeps its sources,
		// so it must not inherit the config's context (cancelled when the
		// config is unloaded).
		c, err := corpus.Open(context.WithoutCancel(ctx), corpus.Options{Specs: specs, Logger: logger})
		if err != nil {
			return nil, err
		}
		return pooledCorpus{c}, nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("loading sources: %w", err)
	}
	return val.(pooledCorpus).Corpus, key, nil
}
