package mcptools

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/search"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// published is one index and its build time, as a corpus publishes them.
type published struct {
	ix *search.Index
	at time.Time
}

// straddlingSource serves an index and its build time through the two
// separate Options.Index and Options.IndexedAt functions, and swaps in the
// next index right after the n-th read of the index once armed with n:
// the "straddle a swap" race of a live refresh, made certain.
type straddlingSource struct {
	cur, next atomic.Pointer[published]
	swapAfter atomic.Int32
}

func (s *straddlingSource) index() *search.Index {
	ix := s.cur.Load().ix
	if s.swapAfter.Add(-1) == 0 {
		s.cur.Store(s.next.Load())
	}
	return ix
}

// swapped reports whether the armed swap happened.
func (s *straddlingSource) swapped() bool { return s.swapAfter.Load() <= 0 }

func (s *straddlingSource) indexedAt() time.Time { return s.cur.Load().at }

func onePage(text string) []source.Page {
	return []source.Page{page("docs.example.com/docs/p", "P", "docs", "en", "", sec(0, "", "", text))}
}

// TestOneSnapshotPerCall: a refresh between reading the index and its
// build time must not pair the old index's text with the new build time
// (issue 10). With Index/IndexedAt the reads are re-done until the index
// is stable; with Snapshot they are one read.
func TestOneSnapshotPerCall(t *testing.T) {
	old := published{buildIndex(onePage("old text")), testTime}
	newer := published{buildIndex(onePage("new text")), testTime.Add(time.Hour)}
	src := &straddlingSource{}
	src.cur.Store(&old)
	src.next.Store(&newer)
	srv, err := New(Options{Index: src.index, IndexedAt: src.indexedAt})
	if err != nil {
		t.Fatal(err)
	}
	c := startClient(t, srv, mcp.ProtocolVersion20250618)
	src.swapAfter.Store(1)
	got, _ := ok[PageText](t, c, ToolReadPage, map[string]any{"id": "docs.example.com/docs/p"})
	want := map[string]string{"old text": stamp(old.at), "new text": stamp(newer.at)}
	if got.IndexedAt != want[got.Text] {
		t.Errorf("read_page answered %q with indexed_at %s: the build time of another index", got.Text, got.IndexedAt)
	}
	if !src.swapped() {
		t.Fatal("the swap did not happen: the test proves nothing")
	}

	// docs://status and the instructions pair the page count with its time.
	small := published{buildIndex(onePage("x")), testTime}
	big := published{buildIndex(testPages()[:5]), testTime.Add(time.Hour)}
	src.cur.Store(&small)
	src.next.Store(&big)
	// The second read: the first is the not-found check before the read.
	src.swapAfter.Store(2)
	doc, raw := readStatus(t, c)
	if !src.swapped() {
		t.Fatal("the swap did not happen: the test proves nothing")
	}
	if pages := map[string]int{stamp(small.at): 1, stamp(big.at): 5}; pages[doc.IndexedAt] != doc.Pages {
		t.Errorf("status pairs %d pages with the time of another index: %s", doc.Pages, raw)
	}
}

// TestPairedReadsGivesUp: an index that never settles gets no time rather
// than a wrong one.
func TestPairedReadsGivesUp(t *testing.T) {
	var n atomic.Int64
	ixs := []*search.Index{buildIndex(onePage("a")), buildIndex(onePage("b"))}
	snap := pairedReads(func() *search.Index { return ixs[n.Add(1)%2] }, func() time.Time { return testTime })
	if ix, at := snap(); ix == nil || !at.IsZero() {
		t.Errorf("got %p %v, want an index and no time", ix, at)
	}
	snap = pairedReads(func() *search.Index { return ixs[0] }, nil)
	if ix, at := snap(); ix != ixs[0] || !at.IsZero() {
		t.Errorf("without IndexedAt: %p %v", ix, at)
	}
}
