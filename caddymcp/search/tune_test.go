package search

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/loader"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// TestTune sweeps one ranking knob at a time over the dev and judged sets
// on the real Caddy + Hugo docs and prints MRR / recall@3 per value. It is
// a tool for humans, not a check: it runs only with SEARCH_TUNE=<shared
// corpora dir>, e.g.
//
//	SEARCH_TUNE=../../../shared/corpora go test -run TestTune -v ./caddymcp/search/
func TestTune(t *testing.T) {
	dir := os.Getenv("SEARCH_TUNE")
	if dir == "" {
		t.Skip("set SEARCH_TUNE to the shared corpora folder to run")
	}
	var pages []source.Page
	for _, f := range []string{"caddy-docs.index.json", "hugo-docs.index.json"} {
		fh, err := os.Open(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		ps, err := loader.ParseIndexJSON(fh, source.Spec{Location: f})
		fh.Close()
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, ps...)
	}
	type query struct {
		Q        string   `json:"q"`
		Relevant []string `json:"relevant"`
		Kind     string   `json:"kind"`
	}
	var qs []query
	// Only the tuning half of the question set: questions-test.json is for reporting.
	for _, f := range []string{filepath.Join(dir, "queries-dev.json"), "../../testdata/queries/judged.json", "../../testdata/queries/questions-tune.json"} {
		var set struct{ Queries []query }
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, &set); err != nil {
			t.Fatal(err)
		}
		qs = append(qs, set.Queries...)
	}
	params := defaultTuning
	eval := func() (mrr, r3 float64) {
		ix := buildTuned(pages, params)
		for _, q := range qs {
			res := ix.Search(Query{Text: q.Q, Limit: 10})
			for i, h := range res.Hits {
				rel := false
				for _, r := range q.Relevant {
					rel = rel || r == h.Page.URL
				}
				if rel {
					mrr += 1 / float64(i+1)
					if i < 3 {
						r3++
					}
					break
				}
			}
		}
		n := float64(len(qs))
		return mrr / n, r3 / n
	}
	knobs := map[string]*float32{
		"k1": &params.k1, "bBody": &params.bBody, "bHead": &params.bHead, "bTitle": &params.bTitle, "bPage": &params.bPage,
		"headWeight": &params.headWeight, "titleWeight": &params.titleWeight, "stopWeight": &params.stopWeight,
		"pieceWeight": &params.pieceWeight, "fuzzyWeight": &params.fuzzyWeight, "coordBase": &params.coordBase,
		"pageSpread": &params.pageSpread, "secondRatio": &params.secondRatio, "pageWeight": &params.pageWeight,
	}
	only := os.Getenv("SEARCH_TUNE_KNOBS")
	m, r := eval()
	fmt.Printf("base: MRR %.3f R@3 %.3f\n", m, r)
	for name, p := range knobs {
		if only != "" && !strings.Contains(","+only+",", ","+name+",") {
			continue
		}
		orig := *p
		var line []string
		for _, f := range []float32{0, 0.25, 0.5, 0.75, 1.5, 2, 3} {
			*p = orig * f
			if orig == 0 {
				*p = f
			}
			m, r := eval()
			line = append(line, fmt.Sprintf("%.2f→%.3f/%.3f", *p, m, r))
		}
		*p = orig
		fmt.Printf("%-12s %s\n", name, strings.Join(line, " "))
	}
}
