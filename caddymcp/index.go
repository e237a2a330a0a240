package caddymcp

import (
	"fmt"
	"strings"

	"github.com/caddyserver/caddy/v2"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/corpus"
)

// corpusPool shares indexes between handler instances. On a config reload
// Caddy provisions the new config before cleaning up the old one, so a
// reload that keeps the same sources finds the index here and does not
// rebuild it; the last handler using an index frees it.
var corpusPool = caddy.NewUsagePool()

// pooledCorpus makes a *corpus.Corpus a caddy.Destructor.
type pooledCorpus struct{ *corpus.Corpus }

// Destruct closes the corpus when its last user is gone.
func (p pooledCorpus) Destruct() error { return p.Close() }

// corpusKey is the pool key for a corpus: the canonical string forms of its
// sources, in order (order is precedence, so it is part of the identity),
// and the settings that change how it is kept up to date, fetched or
// stored (a reload that only moves index_cache must write the new folder). Tests
// observe reuse on the pool entry itself (its references and corpus).
func corpusKey(opts corpus.Options) string {
	parts := make([]string, len(opts.Specs))
	for i, s := range opts.Specs {
		parts[i] = s.Key()
	}
	return fmt.Sprintf("caddymcp.corpus\n%s\nrefresh=%s watch=%s reload=%s fetch_timeout=%s max_source_size=%d index_cache=%q",
		strings.Join(parts, "\n"), opts.Refresh, opts.Watch, max(opts.Reload, 0), opts.RequestTimeout, opts.MaxSourceBytes, opts.IndexCache)
}

// acquireCorpus returns the shared corpus for specs, building it if no live
// config uses the same sources. The caller must release the returned key
// with corpusPool.Delete.
func acquireCorpus(ctx caddy.Context, opts corpus.Options) (*corpus.Corpus, string, error) {
	key := corpusKey(opts)
	val, _, err := corpusPool.LoadOrNew(key, func() (caddy.Destructor, error) {
		// ctx bounds the initial load only (the corpus runs its background
		// refresh on its own context, as it may outlive this config).
		c, err := corpus.Open(ctx, opts)
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
