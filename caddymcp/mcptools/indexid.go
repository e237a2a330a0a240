package mcptools

import (
	"crypto/rand"
	"encoding/hex"
	"runtime"
	"strconv"
	"sync"
	"weak"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/search"
)

// Index identities let a search_docs cursor say which index it was made
// for, so a cursor used after a live refresh is noticed (its offset may
// point into a different ranking).
//
// Why not Options.IndexedAt or the pointer's address: IndexedAt is
// optional and nothing ties it to the index Options.Index returns (a
// caller may return a constant, and the two calls may straddle a swap),
// and an address can be reused once an old index is collected. Instead
// each *search.Index object gets a number, once per process, from a
// registry keyed by weak pointers: the same index keeps its id across
// servers (a Caddy config reload that keeps the corpus keeps cursors
// valid), a new index never reuses one, and the registry forgets an
// index when it is collected. The random process prefix makes cursors
// from before a restart count as "index changed", which is true: the
// index was rebuilt.
var (
	indexIDMu   sync.Mutex
	indexIDs    = make(map[weak.Pointer[search.Index]]string)
	indexIDNext uint64
	processID   = newProcessID()
)

func newProcessID() string {
	var b [4]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	return hex.EncodeToString(b[:])
}

// indexID returns the process-unique identity of ix (see above).
func indexID(ix *search.Index) string {
	wp := weak.Make(ix)
	indexIDMu.Lock()
	defer indexIDMu.Unlock()
	if id, ok := indexIDs[wp]; ok {
		return id
	}
	indexIDNext++
	id := processID + "." + strconv.FormatUint(indexIDNext, 36)
	indexIDs[wp] = id
	runtime.AddCleanup(ix, func(wp weak.Pointer[search.Index]) {
		indexIDMu.Lock()
		delete(indexIDs, wp)
		indexIDMu.Unlock()
	}, wp)
	return id
}
