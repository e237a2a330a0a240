package search_test

import (
	"os"
	"testing"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/loader"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/search"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
	"github.com/caddy-mcp/caddy-mcp/internal/e2ebench"
)

// hugoIndex is the redistributable test corpus (Hugo docs, Apache-2.0).
const hugoIndex = "../../testdata/hugo/index.json"

func loadHugo(tb testing.TB) []source.Page {
	tb.Helper()
	f, err := os.Open(hugoIndex)
	if err != nil {
		tb.Skipf("test corpus missing: %v", err)
	}
	defer f.Close()
	pages, err := loader.ParseIndexJSON(f, source.Spec{Kind: source.KindIndexJSON, Location: hugoIndex})
	if err != nil {
		tb.Fatal(err)
	}
	return pages
}

func BenchmarkBuild(b *testing.B) {
	pages := loadHugo(b)
	b.ReportAllocs()
	for b.Loop() {
		search.Build(pages)
	}
}

// benchQueries mixes kinds: keywords, a question, identifiers, a phrase and
// a typo.
var benchQueries = []string{
	"related content", "how do I add a table of contents to a page", ".Page.RelPermalink",
	"disableKinds", "\"page bundle\"", "taxonomy templates", "image processing resize",
	"paginaton", "hugo server --baseURL", "front matter cascade",
}

func BenchmarkSearch(b *testing.B) {
	ix := search.Build(loadHugo(b))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		ix.Search(search.Query{Text: benchQueries[i%len(benchQueries)]})
		i++
	}
}

func BenchmarkSearchParallel(b *testing.B) {
	ix := search.Build(loadHugo(b))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			ix.Search(search.Query{Text: benchQueries[i%len(benchQueries)]})
			i++
		}
	})
}

// BenchmarkSearchUnique is the engine's part of a result-cache miss as the
// e2e throughput bench sends it: the `search` tool's query (10 hits, no
// snippets) over the e2e unique mix, never the same query twice in a row.
// The snippets variant is search_docs's.
func BenchmarkSearchUnique(b *testing.B) {
	ix := search.Build(loadHugo(b))
	qs, err := e2ebench.UniqueQueries(hugoIndex)
	if err != nil {
		b.Fatal(err)
	}
	qs = qs[:4096]
	for _, snippets := range []bool{false, true} {
		name := "nosnippets"
		if snippets {
			name = "snippets"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				ix.Search(search.Query{Text: qs[i%len(qs)], Limit: 10, NoSnippets: !snippets})
				i++
			}
		})
	}
}
