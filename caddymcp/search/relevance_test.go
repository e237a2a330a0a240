package search_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/search"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/search/evalset"
)

// TestRelevanceHugo is the ranking regression test: the Hugo queries of the
// dev and judged sets against the Hugo docs in testdata. The thresholds sit
// a little under the measured values (see BENCHMARKS.md); a ranking change
// that drops below them has made search worse.
func TestRelevanceHugo(t *testing.T) {
	ix := search.Build(loadHugo(t))
	cases := []struct {
		file          string
		minR3, minMRR float64
		minQueries    int
	}{
		{"../../testdata/queries/dev.json", 0.90, 0.90, 10},
		{"../../testdata/queries/judged.json", 0.94, 0.92, 40},
		// The tuning half of the question set (users' words); the test
		// half is for reporting only and is not read by tests.
		{"../../testdata/queries/questions-tune.json", 0.52, 0.44, 30},
	}
	for _, c := range cases {
		set, err := evalset.Load(c.file)
		if err != nil {
			t.Fatal(err)
		}
		set = set.Filter("https://gohugo.io/")
		if len(set.Queries) < c.minQueries {
			t.Fatalf("%s: only %d Hugo queries", c.file, len(set.Queries))
		}
		rep := evalset.Evaluate(ix, set)
		t.Logf("%s: %d queries, recall@1 %.3f, recall@3 %.3f, MRR %.3f", c.file, rep.All.N, rep.All.Recall1, rep.All.Recall3, rep.All.MRR)
		if rep.All.Recall3 < c.minR3 || rep.All.MRR < c.minMRR {
			for _, m := range rep.Misses {
				t.Logf("miss: %q rank %d, want %v, got %v", m.Query.Q, m.Rank, m.Query.Relevant, m.Top)
			}
			t.Errorf("%s: recall@3 %.3f (min %.2f), MRR %.3f (min %.2f)", c.file, rep.All.Recall3, c.minR3, rep.All.MRR, c.minMRR)
		}
	}
}

// TestResultsIndependentOfHistory runs the judged queries forwards, then
// backwards and concurrently on one index: pooled per-query state that
// leaked from one query into the next would change some result.
func TestResultsIndependentOfHistory(t *testing.T) {
	ix := search.Build(loadHugo(t))
	set, err := evalset.Load("../../testdata/queries/judged.json")
	if err != nil {
		t.Fatal(err)
	}
	qs := set.Queries
	key := func(r search.Result) string {
		s := fmt.Sprint(r.Total)
		for _, h := range r.Hits {
			s += fmt.Sprintf(" %s %.4f %q", h.URL, h.Score, h.Snippet)
		}
		return s
	}
	want := make([]string, len(qs))
	for i, q := range qs {
		want[i] = key(ix.Search(search.Query{Text: q.Q, Limit: 5}))
	}
	for i := len(qs) - 1; i >= 0; i-- {
		if got := key(ix.Search(search.Query{Text: qs[i].Q, Limit: 5})); got != want[i] {
			t.Fatalf("%q: result depends on the previous queries:\n%s\n%s", qs[i].Q, got, want[i])
		}
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for k := range qs {
				i := (k*7 + g) % len(qs)
				if got := key(ix.Search(search.Query{Text: qs[i].Q, Limit: 5})); got != want[i] {
					t.Errorf("%q: concurrent result differs", qs[i].Q)
					return
				}
			}
		}(g)
	}
	wg.Wait()
}
