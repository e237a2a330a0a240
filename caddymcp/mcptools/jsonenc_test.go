package mcptools

import (
	"strings"
	"testing"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/search"
)

// TestSearchResultsEncoding checks the hand-written encoder against
// encoding/json on awkward strings.
func TestSearchResultsEncoding(t *testing.T) {
	var ctl strings.Builder
	for b := range 0x20 {
		ctl.WriteByte(byte(b))
	}
	odd := []string{"", "plain", `"quoted" \back\slash/`, "<a href='x'>&amp;</a>", ctl.String() + "\x7f",
		"line\u2028sep\u2029para", "größe — ü 日本", "bad \xff\xfe utf8 \xe2\x80", "emoji 🦀 and \u2027\u202a"}
	for _, s := range odd {
		for _, r := range []SearchResults{{Results: []SearchResult{}}, {Results: []SearchResult{{ID: s, Title: "t" + s, URL: s + "u"}, {ID: "2", Title: s, URL: ""}}}} {
			want := string(marshal(r))
			got := searchResultsResult(r)
			if string(got.RawStructuredContent) != want || text(t, got) != want {
				t.Errorf("%q:\n got %s\nwant %s", s, got.RawStructuredContent, want)
			}
		}
	}
}

// TestHitURL checks the shortcut against sectionURL on every hit,
// including pages without a public URL.
func TestHitURL(t *testing.T) {
	pages := testPages()[:5]
	noURL := page("docs.example.com/docs/nourl", "No URL", "docs", "en", "v2",
		sec(0, "", "lead", "Install without a public address."), sec(2, "Linux install", "linux", "install on linux"), sec(2, "Plain", "", "install plainly"))
	noURL.URL = ""
	ix := buildIndex(append(pages, noURL))
	n := 0
	for _, q := range []string{"install", "linux install", "upstream headers", "install plainly"} {
		for _, h := range ix.Search(search.Query{Text: q, Limit: 50, NoSnippets: true}).Hits {
			n++
			if got, want := hitURL(h), sectionURL(h.Page, h.SectionIndex); got != want {
				t.Errorf("%q: hit %s#%d: hitURL %q, sectionURL %q", q, h.Page.ID, h.SectionIndex, got, want)
			}
		}
	}
	if n < 10 {
		t.Fatalf("only %d hits checked", n)
	}
}
