package mcptools

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/loader"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/search"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
	"github.com/caddy-mcp/caddy-mcp/internal/e2ebench"
)

// TestDumpAnswers writes, for a large fixed query set over the Hugo docs,
// every search answer in full (engine hits with exact scores, snippets and
// explanations, and the bytes of the search and search_docs tool answers)
// to the file named by CADDYMCP_ANSWERS_OUT. Run it on two commits and
// compare the files (cmp) to prove a performance change left every answer
// byte-identical. It is a tool, not a golden test: scores are float32
// arithmetic, which the compiler may fuse (FMA) differently on other
// architectures, so a committed hash would not be portable.
//
//	CADDYMCP_ANSWERS_OUT=/tmp/a.jsonl go test -run TestDumpAnswers ./caddymcp/mcptools/
func TestDumpAnswers(t *testing.T) {
	out := os.Getenv("CADDYMCP_ANSWERS_OUT")
	if out == "" {
		t.Skip("set CADDYMCP_ANSWERS_OUT to write the answers")
	}
	const corpus = "../../testdata/hugo/index.json"
	pages, err := loader.Load(t.Context(), []source.Spec{{Location: corpus, BaseURL: "https://gohugo.io/"}})
	if err != nil {
		t.Fatal(err)
	}
	queries := dumpQueries(t, corpus)
	e := newEnv(t, pages, "")
	ix := e.ix.Load()

	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	defer w.Flush()
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	type hit struct {
		Page, Heading, URL, Snippet string
		Section                     int
		Score                       float64
		Explain                     *search.Explanation `json:",omitempty"`
	}
	type answer struct {
		Variant   string
		Total     int
		Fuzzy     bool
		Corrected map[string]string
		Hits      []hit
	}
	engine := func(variant string, q search.Query) answer {
		r := ix.Search(q)
		a := answer{Variant: variant, Total: r.Total, Fuzzy: r.Fuzzy, Corrected: r.Corrected}
		for _, h := range r.Hits {
			a.Hits = append(a.Hits, hit{h.Page.ID, h.Heading, h.URL, h.Snippet, h.SectionIndex, h.Score, h.Explain})
		}
		return a
	}
	for i, q := range queries {
		var rec []any
		rec = append(rec, q,
			engine("default", search.Query{Text: q}),
			engine("nosnippets", search.Query{Text: q, Limit: 10, NoSnippets: true}),
			engine("page2", search.Query{Text: q, Limit: 7, Offset: 7}),
		)
		if i%4 == 0 { // explain doubles the scoring work: a quarter of the queries
			rec = append(rec, engine("explain50", search.Query{Text: q, Limit: 50, Explain: true}))
		}
		if i%8 == 0 {
			rec = append(rec, engine("lang", search.Query{Text: q, Lang: "en"}), engine("section", search.Query{Text: q, Section: "functions"}))
		}
		for _, tool := range []string{ToolSearch, ToolSearchDocs} {
			r := call(t, e.c, tool, map[string]any{"query": q})
			rec = append(rec, tool, r.IsError, r.Content, string(r.RawStructuredContent))
		}
		if err := enc.Encode(rec); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d queries written to %s", len(queries), out)
}

// dumpQueries is every query of testdata/queries, the e2e repeated mix,
// the e2e unique mix's first 2,000 and BenchmarkCall's miss queries.
func dumpQueries(t *testing.T, corpus string) []string {
	var qs []string
	files, _ := filepath.Glob("../../testdata/queries/*.json")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var set struct {
			Queries []struct {
				Q string `json:"q"`
			} `json:"queries"`
		}
		if err := json.Unmarshal(b, &set); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, q := range set.Queries {
			qs = append(qs, q.Q)
		}
	}
	qs = append(qs, e2ebench.DefaultQueries...)
	uniq, err := e2ebench.UniqueQueries(corpus)
	if err != nil {
		t.Fatal(err)
	}
	qs = append(qs, uniq[:2000]...)
	words := []string{"front matter dates", "shortcode templates", "image processing", "taxonomy terms", "menus", "render hooks", "page bundles", "hugo server"}
	for i := range 100 {
		qs = append(qs, fmt.Sprintf("%s %d", words[i%len(words)], i))
	}
	// Phrases, identifiers, non-ASCII and long questions.
	qs = append(qs, `"page bundle"`, `"front matter" cascade`, `“leaf bundle”`, ".Page.RelPermalink", "lb_policy",
		"ＭＥＮＵ café naïve 日本語", "how do I make sure that the reverse proxy keeps the original host header and the client address",
		"revrese proxxy heaedrs templtes shortcdoe taxonmy paginaton", `"to a" "in the"`, `"zzqx unknownword"`)
	return qs
}
