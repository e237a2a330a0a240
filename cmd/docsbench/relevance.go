package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/loader"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/search"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/search/evalset"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

func init() {
	suites["relevance"] = suite{order: 2, desc: "recall@1/@3/@10 and MRR per query kind on the dev, judged and question sets", run: runRelevance}
}

// loadRealDocs loads the two real corpora (Caddy + Hugo index.json) the
// query sets were judged on.
func loadRealDocs(e *env) ([]source.Page, error) {
	var specs []source.Spec
	for _, f := range []string{"caddy-docs.index.json", "hugo-docs.index.json"} {
		specs = append(specs, source.Spec{Kind: source.KindIndexJSON, Location: filepath.Join(e.shared, f)})
	}
	return loader.Load(context.Background(), specs)
}

func runRelevance(e *env) error {
	pages, err := loadRealDocs(e)
	if err != nil {
		return err
	}
	ix := search.Build(pages)
	if e.query != "" {
		res := ix.Search(search.Query{Text: e.query, Limit: 10, Explain: e.verbose})
		fmt.Printf("%d hits (fuzzy=%v)\n", res.Total, res.Fuzzy)
		for i, h := range res.Hits {
			fmt.Printf("%2d %7.3f %s\n   %s\n", i+1, h.Score, h.URL, h.Snippet)
			if h.Explain != nil {
				fmt.Print(h.Explain)
			}
		}
		return nil
	}
	fmt.Printf("## Relevance (Caddy + Hugo docs, %d pages)\n\n", ix.Len())
	fmt.Print(evalset.MarkdownHeader)
	q := filepath.Join(e.root, "testdata", "queries")
	sets := []struct{ name, path string }{
		{"dev", filepath.Join(e.shared, "queries-dev.json")},
		{"judged", e.judged},
		// Tune on questions-tune only; report questions-test (testdata/queries/README.md).
		{"questions-tune", filepath.Join(q, "questions-tune.json")},
		{"questions-test", filepath.Join(q, "questions-test.json")},
	}
	var misses []string
	for _, s := range sets {
		if !e.wantSet(s.name) {
			continue
		}
		set, err := evalset.Load(s.path)
		if os.IsNotExist(err) && s.name != "dev" {
			continue
		}
		if err != nil {
			return err
		}
		rep := evalset.Evaluate(ix, set)
		fmt.Print(rep.Markdown(s.name))
		if strings.HasPrefix(s.name, "questions-") {
			// The question sets also report per corpus.
			for _, c := range []struct{ name, prefix string }{{"caddy", "https://caddyserver.com/"}, {"hugo", "https://gohugo.io/"}} {
				fmt.Print(evalset.Evaluate(ix, set.Filter(c.prefix)).Markdown(s.name + " " + c.name))
			}
		}
		for _, m := range rep.Misses {
			top := m.Top
			if len(top) > 3 {
				top = top[:3]
			}
			misses = append(misses, fmt.Sprintf("- %s [%s] %q rank %d; want %v; top %v", s.name, m.Query.Kind, m.Query.Q, m.Rank, m.Query.Relevant, top))
		}
	}
	fmt.Println()
	if e.verbose {
		for _, m := range misses {
			fmt.Println(m)
		}
		fmt.Println()
	}
	return nil
}

// wantSet reports whether the -sets flag (empty: all) names the set.
func (e *env) wantSet(name string) bool {
	return e.sets == "" || strings.Contains(","+e.sets+",", ","+name+",")
}
