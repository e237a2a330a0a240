package mcptools

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"hash"
	"runtime"
	"sync"
	"weak"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/search"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// Index identities let a search_docs cursor say which index it was made
// for, so a cursor used after a live refresh is noticed (its offset may
// point into a different ranking).
//
// The identity is a digest of the index's pages (everything that decides
// ranking and answers, in index order), not of the process or the moment
// it was built: instances behind a load balancer that index the same
// sources agree on it, so a cursor from one is valid on another, and when
// they briefly disagree after a refresh the cursor is flagged
// (index_changed) rather than silently misread. A restart over unchanged
// sources keeps cursors valid too.
//
// Why not Options.IndexedAt or the pointer's address: IndexedAt is
// optional and nothing ties it to the index Options.Index returns, and an
// address differs between processes. The digest costs one pass over the
// text, so it is computed once per *search.Index object and kept in a
// registry keyed by weak pointers, which forgets an index when it is
// collected.
//
// That pass reads every page's text (13 MB at 10k pages, 120 MB at 100k),
// and provisioning (which renders the instructions) and the first request
// would otherwise pay it before answering: at start-up with a cached index
// it is on the path to the first search. So the digest is computed on its own
// goroutine as soon as an index is first seen, and only what needs the
// identity (search_docs cursors) waits for it; every other tool answers
// at once.
var (
	indexIDMu sync.Mutex
	indexIDs  = make(map[weak.Pointer[search.Index]]*identity)
)

// identity is the digest of one index, being computed until done is
// closed; id is written once, before the close.
type identity struct {
	done chan struct{}
	id   string
}

// wait returns the identity, waiting for its computation.
func (e *identity) wait() string {
	<-e.done
	return e.id
}

// digestHook, when set (tests), runs on the digest's goroutine before the
// digest is computed, so a test can hold the computation and observe what
// happens meanwhile.
var digestHook func(*search.Index)

// startIndexID returns the identity of ix, starting its computation on a
// goroutine when ix was not seen before. Concurrent callers share one
// computation.
func startIndexID(ix *search.Index) *identity {
	wp := weak.Make(ix)
	indexIDMu.Lock()
	defer indexIDMu.Unlock()
	if e, ok := indexIDs[wp]; ok {
		return e
	}
	e := &identity{done: make(chan struct{})}
	indexIDs[wp] = e
	runtime.AddCleanup(ix, func(wp weak.Pointer[search.Index]) {
		indexIDMu.Lock()
		delete(indexIDs, wp)
		indexIDMu.Unlock()
	}, wp)
	hook := digestHook
	go func() {
		// ix stays reachable until the digest is done: the cleanup
		// cannot run before and remove an entry someone waits on.
		if hook != nil {
			hook(ix)
		}
		e.id = contentDigest(ix.Pages())
		close(e.done)
	}()
	return e
}

// indexID returns the content identity of ix (see above), waiting for it.
func indexID(ix *search.Index) string { return startIndexID(ix).wait() }

// contentDigest hashes every field of the pages that can change a search
// answer, length-prefixed so that no two page lists hash alike by
// shifting bytes between fields. Source (a config string, which may name
// a local path that differs between machines) is left out.
func contentDigest(pages []*source.Page) string {
	h := sha256.New()
	var n [binary.MaxVarintLen64]byte
	num := func(v int64) { h.Write(n[:binary.PutVarint(n[:], v)]) }
	str := func(s string) { num(int64(len(s))); writeString(h, s) }
	num(int64(len(pages)))
	for _, p := range pages {
		for _, s := range []string{p.ID, p.Title, p.URL, p.Path, p.Summary, p.Section, p.Lang, p.Version} {
			str(s)
		}
		num(int64(len(p.Tags)))
		for _, t := range p.Tags {
			str(t)
		}
		num(p.LastMod.Unix())
		num(int64(p.LastMod.Nanosecond()))
		num(int64(len(p.Sections)))
		for _, s := range p.Sections {
			str(s.Heading)
			str(s.Anchor)
			num(int64(s.Level))
			str(s.Text)
		}
	}
	// 96 bits: cursors stay short, and a collision needs two different
	// corpora served at once by one cluster.
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:12])
}

// writeString feeds s to h without copying it to a new []byte.
func writeString(h hash.Hash, s string) {
	if sw, ok := h.(interface{ WriteString(string) (int, error) }); ok {
		sw.WriteString(s)
		return
	}
	h.Write([]byte(s))
}
