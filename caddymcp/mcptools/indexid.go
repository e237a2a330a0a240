package mcptools

import (
	"encoding/base64"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/search"
)

// Index identities let a search_docs cursor say which index it was made
// for, so a cursor used after a live refresh is noticed (its offset may
// point into a different ranking).
//
// The identity is a digest of the index's pages (everything that decides
// ranking and answers, in index order; search.Index.ContentDigest), not of
// the process or the moment it was built: instances behind a load
// balancer that index the same sources agree on it, so a cursor from one
// is valid on another, and when they briefly disagree after a refresh the
// cursor is flagged (index_changed) rather than silently misread. A
// restart over unchanged sources keeps cursors valid too.
//
// Why not Options.IndexedAt or the pointer's address: IndexedAt is
// optional and nothing ties it to the index Options.Index returns, and an
// address differs between processes.
//
// The digest reads every page's text. It used to be computed here, on the
// first request for each index (and by provisioning, which renders the
// instructions), which put a pass over all the text on the path to the
// first answer after a restart; the index now computes it when it is
// built and keeps it in the index cache, so here it is only encoded.
func indexID(ix *search.Index) string {
	d := ix.ContentDigest()
	// 96 bits: cursors stay short, and a collision needs two different
	// corpora served at once by one cluster.
	return base64.RawURLEncoding.EncodeToString(d[:12])
}
