package search_test

import (
	"math"
	"strings"
	"testing"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/search"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/search/evalset"
)

// TestExplainAddsUp checks, on every judged query, that an explanation
// sums to the hit's score and that its per-term field scores sum to its
// parts: the breakdown is the ranking's own arithmetic. Explain must not
// change the results either.
func TestExplainAddsUp(t *testing.T) {
	t.Parallel()
	ix := search.Build(loadHugo(t))
	set, err := evalset.Load("../../testdata/queries/judged.json")
	if err != nil {
		t.Fatal(err)
	}
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-3*math.Max(1, math.Abs(b)) }
	checked := 0
	for _, q := range append(set.Queries, evalset.Query{Q: `"page bundle" resources`}, evalset.Query{Q: "paginaton"}) {
		plain := ix.Search(search.Query{Text: q.Q, Limit: 5})
		ex := ix.Search(search.Query{Text: q.Q, Limit: 5, Explain: true})
		if len(plain.Hits) != len(ex.Hits) {
			t.Fatalf("%q: explain changed the hit count", q.Q)
		}
		for i, h := range ex.Hits {
			if h.URL != plain.Hits[i].URL || h.Score != plain.Hits[i].Score {
				t.Fatalf("%q: explain changed hit %d", q.Q, i)
			}
			e := h.Explain
			if e == nil {
				t.Fatalf("%q: hit %d has no explanation", q.Q, i)
			}
			var parts float64
			for _, p := range e.Parts {
				parts += p.Value
			}
			if !near(parts*e.Scale, h.Score) || e.Score != h.Score {
				t.Fatalf("%q hit %d: parts %v × %v != score %v\n%s", q.Q, i, parts, e.Scale, h.Score, e)
			}
			var section, page float64
			for _, ts := range e.Terms {
				for _, f := range ts.Fields {
					if f.Field == "page" {
						page += f.Score
					} else {
						section += f.Score
					}
				}
			}
			if want := section * e.Coord; e.Scale == 1 && !near(e.Parts[0].Value, want) {
				t.Fatalf("%q hit %d: section part %v, terms give %v\n%s", q.Q, i, e.Parts[0].Value, want, e)
			}
			if want := page * e.PageCoord; !near(e.Parts[2].Value, want) {
				t.Fatalf("%q hit %d: page part %v, terms give %v\n%s", q.Q, i, e.Parts[2].Value, want, e)
			}
			checked++
		}
	}
	if checked < 200 {
		t.Fatalf("only %d hits checked", checked)
	}
	e := ix.Search(search.Query{Text: "paginaton", Limit: 1, Explain: true}).Hits[0].Explain
	if s := e.String(); !strings.Contains(s, `"paginaton"`) || !strings.Contains(s, "typo") || !strings.Contains(s, "title") {
		t.Errorf("typo explanation lacks the term, its flag or a field:\n%s", s)
	}
}
