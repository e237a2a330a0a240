package mcptools

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/search"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// widgetPages returns n pages that all match "widget", named from first.
func widgetPages(first, n int) []source.Page {
	var pages []source.Page
	for i := first; i < first+n; i++ {
		pages = append(pages, page(fmt.Sprintf("docs.example.com/docs/w%03d", i), fmt.Sprintf("Widget page %d", i), "docs", "en", "",
			sec(0, "", "", fmt.Sprintf("widget number %d is described here", i))))
	}
	return pages
}

// TestSearchDocsCursorAfterRefresh gets a cursor on one index, swaps in
// another and uses it: the answer is for the same offset of the new index,
// flagged in text and structuredContent; the next cursor belongs to the new
// index and is not flagged.
func TestSearchDocsCursorAfterRefresh(t *testing.T) {
	e := newEnv(t, widgetPages(0, 12), "")
	first, _ := ok[DocsResults](t, e.c, ToolSearchDocs, map[string]any{"query": "widget", "limit": 5})
	if first.NextCursor == "" || first.IndexChanged || first.Note != "" {
		t.Fatalf("first page %+v", first)
	}
	// Same index: no warning.
	same := call(t, e.c, ToolSearchDocs, map[string]any{"query": "widget", "limit": 5, "cursor": first.NextCursor})
	if txt := text(t, same); same.IsError || strings.Contains(txt, "refreshed") || strings.Contains(string(same.RawStructuredContent), "index_changed") {
		t.Fatalf("same index flagged: %s %s", txt, same.RawStructuredContent)
	}

	e.ix.Store(search.Build(widgetPages(100, 30))) // a live refresh
	args := map[string]any{"query": "widget", "limit": 5, "cursor": first.NextCursor}
	for range 2 { // the second answer comes from the result cache
		r, txt := ok[DocsResults](t, e.c, ToolSearchDocs, args)
		if !r.IndexChanged || r.Note != indexChangedNote || r.Total != 30 || r.Offset != 5 || len(r.Results) != 5 || r.Results[0].Rank != 6 {
			t.Fatalf("after refresh: %+v", r)
		}
		if !strings.HasPrefix(txt, "Note: "+indexChangedNote) || !strings.Contains(txt, "showing 6–10") {
			t.Errorf("text does not warn first:\n%s", txt)
		}
		for _, h := range r.Results {
			if !strings.Contains(h.PageID, "/w1") {
				t.Errorf("hit %s is not from the new index", h.PageID)
			}
		}
		next, _ := decodeCursor(r.NextCursor)
		if next.V != cursorVersion || next.O != 10 || next.I != indexID(e.ix.Load()) {
			t.Errorf("next cursor %+v is not for the new index", next)
		}
		// The next page is plain again.
		n, txt := ok[DocsResults](t, e.c, ToolSearchDocs, map[string]any{"query": "widget", "limit": 5, "cursor": r.NextCursor})
		if n.IndexChanged || n.Note != "" || n.Offset != 10 || strings.Contains(txt, "refreshed") {
			t.Errorf("page after the flagged one: %+v", n)
		}
	}
	// A first page (no cursor) is never flagged.
	if r, _ := ok[DocsResults](t, e.c, ToolSearchDocs, map[string]any{"query": "widget", "limit": 5}); r.IndexChanged {
		t.Errorf("first page flagged: %+v", r)
	}

	// Past the end of a smaller new index: still an answer, with the note.
	e.ix.Store(search.Build(widgetPages(200, 3)))
	r, txt := ok[DocsResults](t, e.c, ToolSearchDocs, args)
	if !r.IndexChanged || r.Total != 3 || len(r.Results) != 0 || !strings.Contains(txt, indexChangedNote) || !strings.Contains(txt, "past the end") {
		t.Errorf("past the end after refresh: %+v\n%s", r, txt)
	}
	// A cursor for another query is still refused, refresh or not.
	fails(t, e.c, ToolSearchDocs, map[string]any{"query": "number", "cursor": first.NextCursor}, "another search")
}

// TestSearchDocsCursorFormats pins which cursors are accepted: version 1
// (no index identity, from before it existed) is answered with the warning,
// malformed version 2 and unknown versions are refused.
func TestSearchDocsCursorFormats(t *testing.T) {
	e := newEnv(t, widgetPages(0, 12), "")
	r, _ := ok[DocsResults](t, e.c, ToolSearchDocs, map[string]any{"query": "widget", "limit": 5,
		"cursor": cursor{V: 1, Q: "widget", O: 5}.encode()})
	if !r.IndexChanged || r.Offset != 5 || len(r.Results) != 5 {
		t.Errorf("v1 cursor: %+v", r)
	}
	raw := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, c := range []string{
		cursor{V: 2, Q: "widget", O: 5}.encode(),            // v2 without index
		cursor{V: 1, I: "x.1", Q: "widget", O: 5}.encode(),  // v1 with index
		cursor{V: 3, I: "x.1", Q: "widget", O: 5}.encode(),  // unknown version
		cursor{V: 2, I: "x.1", Q: "widget", O: -1}.encode(), // negative offset
		raw(`{"v":2,"i":"x.1","q":"widget","o":"5"}`),       // wrong type
	} {
		fails(t, e.c, ToolSearchDocs, map[string]any{"query": "widget", "cursor": c}, "not a cursor this server issued")
	}
}

// TestSearchDocsCursorAcrossServers: a server rebuilt over the same index
// (a Caddy config reload keeping the corpus) accepts the old server's
// cursors without a warning, since the index object is the same.
func TestSearchDocsCursorAcrossServers(t *testing.T) {
	e := newEnv(t, widgetPages(0, 12), "")
	first, _ := ok[DocsResults](t, e.c, ToolSearchDocs, map[string]any{"query": "widget", "limit": 5})
	srv, err := New(Options{Index: e.ix.Load})
	if err != nil {
		t.Fatal(err)
	}
	c2 := startClient(t, srv, "")
	r, _ := ok[DocsResults](t, c2, ToolSearchDocs, map[string]any{"query": "widget", "limit": 5, "cursor": first.NextCursor})
	if r.IndexChanged || r.Offset != 5 {
		t.Errorf("other server, same index: %+v", r)
	}
}

// TestSearchDocsCursorAcrossInstances: two servers that each built their
// own index from the same pages (two instances behind a load balancer)
// accept each other's cursors without a warning; an instance that already
// has a refreshed index flags the cursor (index_changed).
func TestSearchDocsCursorAcrossInstances(t *testing.T) {
	a, b := newEnv(t, widgetPages(0, 12), ""), newEnv(t, widgetPages(0, 12), "")
	if a.ix.Load() == b.ix.Load() {
		t.Fatal("the two instances share one index object; the test needs two")
	}
	first, _ := ok[DocsResults](t, a.c, ToolSearchDocs, map[string]any{"query": "widget", "limit": 5})
	next := map[string]any{"query": "widget", "limit": 5, "cursor": first.NextCursor}
	onA, _ := ok[DocsResults](t, a.c, ToolSearchDocs, next)
	onB, _ := ok[DocsResults](t, b.c, ToolSearchDocs, next)
	if onB.IndexChanged || onB.Offset != 5 || !reflect.DeepEqual(onA.Results, onB.Results) || onA.NextCursor != onB.NextCursor {
		t.Errorf("page 2 differs between instances with the same pages:\nA %+v\nB %+v", onA, onB)
	}
	b.ix.Store(search.Build(widgetPages(0, 13))) // b refreshed first
	if r, _ := ok[DocsResults](t, b.c, ToolSearchDocs, map[string]any{"query": "widget", "limit": 5, "cursor": first.NextCursor}); !r.IndexChanged {
		t.Errorf("other instance after a refresh: not flagged: %+v", r)
	}
}

// TestIndexID checks identities are content digests: two indexes built
// from the same pages (two instances behind a load balancer, or a restart)
// share one, other pages get another, and the value does not depend on the
// process (pinned: it changes only if the digest's definition does). The
// registry forgets collected indexes (no leak over many refreshes).
func TestIndexID(t *testing.T) {
	a, b := search.Build(widgetPages(0, 2)), search.Build(widgetPages(0, 2))
	ia, ib := indexID(a), indexID(b)
	if ia != ib || indexID(a) != ia {
		t.Fatalf("same pages, ids %q %q", ia, ib)
	}
	if ic := indexID(search.Build(widgetPages(1, 2))); ic == ia {
		t.Fatalf("other pages, same id %q", ic)
	}
	edited := widgetPages(0, 2)
	edited[1].Sections[0].Text += "!"
	if ie := indexID(search.Build(edited)); ie == ia {
		t.Fatalf("edited text, same id %q", ie)
	}
	if pinned := "lpMyXmtDFU7vLZAI"; ia != pinned {
		t.Errorf("id of widgetPages(0, 2) = %q, pinned %q: the identity must not depend on the process", ia, pinned)
	}
	// A restart restores the index from the index cache: same pages, same
	// identity (the digest is persisted with the index, not recomputed).
	var buf bytes.Buffer
	if _, err := a.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	restored, err := search.ReadIndex(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if ir := indexID(restored); ir != ia {
		t.Errorf("restored index: id %q, want %q", ir, ia)
	}
	var c cursor
	if err := json.Unmarshal(marshal(cursor{V: cursorVersion, I: ia, Q: "q", O: 1}), &c); err != nil || c.I != ia {
		t.Errorf("cursor round trip %+v %v", c, err)
	}
}

// TestSearchDocsCraftedCursorHugeOffset: a cursor is client-controlled
// base64 JSON, so its offset can be anything >= 0. The largest one must get
// the ordinary "past the end" answer, not a recovered panic.
func TestSearchDocsCraftedCursorHugeOffset(t *testing.T) {
	e := newEnv(t, widgetPages(0, 12), "")
	c := cursor{V: cursorVersion, I: indexID(e.ix.Load()), Q: "widget", O: int(^uint(0) >> 1)}
	r, txt := ok[DocsResults](t, e.c, ToolSearchDocs, map[string]any{"query": "widget", "limit": 50, "cursor": c.encode()})
	if r.Total != 12 || len(r.Results) != 0 || r.NextCursor != "" || !strings.Contains(txt, "past the end") {
		t.Fatalf("huge offset: %+v\n%s", r, txt)
	}
}
