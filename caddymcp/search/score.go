package search

import (
	"math"
	"math/bits"
)

// accumulate adds every query term's BM25 contributions to the scratch
// accumulators and returns, per mask bit, the weight of the non-stop terms
// (for coord) and their total.
//
// Terms are split in two kinds, as in "common terms" queries: generating
// terms (the distinctive ones) add every section they occur in to the
// candidates; common terms (stop words, and words in more than
// tuning.commonFrac of all sections and more than tuning.commonMinDF) only
// add score to existing candidates. This keeps a query like "how do I use
// caddy with a proxy" from touching every section of a 100k-page corpus,
// while every section that contains a distinctive term is scored in full
// (only page-level scores miss common-term hits in non-candidate
// sections). If no term is distinctive, the rarest one generates, so a
// query of only common words still finds everything.
func (ix *Index) accumulate(s *scratch, pq parsedQuery) (bitW [32]float32, totalW float32) {
	nd, np := len(ix.docs), len(ix.pages)
	k1 := ix.tune.k1
	allStop := true
	for _, t := range pq.terms {
		if !t.stop {
			allStop = false
		}
	}
	common := make([]bool, len(pq.terms))
	rarest, rarestDF, generators := -1, 0, 0
	for ti, t := range pq.terms {
		if t.stop {
			common[ti] = !allStop
			if allStop {
				generators++
			}
			continue
		}
		df := 0
		for _, id := range t.ids {
			df += ix.body.df(id)
		}
		if df > ix.tune.commonMinDF && float64(df) > ix.tune.commonFrac*float64(nd) {
			common[ti] = true
		} else if df > 0 {
			generators++
		}
		if len(t.ids) > 0 && (rarest < 0 || df < rarestDF) {
			rarest, rarestDF = ti, df
		}
	}
	if generators == 0 && rarest >= 0 {
		common[rarest] = false
	}
	weight := func(ti int) float32 {
		t := pq.terms[ti]
		if t.stop && !allStop {
			return t.weight * ix.tune.stopWeight
		}
		return t.weight
	}
	if s.trace != nil {
		s.trace.setTerms(ix, pq, common, weight)
	}
	for ti, t := range pq.terms {
		if !t.stop && !t.related {
			totalW += t.weight
			bitW[ti%32] += t.weight
		}
	}

	// Pass 1: generating terms, every posting.
	for ti, t := range pq.terms {
		if common[ti] {
			continue
		}
		bit, w := uint32(1)<<(ti%32), weight(ti)
		for _, id := range t.ids {
			if !t.stop {
				docs, tfs := ix.body.list(id)
				f := w * idf(nd, len(docs))
				for k, d := range docs {
					a := &s.docs[d]
					s.seen[d>>6] |= 1 << (d & 63)
					c := f * tfNorm(tfs[k], ix.bodyNorm[d], k1)
					a.score += c
					a.mask |= bit
					s.addPageTF(ix.docs[d].page, ti, tfs[k])
					if s.trace != nil {
						s.trace.doc(ix, d, ti, "body", tfs[k], len(docs), c)
					}
				}
			}
			docs, tfs := ix.head.list(id)
			f := w * ix.tune.headWeight * idf(nd, len(docs))
			for k, d := range docs {
				a := &s.docs[d]
				s.seen[d>>6] |= 1 << (d & 63)
				c := f * tfNorm(tfs[k], ix.headNorm[d], k1)
				a.score += c
				a.mask |= bit
				if s.trace != nil {
					s.trace.doc(ix, d, ti, "heading", tfs[k], len(docs), c)
				}
			}
			pages, tfs := ix.title.list(id)
			f = w * ix.tune.titleWeight * idf(np, len(pages))
			for k, p := range pages {
				a := &s.pages[p]
				if a.mask == 0 {
					s.pTouched = append(s.pTouched, p)
				}
				c := f * tfNorm(tfs[k], ix.titleNorm[p], k1)
				a.title += c
				a.mask |= bit
				if s.trace != nil {
					s.trace.page(p, ti, "title", int(tfs[k]), len(pages), c)
				}
			}
		}
		s.flushPageTF(ix, ti, bit, w, bodyDF(ix, t))
	}

	// Candidates in doc order (also makes grouping by page sequential), and
	// candidate pages: pages of candidate sections plus title matches.
	// The bitmaps yield both lists sorted, which sorting would not do
	// cheaply for 10^5 candidates, and stay set (until putScratch) for the
	// membership tests of pass 2.
	for w, word := range s.seen {
		for ; word != 0; word &= word - 1 {
			s.touched = append(s.touched, int32(w<<6+bits.TrailingZeros64(word)))
		}
	}
	for _, d := range s.touched {
		p := ix.docs[d].page
		s.pseen[p>>6] |= 1 << (p & 63)
	}
	for _, p := range s.pTouched {
		s.pseen[p>>6] |= 1 << (p & 63)
	}
	s.cands = s.cands[:0]
	for w, word := range s.pseen {
		for ; word != 0; word &= word - 1 {
			s.cands = append(s.cands, int32(w<<6+bits.TrailingZeros64(word)))
		}
	}

	// Pass 2: common terms, only on candidates. Its body is pass 1's with
	// intersect in place of the plain loops. Folding both into one function
	// that takes the visiting loop as a func value was measured (2026-12-05,
	// BenchmarkSearch): +6-30% time and +15 allocs per query, because the
	// per-posting closures escape; so the two stay written out.
	for ti, t := range pq.terms {
		if !common[ti] {
			continue
		}
		bit, w := uint32(1)<<(ti%32), weight(ti)
		for _, id := range t.ids {
			if !t.stop {
				docs, tfs := ix.body.list(id)
				f := w * idf(nd, len(docs))
				intersect(docs, s.touched, s.seen, func(k int, d int32) {
					a := &s.docs[d]
					c := f * tfNorm(tfs[k], ix.bodyNorm[d], k1)
					a.score += c
					a.mask |= bit
					s.addPageTF(ix.docs[d].page, ti, tfs[k])
					if s.trace != nil {
						s.trace.doc(ix, d, ti, "body", tfs[k], len(docs), c)
					}
				})
			}
			docs, tfs := ix.head.list(id)
			f := w * ix.tune.headWeight * idf(nd, len(docs))
			intersect(docs, s.touched, s.seen, func(k int, d int32) {
				a := &s.docs[d]
				c := f * tfNorm(tfs[k], ix.headNorm[d], k1)
				a.score += c
				a.mask |= bit
				if s.trace != nil {
					s.trace.doc(ix, d, ti, "heading", tfs[k], len(docs), c)
				}
			})
			pages, tfs := ix.title.list(id)
			f = w * ix.tune.titleWeight * idf(np, len(pages))
			intersect(pages, s.cands, s.pseen, func(k int, p int32) {
				a := &s.pages[p]
				if a.mask == 0 {
					s.pTouched = append(s.pTouched, p)
				}
				c := f * tfNorm(tfs[k], ix.titleNorm[p], k1)
				a.title += c
				a.mask |= bit
				if s.trace != nil {
					s.trace.page(p, ti, "title", int(tfs[k]), len(pages), c)
				}
			})
		}
		s.flushPageTF(ix, ti, bit, w, bodyDF(ix, t))
	}
	return bitW, totalW
}

// bodyDF is the number of sections containing a query term.
func bodyDF(ix *Index, t qterm) int {
	df := 0
	if !t.stop {
		for _, id := range t.ids {
			df += ix.body.df(id)
		}
	}
	return df
}

// addPageTF adds a section's term frequency to its page's, for the
// page-level BM25 (the page as one document): a page that discusses the
// query throughout should beat a page that mentions it once.
func (s *scratch) addPageTF(p int32, ti int, tf uint16) {
	pa := &s.pages[p]
	if pa.tfTerm != int32(ti)+1 {
		pa.tfTerm, pa.tf = int32(ti)+1, 0
		s.termPages = append(s.termPages, p)
	}
	pa.tf += uint32(tf)
}

// flushPageTF turns the page term frequencies gathered for one query term
// into page-level BM25 contributions.
func (s *scratch) flushPageTF(ix *Index, ti int, bit uint32, w float32, df int) {
	f := w * idf(len(ix.docs), df)
	for _, p := range s.termPages {
		pa := &s.pages[p]
		c := f * tfNorm(uint16(min(pa.tf, math.MaxUint16)), ix.pageNorm[p], ix.tune.k1)
		pa.body += c
		if s.trace != nil {
			s.trace.page(p, ti, "page", int(pa.tf), df, c*ix.tune.pageWeight)
		}
		pa.bmask |= bit
		pa.tfTerm = 0
	}
	s.termPages = s.termPages[:0]
}

// intersect calls fn(k, id) for every id in both list and cands (sorted),
// where k is its position in list; set is cands as a bitmap. A list that is
// not much longer than cands is scanned against the bitmap (which fits in
// cache); a much longer one, usually the posting list of a common term, is
// galloped through.
func intersect(list, cands []int32, set []uint64, fn func(k int, id int32)) {
	if len(list) <= 16*len(cands) {
		for k, id := range list {
			if set[id>>6]&(1<<(id&63)) != 0 {
				fn(k, id)
			}
		}
		return
	}
	k := 0
	for _, c := range cands {
		if k >= len(list) {
			return
		}
		if list[k] < c {
			// Exponential then binary search for the first list[k] >= c.
			step, lo := 1, k
			for k+step < len(list) && list[k+step] < c {
				lo = k + step
				step *= 2
			}
			hi := min(k+step, len(list)-1)
			for lo < hi {
				mid := (lo + hi) / 2
				if list[mid] < c {
					lo = mid + 1
				} else {
					hi = mid
				}
			}
			k = lo
			if list[k] < c {
				k++
				continue
			}
		}
		if k < len(list) && list[k] == c {
			fn(k, c)
			k++
		}
	}
}
