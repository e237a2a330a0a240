package mcptools

import (
	"fmt"
	"strings"
	"testing"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

func TestSearchDocs(t *testing.T) {
	e := newEnv(t, nil, "")
	r, txt := ok[DocsResults](t, e.c, ToolSearchDocs, map[string]any{"query": "upstream addresses"})
	if r.Total < 1 || r.Fuzzy || len(r.Results) == 0 {
		t.Fatalf("results %+v", r)
	}
	h := r.Results[0]
	if h.Rank != 1 || h.ID != "docs.example.com/docs/reverse_proxy#upstream-addresses" || h.PageID != "docs.example.com/docs/reverse_proxy" ||
		h.URL != "https://docs.example.com/docs/reverse_proxy/#upstream-addresses" || h.Heading != "Upstream addresses" ||
		h.Title != "reverse_proxy directive" || h.LastMod != "2026-03-04T05:06:07Z" || h.Snippet == "" {
		t.Errorf("top hit %+v", h)
	}
	for _, want := range []string{"1. reverse_proxy directive — Upstream addresses", h.URL, "id: " + h.ID, "read_page"} {
		if !strings.Contains(txt, want) {
			t.Errorf("text lacks %q:\n%s", want, txt)
		}
	}
	if strings.Contains(txt, "fuzzy") {
		t.Errorf("exact search says fuzzy:\n%s", txt)
	}

	// Filters.
	r, _ = ok[DocsResults](t, e.c, ToolSearchDocs, map[string]any{"query": "server", "lang": "de"})
	if r.Total != 1 || r.Results[0].PageID != "docs.example.com/de/docs/install" || r.Results[0].Lang != "de" {
		t.Errorf("lang=de: %+v", r)
	}
	r, _ = ok[DocsResults](t, e.c, ToolSearchDocs, map[string]any{"query": "install", "version": "V1"})
	if r.Total != 1 || r.Results[0].PageID != "docs.example.com/docs/v1/install" {
		t.Errorf("version=V1 (case-insensitive): %+v", r)
	}
	r, _ = ok[DocsResults](t, e.c, ToolSearchDocs, map[string]any{"query": "install", "section": "blog"})
	if r.Total != 1 || r.Results[0].PageID != "docs.example.com/blog/release" {
		t.Errorf("section=blog: %+v", r)
	}

	// No results is an answer, not an error.
	r, txt = ok[DocsResults](t, e.c, ToolSearchDocs, map[string]any{"query": "zzzqqqxxx"})
	if r.Total != 0 || len(r.Results) != 0 || !strings.Contains(txt, "No results") {
		t.Errorf("no-hit answer %+v %q", r, txt)
	}
}

func TestSearchDocsFuzzy(t *testing.T) {
	e := newEnv(t, nil, "")
	r, txt := ok[DocsResults](t, e.c, ToolSearchDocs, map[string]any{"query": "upstrem"})
	if !r.Fuzzy || r.Total == 0 || r.Results[0].PageID != "docs.example.com/docs/reverse_proxy" {
		t.Fatalf("fuzzy search: %+v", r)
	}
	if !strings.Contains(txt, "typo-tolerant (fuzzy)") {
		t.Errorf("text does not say fuzzy:\n%s", txt)
	}
}

// TestSearchDocsPaging walks every page of results through cursors and
// checks nothing is skipped or repeated.
func TestSearchDocsPaging(t *testing.T) {
	var pages []source.Page
	for i := range 23 {
		pages = append(pages, page(fmt.Sprintf("docs.example.com/docs/p%02d", i), fmt.Sprintf("Widget page %d", i), "docs", "en", "",
			sec(0, "", "", fmt.Sprintf("widget number %d is described here", i))))
	}
	e := newEnv(t, pages, "")
	seen := map[string]bool{}
	args := map[string]any{"query": "widget", "limit": 5}
	calls := 0
	for {
		r, txt := ok[DocsResults](t, e.c, ToolSearchDocs, args)
		calls++
		if r.Total != 23 {
			t.Fatalf("total %d", r.Total)
		}
		for i, h := range r.Results {
			if seen[h.PageID] {
				t.Errorf("%s repeated", h.PageID)
			}
			seen[h.PageID] = true
			if h.Rank != r.Offset+i+1 {
				t.Errorf("rank %d at offset %d+%d", h.Rank, r.Offset, i)
			}
		}
		if r.NextCursor == "" {
			if strings.Contains(txt, "cursor") {
				t.Errorf("last page mentions a cursor:\n%s", txt)
			}
			break
		}
		if !strings.Contains(txt, r.NextCursor) {
			t.Errorf("text lacks the next cursor")
		}
		args = map[string]any{"query": "widget", "limit": 5, "cursor": r.NextCursor}
		if calls > 10 {
			t.Fatal("paging does not end")
		}
	}
	if len(seen) != 23 || calls != 5 {
		t.Errorf("saw %d pages in %d calls, want 23 in 5", len(seen), calls)
	}

	// A cursor only works with its own query and filters.
	r, _ := ok[DocsResults](t, e.c, ToolSearchDocs, map[string]any{"query": "widget", "limit": 5})
	fails(t, e.c, ToolSearchDocs, map[string]any{"query": "number", "cursor": r.NextCursor}, "another search", `"widget"`)
	fails(t, e.c, ToolSearchDocs, map[string]any{"query": "widget", "cursor": r.NextCursor, "lang": "en"}, "another search")
	fails(t, e.c, ToolSearchDocs, map[string]any{"query": "widget", "cursor": "not-a-cursor!"}, "not a cursor this server issued")
	fails(t, e.c, ToolSearchDocs, map[string]any{"query": "widget", "cursor": cursor{V: 1, Q: "widget", O: -3}.encode()}, "not a cursor")
	fails(t, e.c, ToolSearchDocs, map[string]any{"query": "widget", "cursor": 12}, "cursor")
}

func TestSearchDocsBadArguments(t *testing.T) {
	e := newEnv(t, nil, "")
	cases := []struct {
		args map[string]any
		want []string
	}{
		{map[string]any{}, []string{"`query` must be a non-empty string"}},
		{map[string]any{"query": ""}, []string{"non-empty"}},
		{map[string]any{"query": []any{"a"}}, []string{"non-empty"}},
		{map[string]any{"query": strings.Repeat("x", maxQueryLen+1)}, []string{"too long"}},
		{map[string]any{"query": "x", "limit": 0}, []string{"`limit` must be an integer from 1 to 50"}},
		{map[string]any{"query": "x", "limit": 51}, []string{"from 1 to 50"}},
		{map[string]any{"query": "x", "limit": -1}, []string{"from 1 to 50"}},
		{map[string]any{"query": "x", "limit": 2.5}, []string{"from 1 to 50"}},
		{map[string]any{"query": "x", "limit": "ten"}, []string{"from 1 to 50"}},
		{map[string]any{"query": "x", "lang": "xx"}, []string{"unknown lang \"xx\"", "de, en"}},
		{map[string]any{"query": "x", "section": "nope"}, []string{"unknown section", "blog, docs"}},
		{map[string]any{"query": "x", "version": "v9"}, []string{"unknown version", "v1, v2"}},
		{map[string]any{"query": "x", "section": 3}, []string{"`section` must be a string"}},
		{map[string]any{"query": "x", "q": "y"}, []string{"unknown argument(s) q", "Valid arguments: query"}},
	}
	for _, c := range cases {
		fails(t, e.c, ToolSearchDocs, c.args, c.want...)
	}
	// Numbers sent as strings are accepted (some models quote them).
	r, _ := ok[DocsResults](t, e.c, ToolSearchDocs, map[string]any{"query": "install", "limit": "1"})
	if len(r.Results) != 1 {
		t.Errorf("limit \"1\": %d results", len(r.Results))
	}
}

func TestSearchDocsNoVersionsIndex(t *testing.T) {
	pages := []source.Page{page("docs.example.com/a", "A", "docs", "en", "", sec(0, "", "", "alpha"))}
	e := newEnv(t, pages, "")
	fails(t, e.c, ToolSearchDocs, map[string]any{"query": "alpha", "version": "v1"}, "no version values", "Leave `version` out")
}

func TestSearchDocsLimitCapsSize(t *testing.T) {
	var pages []source.Page
	long := strings.Repeat("lorem ipsum gadget dolor ", 400)
	for i := range 60 {
		id := fmt.Sprintf("docs.example.com/docs/%s/g%02d", strings.Repeat("very-long-path", 25), i)
		pages = append(pages, page(id, strings.Repeat("Gadget title ", 40), "docs", "en", "",
			sec(0, "", "", long), sec(2, strings.Repeat("Gadget heading ", 40), "h", long)))
	}
	e := newEnv(t, pages, "")
	r, _ := ok[DocsResults](t, e.c, ToolSearchDocs, map[string]any{"query": "gadget", "limit": 50})
	if r.Total != 60 || len(r.Results) == 0 || len(r.Results) == 50 {
		t.Fatalf("total %d, %d results", r.Total, len(r.Results))
	}
	// Fewer than 50 fitted; the cursor continues right after them.
	c, okc := decodeCursor(r.NextCursor)
	if !okc || c.O != len(r.Results) {
		t.Errorf("%d results, next cursor %+v", len(r.Results), c)
	}
	t.Logf("search_docs limit=50 with long titles: %d results served", len(r.Results))
}
