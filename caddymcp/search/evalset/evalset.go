// Package evalset loads judged query sets (the queries-dev.json format) and
// scores a search index against them with recall@k and MRR, per query kind.
// The regression test and cmd/docsbench share it so both report the same
// numbers.
package evalset

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/search"
)

// Query is one judged query.
type Query struct {
	Q        string   `json:"q"`
	Relevant []string `json:"relevant"`
	Kind     string   `json:"kind"`
	// Anchors optionally names the answering section of a relevant page
	// (its URL plus "#fragment"). It documents the judgment for a human
	// reader; scoring is per page and ignores it.
	Anchors []string `json:"anchors,omitempty"`
}

// Set is a query file: the corpora it was judged on and the queries.
type Set struct {
	Corpus  []string `json:"corpus"`
	Queries []Query  `json:"queries"`
}

// Load reads a query file.
func Load(path string) (*Set, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var s Set
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &s, nil
}

// Filter returns the queries whose relevant pages all start with prefix
// (e.g. "https://gohugo.io/"), to evaluate against one corpus.
func (s *Set) Filter(prefix string) *Set {
	out := &Set{Corpus: s.Corpus}
	for _, q := range s.Queries {
		ok := true
		for _, r := range q.Relevant {
			ok = ok && strings.HasPrefix(r, prefix)
		}
		if ok {
			out.Queries = append(out.Queries, q)
		}
	}
	return out
}

// Metrics are rank metrics over a group of queries. A hit is relevant when
// its page URL is one of the query's relevant permalinks; ranks count hits
// (sections), as a user would see them.
type Metrics struct {
	N                          int
	Recall1, Recall3, Recall10 float64
	MRR                        float64 // reciprocal rank of the first relevant hit, within the top 10
}

// Miss is a query whose first relevant hit was not at rank 1.
type Miss struct {
	Query Query
	Rank  int // 0 when not in the top 10
	Top   []string
}

// Report holds metrics overall and per kind, plus the misses.
type Report struct {
	All    Metrics
	ByKind map[string]Metrics
	Misses []Miss
}

// Kinds returns the kinds in the report, sorted.
func (r Report) Kinds() []string {
	var ks []string
	for k := range r.ByKind {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// Rank returns the 1-based rank of the first relevant hit in the top 10 for
// q, 0 when there is none, and the top hit URLs.
func Rank(ix *search.Index, q Query) (int, []string) {
	res := ix.Search(search.Query{Text: q.Q, Limit: 10})
	var top []string
	rank := 0
	for i, h := range res.Hits {
		top = append(top, h.URL)
		if rank == 0 && isRelevant(h.Page.URL, q.Relevant) {
			rank = i + 1
		}
	}
	return rank, top
}

func isRelevant(u string, rel []string) bool {
	for _, r := range rel {
		if u == r || strings.TrimSuffix(u, "/") == strings.TrimSuffix(r, "/") {
			return true
		}
	}
	return false
}

// Evaluate runs every query of the set against ix.
func Evaluate(ix *search.Index, s *Set) Report {
	rep := Report{ByKind: map[string]Metrics{}}
	add := func(m *Metrics, rank int) {
		m.N++
		if rank == 1 {
			m.Recall1++
		}
		if rank >= 1 && rank <= 3 {
			m.Recall3++
		}
		if rank > 0 { // Rank looks at the top 10 only
			m.Recall10++
			m.MRR += 1 / float64(rank)
		}
	}
	for _, q := range s.Queries {
		rank, top := Rank(ix, q)
		add(&rep.All, rank)
		m := rep.ByKind[q.Kind]
		add(&m, rank)
		rep.ByKind[q.Kind] = m
		if rank != 1 {
			rep.Misses = append(rep.Misses, Miss{Query: q, Rank: rank, Top: top})
		}
	}
	norm := func(m *Metrics) {
		if m.N > 0 {
			n := float64(m.N)
			m.Recall1, m.Recall3, m.Recall10, m.MRR = m.Recall1/n, m.Recall3/n, m.Recall10/n, m.MRR/n
		}
	}
	norm(&rep.All)
	for k, m := range rep.ByKind {
		norm(&m)
		rep.ByKind[k] = m
	}
	return rep
}

// Markdown renders the report as table rows: one per kind, then "all".
// name labels the rows (e.g. "dev").
func (r Report) Markdown(name string) string {
	var b strings.Builder
	row := func(kind string, m Metrics) {
		fmt.Fprintf(&b, "| %s | %s | %d | %.3f | %.3f | %.3f | %.3f |\n", name, kind, m.N, m.Recall1, m.Recall3, m.Recall10, m.MRR)
	}
	for _, k := range r.Kinds() {
		row(k, r.ByKind[k])
	}
	row("**all**", r.All)
	return b.String()
}

// MarkdownHeader is the header for Markdown rows.
const MarkdownHeader = "| set | kind | queries | recall@1 | recall@3 | recall@10 | MRR |\n|---|---|---|---|---|---|---|\n"
