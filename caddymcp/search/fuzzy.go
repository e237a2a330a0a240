package search

import (
	"math/bits"
	"sort"
)

// fuzzyVocab is the vocabulary for typo correction: every distinct indexed
// surface word, bucketed by length, with a letter-set bitmask that rules
// out most words before any edit-distance work.
type fuzzyVocab struct {
	byLen [][]fuzzyWord
	// letters[l][i] is byLen[l][i].letters, stored apart: correct tests
	// every word of three or five lengths against it (most fail), and a
	// dense array of masks is a fifth of the memory to stream through.
	letters [][]uint64
}

type fuzzyWord struct {
	word    string
	letters uint64
	id      int32
	df      int32
}

// letterMask has one bit per letter/digit present (others share a bit).
func letterMask(s string) uint64 {
	var m uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
			m |= 1 << (c - 'a')
		case c >= '0' && c <= '9':
			m |= 1 << (26 + c - '0')
		default:
			m |= 1 << 63
		}
	}
	return m
}

// maxEdits is the typo budget: none for very short terms, where any
// correction is a guess, 1 for short and 2 for longer terms.
func maxEdits(n int) int {
	switch {
	case n < 3:
		return 0
	case n <= 5:
		return 1
	default:
		return 2
	}
}

func buildFuzzy(ix *Index, vocab map[*language]map[string]int32) fuzzyVocab {
	var fv fuzzyVocab
	seen := map[string]bool{}
	for _, v := range vocab {
		for w, id := range v {
			if id < 0 || len(w) < 3 || len(w) > 40 || seen[w] {
				continue
			}
			seen[w] = true
			for len(fv.byLen) <= len(w) {
				fv.byLen = append(fv.byLen, nil)
			}
			df := ix.body.df(id) + ix.head.df(id) + ix.title.df(id)
			fv.byLen[len(w)] = append(fv.byLen[len(w)], fuzzyWord{w, letterMask(w), id, int32(df)})
		}
	}
	fv.letters = make([][]uint64, len(fv.byLen))
	for l, b := range fv.byLen {
		sort.Slice(b, func(i, j int) bool { return b[i].word < b[j].word })
		fv.letters[l] = make([]uint64, len(b))
		for i, w := range b {
			fv.letters[l][i] = w.letters
		}
	}
	return fv
}

// correct returns the term ids of the closest vocabulary words (at most 3,
// most frequent first) and the most frequent of those words, or nil when
// none is within the typo budget.
func (fv *fuzzyVocab) correct(ix *Index, q string) ([]int32, string) {
	maxD := maxEdits(len(q))
	if maxD == 0 {
		return nil, ""
	}
	qm := letterMask(q)
	var cands []fuzzyWord
	bestD := maxD + 1
	for l := len(q) - maxD; l <= len(q)+maxD; l++ {
		if l < 0 || l >= len(fv.byLen) {
			continue
		}
		words := fv.byLen[l]
		for i, letters := range fv.letters[l] {
			// Each edit changes the letter set by at most two letters.
			if bits.OnesCount64(qm^letters) > 2*min(maxD, bestD) {
				continue
			}
			w := words[i]
			d := EditDistance(q, w.word, min(maxD, bestD))
			if d < bestD {
				bestD, cands = d, cands[:0]
			}
			if d == bestD {
				cands = append(cands, w)
			}
		}
	}
	if bestD > maxD {
		return nil, ""
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].df > cands[j].df })
	var ids []int32
	for _, c := range cands {
		if len(ids) == 3 {
			break
		}
		if !containsID(ids, c.id) {
			ids = append(ids, c.id)
		}
	}
	return ids, cands[0].word
}

// EditDistance is the optimal-string-alignment distance (adjacent
// transpositions count 1) between the bytes of a and b, or limit+1 once it
// must exceed limit (and for b of 63 bytes or more: typo matching never
// needs longer words). It is the one edit distance of the module: the
// Caddyfile's "did you mean" uses it too.
func EditDistance(a, b string, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	var rows [3][64]int
	if len(b) >= 63 {
		return limit + 1
	}
	prev2, prev, cur := &rows[0], &rows[1], &rows[2]
	for j := 0; j <= len(b); j++ {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(b)], limit+1)
}
