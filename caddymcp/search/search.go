package search

import (
	"math"
	"math/bits"
	"slices"
	"strings"
)

// tuning holds the ranking knobs. They were tuned on the dev and judged
// query sets (see BENCHMARKS.md) and are not per-query hacks.
type tuning struct {
	k1, bBody, bHead, bTitle float32
	bPage                    float32 // length normalisation of the page-level BM25
	headWeight, titleWeight  float32
	stopWeight               float32 // stop words only score in titles/headings
	pieceWeight              float32 // pieces of an identifier, relative to the whole
	relatedWeight            float32 // indexed prefixes of a query word (see addRelated)
	fuzzyWeight              float32
	coordBase                float32 // score multiplier when no term but one matches
	pageSpread               float32 // share of a page's other sections added to its best
	spreadCap                float32 // the spread part is at most this × the best section's score
	secondRatio              float32 // a second section of a page is shown when ≥ this × best
	maxPerPage               int
	pageWeight               float32 // weight of the page-level BM25 (whole page as one document)
	commonFrac               float64 // terms in more than this share of sections only refine (see accumulate)
	commonMinDF              int     // ... and in more than this many: pruning only pays for long lists
}

// defaultTuning is what Build uses.
var defaultTuning = tuning{
	k1: 1.6, bBody: 0.75, bHead: 0.5, bTitle: 0.5, bPage: 0.75,
	headWeight: 2, titleWeight: 3,
	stopWeight:    0.2,
	pieceWeight:   0.5,
	relatedWeight: 0.3,
	fuzzyWeight:   1,
	coordBase:     0.5,
	pageSpread:    0.05,
	spreadCap:     1,
	secondRatio:   0.95,
	maxPerPage:    2,
	pageWeight:    3,
	commonFrac:    0.02,
	commonMinDF:   2000,
}

// scratch is the per-query working memory, pooled because it is sized by
// the corpus. Per-doc and per-page state sit in one struct each so the hot
// loops touch one cache line per document.
type scratch struct {
	docs      []docAcc
	touched   []int32  // candidate sections, sorted
	seen      []uint64 // bitmap of touched sections
	cands     []int32  // candidate pages, sorted
	pseen     []uint64 // bitmap of cands
	pages     []pageAcc
	pTouched  []int32   // pages with a title match
	termPages []int32   // pages with a tf for the current term
	coordMemo []float32 // Search's memo of coord per mask, 1<<maxCoordMemo long
	top       []ranked  // Search's running top-k
	trace     *tracer   // non-nil only while explaining
}

// maxCoordMemo is the most query terms Search memoises coord for: a table
// of 2^n entries, cleared per query, stays small (4 KiB) and cheap to
// clear; longer queries compute coord every time.
const maxCoordMemo = 10

// docAcc accumulates one section's score and the query terms it matched.
type docAcc struct {
	score float32
	mask  uint32
}

// pageAcc accumulates a page's title score.
type pageAcc struct {
	title  float32
	mask   uint32
	body   float32 // page-level BM25 of the body text
	bmask  uint32
	tf     uint32 // term frequency of the current query term (see addPageTF)
	tfTerm int32  // 1 + the query term tf belongs to
}

// ranked is a page in the running top-k, with its best two sections.
type ranked struct {
	score              float32
	page               int32
	n                  int8 // hits this page contributes (1 or 2)
	bestDoc, secondDoc int32
	best, second       float32
	// The parts of score, kept for Explain.
	bestCoord, secondCoord, pageCoord, spread, pageScore float32
}

func (ix *Index) getScratch() *scratch {
	if s, ok := ix.pool.Get().(*scratch); ok {
		return s
	}
	return &scratch{
		docs: make([]docAcc, len(ix.docs)), seen: make([]uint64, (len(ix.docs)+63)/64),
		pages: make([]pageAcc, len(ix.pages)), pseen: make([]uint64, (len(ix.pages)+63)/64),
		coordMemo: make([]float32, 1<<maxCoordMemo),
	}
}

func (ix *Index) putScratch(s *scratch) {
	for _, d := range s.touched {
		s.docs[d] = docAcc{}
		s.seen[d>>6] = 0
	}
	for _, p := range s.cands { // every touched page is a candidate
		s.pages[p] = pageAcc{}
		s.pseen[p>>6] = 0
	}
	s.touched, s.pTouched, s.cands = s.touched[:0], s.pTouched[:0], s.cands[:0]
	ix.pool.Put(s)
}

// idf is BM25's inverse document frequency (always positive).
func idf(n, df int) float32 {
	return float32(ln(1 + (float64(n)-float64(df)+0.5)/(float64(df)+0.5)))
}

// lengthNorm is the denominator part of BM25's term-frequency saturation,
// precomputed per document: k1·(1 − b + b·len/avg).
func lengthNorm(length, avg, b, k1 float32) float32 {
	if avg <= 0 {
		avg = 1
	}
	return k1 * (1 - b + b*length/avg)
}

// tfNorm is BM25's saturated, length-normalised term frequency.
func tfNorm(tf uint16, norm, k1 float32) float32 {
	f := float32(tf)
	return f * (k1 + 1) / (f + norm)
}

// Search runs a query. Terms are ORed; "quoted phrases" are required. Hits
// are sections: pages are ranked by their best section's BM25 (section text
// plus boosted heading and page-title matches) and a page-level BM25, and
// each page contributes its best section, or its best two when they score
// about the same. On very large indexes a page that matches only very
// common query words is neither ranked nor counted in Total (see
// accumulate). Search is safe for concurrent use.
func (ix *Index) Search(q Query) Result {
	limit := q.Limit
	if limit <= 0 {
		limit = 10
	}
	offset := max(q.Offset, 0)
	langs := ix.langs
	if q.Lang != "" {
		langs = []*language{langOf(q.Lang)}
	}
	pq := ix.parseQuery(q.Text, langs, !q.NoSnippets)
	if len(pq.terms) == 0 || len(ix.docs) == 0 || pq.none {
		return Result{Hits: []Hit{}}
	}
	s := ix.getScratch()
	defer ix.putScratch(s)

	bitW, totalW := ix.accumulate(s, pq)
	coordOf := func(m uint32) float32 {
		if totalW == 0 {
			return 1
		}
		var got float32
		for ; m != 0; m &= m - 1 {
			got += bitW[bits.TrailingZeros32(m)]
		}
		return ix.tune.coordBase + (1-ix.tune.coordBase)*min(got/totalW, 1)
	}
	// coord depends only on the mask, and a query has few distinct masks
	// while it is taken for every candidate section: memoise it, per mask,
	// for queries of up to maxCoordMemo terms (masks then index the
	// table). The memo holds coordOf's own results, so scores are the
	// same bits. 0 marks an empty slot: coordOf is never 0 with the
	// default tuning (coordBase > 0), and a tuning where it is just
	// recomputes it.
	memo := s.coordMemo[:0]
	if len(pq.terms) <= maxCoordMemo {
		memo = s.coordMemo[:1<<len(pq.terms)]
		clear(memo)
	}
	coord := func(m uint32) float32 {
		if int(m) < len(memo) {
			if c := memo[m]; c != 0 {
				return c
			}
			c := coordOf(m)
			memo[m] = c
			return c
		}
		return coordOf(m)
	}

	// Group sections by page in one sequential pass (candidates and their
	// sections are both sorted): best and second-best section, and the sum.
	// Pages are ranked by their best section plus a little of the rest, so
	// a page that covers the query throughout beats one lucky paragraph.
	phraseMask := ix.phraseMask(pq)
	hasPhrase := len(pq.phrases) > 0
	filtered := q.Section != "" || q.Lang != "" || q.Version != ""
	total := 0
	// Clamped so that a huge client-supplied offset or limit cannot
	// overflow: no query has more hits than the index has sections.
	k := min(offset, len(ix.docs)) + min(limit, len(ix.docs))
	// The running top-k lives in the scratch (at most one entry per page,
	// like the rest of it) rather than being allocated per query.
	top := s.top[:0]
	next := 0
	for _, p := range s.cands {
		first, end := ix.pageDoc[p], ix.pageDoc[p+1]
		// The page's candidate sections are s.touched[next:stop].
		stop := next
		for stop < len(s.touched) && s.touched[stop] < end {
			stop++
		}
		from := next
		next = stop
		if filtered && !ix.pageMatches(p, q) {
			continue
		}
		pa := &s.pages[p]
		// A page whose title matched also scores its lead section (title
		// only) when the lead matched nothing itself; it comes after the
		// candidates, as it always has (the order decides ties).
		lead := pa.mask != 0 && s.docs[first].mask == 0
		r := ranked{page: p, bestDoc: -1, second: -1}
		var sum float32
		titlePhrases := -1 // bitmask of phrases in the page title, computed once per page
		// One loop over the candidates and the lead, written out rather
		// than a per-page closure called per section: this is the
		// hottest loop of a query.
		for i := from; i < stop || i == stop && lead; i++ {
			d, body, m := first, float32(0), uint32(0)
			if i < stop {
				d = s.touched[i]
				body, m = s.docs[d].score, s.docs[d].mask
			}
			m |= pa.mask
			if hasPhrase {
				if m&phraseMask != phraseMask {
					continue
				}
				if titlePhrases < 0 {
					titlePhrases = phrasesIn(ix.pages[p].Title, pq.phrases)
				}
				if !ix.docHasPhrases(d, pq.phrases, titlePhrases) {
					continue
				}
			}
			var c float32
			if int(m) < len(memo) && memo[m] != 0 {
				c = memo[m] // coord(m), without the call
			} else {
				c = coord(m)
			}
			sc := (body + pa.title) * c
			sum += body
			switch {
			case r.bestDoc < 0 || sc > r.best:
				r.second, r.secondDoc, r.secondCoord = r.best, r.bestDoc, r.bestCoord
				r.best, r.bestDoc, r.bestCoord = sc, d, c
			case sc > r.second:
				r.second, r.secondDoc, r.secondCoord = sc, d, c
			}
		}
		if r.bestDoc < 0 {
			continue
		}
		r.pageCoord = coord(pa.bmask | pa.mask)
		// The spread is capped relative to the best section: a page of
		// many weak matches (a table split into 100 sections that each
		// name the query word once) must not outrank one strong match.
		r.spread = min(ix.tune.pageSpread*(sum-r.best), ix.tune.spreadCap*r.best)
		r.pageScore = ix.tune.pageWeight * pa.body * r.pageCoord
		r.score, r.n = r.best+r.spread+r.pageScore, 1
		if ix.tune.maxPerPage > 1 && r.secondDoc >= 0 && r.second > 0 && r.second >= ix.tune.secondRatio*r.best {
			r.n = 2
		}
		total += int(r.n)
		// Most pages rank below a full top-k: reject them here rather
		// than in a call (pushRanked would do the same test).
		if len(top) == k && !rankedWorse(&top[0], &r) {
			continue
		}
		top = pushRanked(top, k, &r)
	}
	slices.SortFunc(top, cmpRanked)
	s.top = top[:0] // keeps a grown array; top stays valid until putScratch

	// The hits shown are those past offset, at most limit: counted first
	// so that the slice is allocated once, at its size.
	shown := 0
	for _, r := range top {
		shown += int(r.n)
	}
	shown = max(0, min(limit, shown-offset))
	res := Result{Hits: make([]Hit, 0, shown), Total: total, Fuzzy: pq.fuzzy, Corrected: pq.corrected}
	n := 0
	var refs []hitRef // for Explain
	for _, r := range top {
		// Hit scores are the page's ranking score, scaled for a second
		// section, so they decrease down the list.
		for i := range int(r.n) {
			d, score := r.bestDoc, r.score
			if i > 0 {
				d, score = r.secondDoc, r.score*r.second/r.best
			}
			if n >= offset && len(res.Hits) < limit {
				if q.Explain {
					refs = append(refs, hitRef{hit: len(res.Hits), doc: d, second: i > 0, r: r})
				}
				res.Hits = append(res.Hits, ix.hit(d, float64(score), pq, !q.NoSnippets))
			}
			n++
		}
	}
	setHitURLs(res.Hits)
	if q.Explain {
		ix.explain(pq, res.Hits, refs)
	}
	return res
}

// phraseMask is the set of query-term bits a section must have matched to
// possibly contain every phrase: a cheap filter before scanning text.
func (ix *Index) phraseMask(pq parsedQuery) uint32 {
	var m uint32
	for _, ph := range pq.phrases {
		for _, leaf := range ph.leaves {
			for ti, t := range pq.terms {
				if t.surface == leaf && !t.stop && len(t.ids) > 0 && !t.fuzzy {
					m |= uint32(1) << (ti % 32)
				}
			}
		}
	}
	return m
}

// phrasesIn returns the bitmask of the phrases that occur in text.
func phrasesIn(text string, phrases []phrase) int {
	m := 0
	for i, ph := range phrases {
		if i < 31 && phraseIn(text, ph) {
			m |= 1 << i
		}
	}
	return m
}

// docHasPhrases reports whether every phrase occurs in the section's
// heading or text, or in the page title (inTitle, from phrasesIn).
func (ix *Index) docHasPhrases(d int32, phrases []phrase, inTitle int) bool {
	dd := ix.docs[d]
	p := &ix.pages[dd.page]
	var heading, text string
	if int(dd.section) < len(p.Sections) {
		heading, text = p.Sections[dd.section].Heading, p.Sections[dd.section].Text
	}
	// All the cheap pair tests first: one failing spares every scan.
	for i, ph := range phrases {
		if (i >= 31 || inTitle&(1<<i) == 0) && !ix.hasPairs(d, ph.pairs) {
			return false
		}
	}
	for i, ph := range phrases {
		if i < 31 && inTitle&(1<<i) != 0 {
			continue
		}
		if !phraseIn(text, ph) && !phraseIn(heading, ph) {
			return false
		}
	}
	return true
}

// pageMatches applies the Section/Lang/Version filters.
func (ix *Index) pageMatches(p int32, q Query) bool {
	pg := &ix.pages[p]
	return (q.Section == "" || strings.EqualFold(pg.Section, q.Section)) &&
		(q.Lang == "" || strings.EqualFold(pg.Lang, q.Lang)) &&
		(q.Version == "" || strings.EqualFold(pg.Version, q.Version))
}

// hit materialises a ranked section, with its snippet when withSnippet.
func (ix *Index) hit(d int32, score float64, pq parsedQuery, withSnippet bool) Hit {
	dd := ix.docs[d]
	p := &ix.pages[dd.page]
	h := Hit{Page: p, SectionIndex: int(dd.section), Score: score} // URL: see setHitURLs
	var text string
	if int(dd.section) < len(p.Sections) {
		h.Heading, text = p.Sections[dd.section].Heading, p.Sections[dd.section].Text
	}
	if !withSnippet {
		return h
	}
	if dd.section == 0 && summaryMissing(p) {
		text = p.Summary + "\n\n" + text // indexed that way too
	}
	h.Snippet = ix.snippet(text, langOf(p.Lang), pq)
	return h
}

// setHitURLs sets every hit's URL to its Page.SectionURL, the page URL
// plus "#anchor", building all of those in one allocation instead of one
// concatenation per hit. The strings share the buffer, which nothing
// writes to after they are made.
func setHitURLs(hits []Hit) {
	anchor := func(h *Hit) string {
		if h.SectionIndex < 0 || h.SectionIndex >= len(h.Page.Sections) {
			return ""
		}
		return h.Page.Sections[h.SectionIndex].Anchor
	}
	size := 0
	for i := range hits {
		if a := anchor(&hits[i]); a != "" {
			size += len(hits[i].Page.URL) + 1 + len(a)
		}
	}
	buf := make([]byte, 0, size)
	for i := range hits {
		h := &hits[i]
		a := anchor(h)
		if a == "" {
			h.URL = h.Page.URL // SectionURL without an anchor
			continue
		}
		start := len(buf)
		buf = append(buf, h.Page.URL...)
		buf = append(buf, '#')
		buf = append(buf, a...)
		h.URL = unsafeString(buf[start:])
	}
}

// rankedWorse is the ranking order of pages: lower score, then (a total
// order, so the top k and their order are well defined) higher page.
func rankedWorse(a, b *ranked) bool {
	if a.score != b.score {
		return a.score < b.score
	}
	return a.page > b.page
}

// pushRanked keeps the k best pages in a min-heap (worst at h[0]). It was
// a generic heap taking the order as a func value; the calls through it
// (by value, 56-byte items) were a tenth of a query's time, so it is
// written for ranked, with the order inlined.
func pushRanked(h []ranked, k int, x *ranked) []ranked {
	if k <= 0 {
		return h
	}
	if len(h) < k {
		h = append(h, *x)
		for i := len(h) - 1; i > 0; {
			parent := (i - 1) / 2
			if !rankedWorse(&h[i], &h[parent]) {
				break
			}
			h[i], h[parent] = h[parent], h[i]
			i = parent
		}
		return h
	}
	if !rankedWorse(&h[0], x) {
		return h
	}
	h[0] = *x
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(h) && rankedWorse(&h[l], &h[m]) {
			m = l
		}
		if r < len(h) && rankedWorse(&h[r], &h[m]) {
			m = r
		}
		if m == i {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	return h
}

// cmpRanked orders pages best first (the reverse of rankedWorse, a total
// order, so the sort is fully determined).
func cmpRanked(a, b ranked) int {
	switch {
	case rankedWorse(&b, &a):
		return -1
	case rankedWorse(&a, &b):
		return 1
	}
	return 0
}

func ln(x float64) float64 { return math.Log(x) }
