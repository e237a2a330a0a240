package search

import (
	"fmt"
	"sort"
	"strings"
)

// Explanation says why a hit scored what it did: set on Hit.Explain when
// Query.Explain is true. It is built by re-running the query's scoring
// with a recorder on the hit pages, so it shows the very numbers that
// ranked them, not a second model of the formula.
//
// A hit's score is Scale × the sum of Parts. The "section" part is the best
// section's term contributions (body, heading, title fields of Terms) times
// Coord; "page" is the page-level BM25 (the "page" fields of Terms, which
// include its tuning weight) times PageCoord; "spread" rewards a page for its other matching sections.
type Explanation struct {
	// Score equals Hit.Score.
	Score float64 `json:"score"`
	// Parts are the named summands of the page's ranking score, in the
	// order they are added.
	Parts []Part `json:"parts"`
	// Scale is 1 for a page's best section; a page's second hit is scaled
	// by its section's score over the best section's.
	Scale float64 `json:"scale"`
	// Coord multiplies the section part: 1 when the section (with its
	// page title) matched every non-stop query term, down to the tuning's
	// coordination floor when it matched one of them.
	Coord float64 `json:"coord"`
	// PageCoord is Coord for the page as a whole.
	PageCoord float64 `json:"page_coord"`
	// Terms has one entry per analysed query term, in query order.
	Terms []TermScore `json:"terms"`
}

// Part is one named summand of a score.
type Part struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
}

// TermScore is one query term's contribution to a hit, per field.
type TermScore struct {
	// Term is the query word as analysed (lowercased; "lb_policy" and its
	// pieces "lb", "policy" are separate terms).
	Term string `json:"term"`
	// Matches are the index terms it looked up: stems per language, or
	// the nearest indexed words when it was typo-corrected.
	Matches []string `json:"matches,omitempty"`
	// Weight is the query-side weight (identifier pieces and stop words
	// weigh less; a typo correction weighs its tuning).
	Weight float64 `json:"weight"`
	// Stop, Fuzzy and Common flag a stop word, a typo-corrected term, and
	// a term so frequent that it only adds to sections other terms found;
	// Related a word the user did not type: the longest indexed prefix of
	// one they did ("redir" for "redirect"), which does not count in Coord.
	Stop    bool `json:"stop,omitempty"`
	Fuzzy   bool `json:"fuzzy,omitempty"`
	Common  bool `json:"common,omitempty"`
	Related bool `json:"related,omitempty"`
	// Fields are the contributions, before Coord, of the fields the term
	// matched in: "body" and "heading" of the hit's section, "title" of
	// its page (title, last path segment and tags), and "page" (the
	// page-level BM25 over all its sections). Empty: no match in this hit.
	Fields []FieldScore `json:"fields,omitempty"`
}

// FieldScore is a term's BM25 contribution in one field.
type FieldScore struct {
	Field string `json:"field"`
	// TF is the term frequency in the field (summed over sections for
	// "page"); DF the number of sections (pages for "title" and "page")
	// the term occurs in.
	TF    int     `json:"tf"`
	DF    int     `json:"df"`
	Score float64 `json:"score"`
}

// String renders the explanation as indented text, one line per part and
// per term field, for `--explain` style output.
func (e *Explanation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "score %.4f =", e.Score)
	if e.Scale != 1 {
		fmt.Fprintf(&b, " %.3f ×", e.Scale)
	}
	for i, p := range e.Parts {
		if i > 0 {
			b.WriteString(" +")
		}
		fmt.Fprintf(&b, " %s %.4f", p.Name, p.Value)
	}
	fmt.Fprintf(&b, "\n  coord %.3f, page coord %.3f\n", e.Coord, e.PageCoord)
	for _, t := range e.Terms {
		flags := ""
		for _, f := range []struct {
			on   bool
			name string
		}{{t.Stop, "stop"}, {t.Fuzzy, "typo"}, {t.Common, "common"}, {t.Related, "related"}} {
			if f.on {
				flags += " " + f.name
			}
		}
		fmt.Fprintf(&b, "  %q w=%.2f%s %v\n", t.Term, t.Weight, flags, t.Matches)
		for _, f := range t.Fields {
			fmt.Fprintf(&b, "    %-8s tf=%d df=%d %.4f\n", f.Field, f.TF, f.DF, f.Score)
		}
	}
	return b.String()
}

// tracer records, during a re-run of accumulate, every contribution made
// to the sections and pages being explained.
type tracer struct {
	pages map[int32]*pageTrace
	terms []TermScore // filled by accumulate: flags and weights
}

type pageTrace struct {
	docs  map[int32][]traced // per section: body and heading
	title []traced
	page  []traced
}

type traced struct {
	term  int
	field string
	tf    int
	df    int
	score float32
}

func (tr *tracer) doc(ix *Index, d int32, ti int, field string, tf uint16, df int, score float32) {
	if pt := tr.pages[ix.docs[d].page]; pt != nil {
		pt.docs[d] = append(pt.docs[d], traced{ti, field, int(tf), df, score})
	}
}

func (tr *tracer) page(p int32, ti int, field string, tf, df int, score float32) {
	pt := tr.pages[p]
	if pt == nil {
		return
	}
	if field == "title" {
		pt.title = append(pt.title, traced{ti, field, tf, df, score})
	} else {
		pt.page = append(pt.page, traced{ti, field, tf, df, score})
	}
}

// hitRef ties a materialised hit to the ranking figures behind it.
type hitRef struct {
	hit    int // index into Result.Hits
	doc    int32
	second bool // the page's second section
	r      ranked
}

// explain fills Hit.Explain for the hits in refs: it re-runs the scoring
// with a tracer on the hit pages and assembles the recorded contributions
// with the ranking figures kept in ranked.
func (ix *Index) explain(pq parsedQuery, hits []Hit, refs []hitRef) {
	tr := &tracer{pages: map[int32]*pageTrace{}}
	for _, ref := range refs {
		if tr.pages[ref.r.page] == nil {
			tr.pages[ref.r.page] = &pageTrace{docs: map[int32][]traced{}}
		}
	}
	s := ix.getScratch()
	s.trace = tr
	ix.accumulate(s, pq)
	s.trace = nil
	ix.putScratch(s)
	for _, ref := range refs {
		r, pt := ref.r, tr.pages[ref.r.page]
		e := &Explanation{
			Score: hits[ref.hit].Score, Scale: 1, Coord: float64(r.bestCoord), PageCoord: float64(r.pageCoord),
			Parts: []Part{{"section", float64(r.best)}, {"spread", float64(r.spread)}, {"page", float64(r.pageScore)}},
		}
		if ref.second {
			e.Scale, e.Coord = float64(r.second/r.best), float64(r.secondCoord)
		}
		e.Terms = make([]TermScore, len(tr.terms))
		copy(e.Terms, tr.terms)
		for _, ts := range [][]traced{pt.docs[ref.doc], pt.title, pt.page} {
			for _, t := range ts {
				e.Terms[t.term].Fields = append(e.Terms[t.term].Fields, FieldScore{t.field, t.tf, t.df, float64(t.score)})
			}
		}
		hits[ref.hit].Explain = e
	}
}

// setTerms fills the tracer's per-term table.
func (tr *tracer) setTerms(ix *Index, pq parsedQuery, common []bool, weight func(int) float32) {
	tr.terms = make([]TermScore, len(pq.terms))
	for ti, t := range pq.terms {
		ts := TermScore{Term: t.surface, Weight: float64(weight(ti)), Stop: t.stop, Fuzzy: t.fuzzy, Common: common[ti], Related: t.related}
		for _, id := range t.ids {
			ts.Matches = append(ts.Matches, ix.termStr[id])
		}
		sort.Strings(ts.Matches)
		tr.terms[ti] = ts
	}
}
