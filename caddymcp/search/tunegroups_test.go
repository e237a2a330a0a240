package search

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestTuneGroups prints MRR / recall@3 / recall@10 per query group (the
// dev+judged sets by kind, and the tuning half of the question set by
// kind) for the default tuning with SEARCH_TUNE_SET="knob=value,..."
// applied: a tool for humans, run only with SEARCH_TUNE=<corpora dir>.
// The test half of the question set is never read here.
func TestTuneGroups(t *testing.T) {
	dir := os.Getenv("SEARCH_TUNE")
	if dir == "" {
		t.Skip("set SEARCH_TUNE to the shared corpora folder to run")
	}
	pages := tunePages(t, dir)
	groups := map[string][]tuneQuery{}
	var order []string
	for _, f := range []struct{ prefix, path string }{
		{"dj", filepath.Join(dir, "queries-dev.json")}, {"dj", "../../testdata/queries/judged.json"},
		{"qt", "../../testdata/queries/questions-tune.json"},
	} {
		var set struct{ Queries []tuneQuery }
		data, err := os.ReadFile(f.path)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, &set); err != nil {
			t.Fatal(err)
		}
		for _, q := range set.Queries {
			g := f.prefix + "-" + q.Kind
			if _, ok := groups[g]; !ok {
				order = append(order, g)
			}
			groups[g] = append(groups[g], q)
		}
	}
	tune := defaultTuning
	knobs := map[string]*float32{
		"k1": &tune.k1, "bBody": &tune.bBody, "bHead": &tune.bHead, "bTitle": &tune.bTitle, "bPage": &tune.bPage,
		"headWeight": &tune.headWeight, "titleWeight": &tune.titleWeight, "stopWeight": &tune.stopWeight,
		"pieceWeight": &tune.pieceWeight, "relatedWeight": &tune.relatedWeight, "fuzzyWeight": &tune.fuzzyWeight, "coordBase": &tune.coordBase,
		"pageSpread": &tune.pageSpread, "spreadCap": &tune.spreadCap, "secondRatio": &tune.secondRatio, "pageWeight": &tune.pageWeight,
	}
	for _, kv := range strings.Split(os.Getenv("SEARCH_TUNE_SET"), ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		f, err := strconv.ParseFloat(v, 32)
		if knobs[k] == nil || err != nil {
			t.Fatalf("bad knob %q", kv)
		}
		*knobs[k] = float32(f)
	}
	ix := buildTuned(pages, tune)
	var line []string
	for _, g := range order {
		var mrr, r3, r10 float64
		for _, q := range groups[g] {
			res := ix.Search(Query{Text: q.Q, Limit: 10})
			for i, h := range res.Hits {
				rel := false
				for _, r := range q.Relevant {
					rel = rel || strings.TrimSuffix(r, "/") == strings.TrimSuffix(h.Page.URL, "/")
				}
				if rel {
					mrr += 1 / float64(i+1)
					if i < 3 {
						r3++
					}
					r10++
					break
				}
			}
		}
		n := float64(len(groups[g]))
		line = append(line, fmt.Sprintf("%s %.3f/%.2f/%.2f", g, mrr/n, r3/n, r10/n))
	}
	fmt.Println(os.Getenv("SEARCH_TUNE_SET"), "|", strings.Join(line, "  "))
}
