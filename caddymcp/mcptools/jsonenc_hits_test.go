package mcptools

import (
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/search"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// searchResultsOf is how the `search` answer was built before
// searchHitsResult: strings per hit, then the hand-written encoder.
func searchResultsOf(hits []search.Hit) SearchResults {
	out := SearchResults{Results: make([]SearchResult, 0, len(hits))}
	for _, h := range hits {
		out.Results = append(out.Results, SearchResult{ID: sectionID(h.Page, h.SectionIndex), Title: hitTitle(h), URL: hitURL(h)})
	}
	return out
}

// TestSearchHitsResult: the answer encoded straight from the hits is byte
// for byte the previous encoding (and so encoding/json's, by
// TestSearchResultsEncoding), text item and structuredContent alike, on
// hits with strings that need escaping, non-ASCII, HTML characters,
// invalid UTF-8 split across id and anchor, headings that repeat the
// title in other case or spacing, and pages without a public URL.
func TestSearchHitsResult(t *testing.T) {
	var ctl strings.Builder
	for b := range 0x20 {
		ctl.WriteByte(byte(b))
	}
	odd := []string{"", "plain", `"quoted" \back\slash/`, "<a href='x'>&amp;</a>", ctl.String() + "\x7f",
		"line\u2028sep\u2029para", "größe — ü 日本", "bad \xff\xfe utf8 \xe2\x80", "\x80\x80 cont", "emoji 🦀 and \u2027\u202a",
		strings.Repeat("long title ", 40), strings.Repeat("é", 250), "# Title", "  title  ", "TITLE", "Title\tWith  Space", "\u00a0Title"}
	var hits []search.Hit
	for i, s := range odd {
		for _, title := range []string{s, "Title", ""} {
			p := &source.Page{ID: "docs.example.com/" + s, Title: title, URL: "https://docs.example.com/" + s, Path: "p/" + s,
				Sections: []source.Section{{Text: "lead"}, {Heading: s, Anchor: s, Level: 2}, {Heading: title, Anchor: "", Level: 2},
					{Heading: "# " + strings.ToUpper(title), Anchor: "x" + s, Level: 3}}}
			if i%3 == 0 {
				p.URL = "" // the docs:// URI stands in
			}
			for si := range len(p.Sections) + 1 {
				heading := ""
				if si < len(p.Sections) {
					heading = p.Sections[si].Heading
				}
				for _, url := range []string{"", p.SectionURL(si)} {
					hits = append(hits, search.Hit{Page: p, SectionIndex: si, Heading: heading, URL: url})
				}
			}
		}
	}
	for _, hs := range [][]search.Hit{nil, hits[:1], hits} {
		want := searchResultsResult(searchResultsOf(hs))
		got := searchHitsResult(hs)
		if string(got.RawStructuredContent) != string(want.RawStructuredContent) || text(t, got) != text(t, want) {
			t.Fatalf("%d hits:\n got %s\nwant %s", len(hs), got.RawStructuredContent, want.RawStructuredContent)
		}
	}
	for _, h := range hits {
		want := searchResultsResult(searchResultsOf([]search.Hit{h}))
		if got := searchHitsResult([]search.Hit{h}); string(got.RawStructuredContent) != string(want.RawStructuredContent) {
			t.Errorf("hit %q#%d:\n got %s\nwant %s", h.Page.ID, h.SectionIndex, got.RawStructuredContent, want.RawStructuredContent)
		}
	}
}

// TestSameHeading: the allocation-free comparison is normHeading's.
func TestSameHeading(t *testing.T) {
	words := []string{"", " ", "#", "# ", "##\t", "a", "A", "ab", "a b", "a  b", "a\tb", "A B ", " a\nb", "a\vb\f", "#a", "# a#",
		"Install", "install", "INSTALL ", "Install Widgets", "install  widgets", "# Install widgets", "é", "É", "a\u00a0b", "a\u0085b", "\xffa"}
	for _, a := range words {
		for _, b := range words {
			if got, want := sameHeading(a, b), normHeading(a) == normHeading(b); got != want {
				t.Errorf("sameHeading(%q, %q) = %v, normHeading says %v", a, b, got, want)
			}
		}
	}
}

// BenchmarkSearchHitsResult: encoding a 10-hit answer from the hits, and
// the previous way (strings, structs, encoder, copy for the text item).
func BenchmarkSearchHitsResult(b *testing.B) {
	ix := buildIndex(testPages())
	hits := ix.Search(search.Query{Text: "install", Limit: 10, NoSnippets: true}).Hits
	if len(hits) == 0 {
		b.Fatal("no hits")
	}
	b.Run("hits", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = searchHitsResult(hits)
		}
	})
	b.Run("previous", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = searchResultsResult(searchResultsOf(hits))
		}
	})
}

// The previous encoding of the `search` answer, kept as the reference
// searchHitsResult is held to: results built as strings (hitTitle below,
// sectionID, hitURL), appended by appendJSON (itself held to
// encoding/json by TestSearchResultsEncoding), and copied for the text item.

// appendJSON encodes r; the bytes are exactly what marshal produces
// (TestSearchResultsEncoding).
func (r SearchResults) appendJSON(dst []byte) []byte {
	dst = append(dst, `{"results":[`...)
	for i, h := range r.Results {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"id":`...)
		dst = appendJSONString(dst, h.ID)
		dst = append(dst, `,"title":`...)
		dst = appendJSONString(dst, h.Title)
		dst = append(dst, `,"url":`...)
		dst = appendJSONString(dst, h.URL)
		dst = append(dst, '}')
	}
	return append(dst, "]}"...)
}

// searchResultsResult is jsonResult for a SearchResults.
func searchResultsResult(r SearchResults) *mcp.CallToolResult {
	n := 16
	for _, h := range r.Results {
		n += len(h.ID) + len(h.Title) + len(h.URL) + 32
	}
	raw := r.appendJSON(make([]byte, 0, n))
	return &mcp.CallToolResult{
		Content:              []mcp.Content{mcp.NewTextContent(string(raw))},
		RawStructuredContent: raw,
	}
}

// hitTitle is "Page title — Heading" for a section hit, just the title
// when the heading repeats it.
func hitTitle(h search.Hit) string {
	title, heading := h.Page.Title, ""
	if title == "" {
		title = h.Page.ID
	}
	if h.SectionIndex > 0 {
		heading = h.Heading
	}
	return withHeading(title, heading)
}
