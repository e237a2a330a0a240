package search

import (
	"math"
	"testing"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// TestSearchHugeOffsetLimit: offset and limit come from clients (a crafted
// search_docs cursor carries any offset), so offset+limit must not overflow
// into a negative capacity.
func TestSearchHugeOffsetLimit(t *testing.T) {
	ix := Build(testPages())
	for _, q := range []Query{
		{Text: "server", Offset: math.MaxInt},
		{Text: "server", Offset: math.MaxInt - 5, Limit: 10},
		{Text: "server", Offset: 1, Limit: math.MaxInt},
		{Text: "server", Offset: math.MaxInt, Limit: math.MaxInt},
	} {
		res := ix.Search(q)
		if q.Offset > 10 && len(res.Hits) != 0 {
			t.Errorf("%+v: %d hits past the end", q, len(res.Hits))
		}
		if res.Total == 0 {
			t.Errorf("%+v: Total 0, want the matches counted", q)
		}
	}
	all := ix.Search(Query{Text: "server", Limit: 100})
	got := ix.Search(Query{Text: "server", Offset: 1, Limit: math.MaxInt})
	if len(got.Hits) != len(all.Hits)-1 {
		t.Fatalf("offset 1, no limit: %d hits, want %d", len(got.Hits), len(all.Hits)-1)
	}
}

// FuzzSearch checks that no query text, paging or filter panics or breaks
// the Hits/Total invariants.
func FuzzSearch(f *testing.F) {
	// Odd pages too: no sections, no title, an empty id, unicode only.
	pages := append(testPages(),
		source.Page{ID: "example.com/docs/empty", Title: "Empty page", Path: "docs/empty"},
		source.Page{},
		source.Page{ID: "u/ǅ", Title: "ǅﬁİ ß", Sections: []source.Section{{Text: "\u00e9t\u00e9 ÉTÉ İstanbul ﬁle"}, {Heading: "ǅ", Level: 7}}})
	ix := Build(pages)
	for _, s := range []string{"", " ", "\"", "\"load balancing\"", "reverse_proxy -x", "configuraton", "\x00\xff", "ǅ ﬁ İ", "a\"b\"c\"", "Foo.Bar()"} {
		f.Add(s, 0, 10, "", false)
	}
	f.Add("server", math.MaxInt, 10, "en", true)
	f.Add("empty page", 0, 1, "docs", false)
	f.Fuzz(func(t *testing.T, text string, offset, limit int, filter string, noSnippets bool) {
		res := ix.Search(Query{Text: text, Offset: offset, Limit: limit, Lang: filter, Section: filter, NoSnippets: noSnippets})
		if filter != "" {
			ix.Search(Query{Text: text, Offset: offset, Limit: limit, Lang: filter})
			ix.Search(Query{Text: text, Section: filter, Version: filter})
		}
		if len(res.Hits) > res.Total || res.Hits == nil {
			t.Fatalf("%q: %d hits, total %d", text, len(res.Hits), res.Total)
		}
		if limit > 0 && len(res.Hits) > limit {
			t.Fatalf("%q: %d hits over limit %d", text, len(res.Hits), limit)
		}
	})
}
