package evalset

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/search"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

func TestEvaluate(t *testing.T) {
	var pages []source.Page
	for _, w := range []string{"alpha", "beta", "gamma"} {
		pages = append(pages, source.Page{ID: "x.test/" + w, URL: "https://x.test/" + w + "/", Title: w,
			Sections: []source.Section{{Text: w + " text"}}})
	}
	ix := search.Build(pages)
	set := &Set{Queries: []Query{
		{Q: "alpha", Relevant: []string{"https://x.test/alpha"}, Kind: "keyword"}, // rank 1 (slash-insensitive)
		{Q: "beta text", Relevant: []string{"https://x.test/beta/"}, Kind: "keyword"},
		{Q: "zzzz", Relevant: []string{"https://x.test/gamma/"}, Kind: "typo"}, // not found
	}}
	rep := Evaluate(ix, set)
	if rep.All.N != 3 || rep.ByKind["keyword"].N != 2 || rep.ByKind["typo"].MRR != 0 {
		t.Fatalf("report %+v", rep)
	}
	if rep.ByKind["keyword"].Recall1 != 1 || math.Abs(rep.All.Recall3-2.0/3) > 1e-9 {
		t.Fatalf("metrics %+v", rep.All)
	}
	if len(rep.Misses) != 1 || rep.Misses[0].Rank != 0 {
		t.Fatalf("misses %+v", rep.Misses)
	}
	md := rep.Markdown("t")
	if !strings.Contains(md, "| t | keyword | 2 | 1.000 | 1.000 | 1.000 | 1.000 |") || !strings.Contains(md, "**all**") {
		t.Fatalf("markdown:\n%s", md)
	}
	if f := set.Filter("https://x.test/g"); len(f.Queries) != 1 {
		t.Fatalf("filter: %+v", f.Queries)
	}
}

func TestLoad(t *testing.T) {
	p := filepath.Join(t.TempDir(), "q.json")
	os.WriteFile(p, []byte(`{"corpus":["c"],"queries":[{"q":"a","relevant":["u"],"kind":"keyword"}]}`), 0o644)
	s, err := Load(p)
	if err != nil || len(s.Queries) != 1 || s.Corpus[0] != "c" {
		t.Fatalf("%v %+v", err, s)
	}
	os.WriteFile(p, []byte(`{`), 0o644)
	if _, err := Load(p); err == nil {
		t.Fatal("bad JSON accepted")
	}
	// The committed sets must load.
	for _, f := range []string{"../../../testdata/queries/judged.json", "../../../testdata/queries/dev.json",
		"../../../testdata/queries/questions-tune.json", "../../../testdata/queries/questions-test.json"} {
		if s, err := Load(f); err != nil || len(s.Queries) < 25 {
			t.Fatalf("%s: %v", f, err)
		}
	}
}
