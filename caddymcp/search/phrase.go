package search

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// phrase is a quoted phrase: its lowercased leaves, the leaf a substring
// search looks for (the longest non-stop one: stop words occur everywhere
// and would stop the search at every other word) and that leaf's
// spellings.
type phrase struct {
	leaves []string
	anchor int
	firsts []string
	pairs  []uint32 // pair bits of its adjacent leaves (see Index.pairs)
}

func newPhrase(leaves []string, isStop func(string) bool) phrase {
	ph := phrase{leaves: leaves, anchor: -1}
	for i := 1; i < len(leaves); i++ {
		ph.pairs = append(ph.pairs, pairBit(leafHash([]byte(leaves[i-1])), leafHash([]byte(leaves[i]))))
	}
	for i, l := range leaves {
		if !isStop(l) && (ph.anchor < 0 || len(l) > len(leaves[ph.anchor])) {
			ph.anchor = i
		}
	}
	if ph.anchor < 0 {
		ph.anchor = 0
	}
	f := leaves[ph.anchor]
	ph.firsts = []string{f}
	ascii := true
	for i := 0; i < len(f); i++ {
		ascii = ascii && f[i] < utf8.RuneSelf
	}
	if ascii {
		// Text is searched as it is: trying three spellings is cheaper
		// than a lower-cased copy of every candidate section.
		if len(f) > 0 && f[0] >= 'a' && f[0] <= 'z' {
			ph.firsts = append(ph.firsts, string(f[0]-'a'+'A')+f[1:])
		}
		if up := strings.ToUpper(f); !slices.Contains(ph.firsts, up) {
			ph.firsts = append(ph.firsts, up)
		}
		return ph
	}
	r, n := utf8.DecodeRuneInString(f)
	for _, v := range []string{string(unicode.ToUpper(r)) + f[n:], strings.ToUpper(f)} {
		if !slices.Contains(ph.firsts, v) {
			ph.firsts = append(ph.firsts, v)
		}
	}
	return ph
}

// phraseIn reports whether the phrase occurs in text. It scans the text
// instead of storing positions in the index, which keeps the index small:
// a substring search finds the anchor leaf written in lower case,
// Capitalised or UPPER case, and only the tokens around it are analysed.
// Nothing is lower-cased, per phrase or per section: a lower-cased copy of
// each section per non-ASCII phrase made one such phrase cost 100 normal
// queries.
func phraseIn(text string, ph phrase) bool {
	for _, f := range ph.firsts {
		if phraseAt(text, text, ph, f) {
			return true
		}
	}
	return false
}

// phraseAt looks for the phrase around each occurrence of its anchor
// leaf, spelled anchor, in low (text itself, or a copy with the same byte
// offsets): from as many
// tokens before it as the phrase has leaves before the anchor, the leaves
// of text are compared with the phrase's.
func phraseAt(text, low string, ph phrase, anchor string) bool {
	var leafBuf, arena []byte
	var ends []int // leaf i is arena[ends[i-1]:ends[i]]
	for off := 0; off < len(low); {
		k := strings.Index(low[off:], anchor)
		if k < 0 {
			return false
		}
		at := off + k
		off = at + 1
		if !isPieceStart(text, at) {
			continue
		}
		start := at
		if ph.anchor > 0 {
			start = tokenStart(text, at)
			for n := 0; n < ph.anchor && start > 0; n++ {
				start = prevTokenStart(text, start)
			}
		}
		// Collect leaves up to the anchor and as many again as the
		// phrase is long, then look for the phrase among them.
		arena, ends = arena[:0], ends[:0]
		limit := -1
		scanTokensUntil(text[start:], func(raw string, ts, _ int) bool {
			leafBuf = leaves(raw, leafBuf, func(l []byte) {
				arena = append(arena, l...)
				ends = append(ends, len(arena))
			})
			if limit < 0 && start+ts >= at {
				limit = len(ends) + len(ph.leaves)
			}
			return limit < 0 || len(ends) < limit
		})
		if containsRun(arena, ends, ph.leaves) {
			return true
		}
	}
	return false
}

// prevTokenStart is the start of the token before the one starting at i.
func prevTokenStart(text string, i int) int {
	for i > 0 && text[i-1] < utf8.RuneSelf && !wordBytes[text[i-1]] {
		i--
	}
	return tokenStart(text, i)
}

// containsRun reports whether want occurs as a contiguous run among the
// leaves in arena (leaf i ends at ends[i]).
func containsRun(arena []byte, ends []int, want []string) bool {
	leaf := func(i int) string {
		a := 0
		if i > 0 {
			a = ends[i-1]
		}
		return unsafeString(arena[a:ends[i]])
	}
next:
	for i := 0; i+len(want) <= len(ends); i++ {
		for j, w := range want {
			if leaf(i+j) != w {
				continue next
			}
		}
		return true
	}
	return false
}

// pairWords is the size of a section's pair bitset in 64-bit words: 512
// bits keep false positives under a fifth for sections of 100 words.
const pairWords = 8

// leafHash is FNV-1a of a leaf (never 0).
func leafHash(l []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range l {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h | 1
}

// pairBit is the bit of an adjacent leaf pair in a pair bitset.
func pairBit(prev, cur uint64) uint32 {
	return uint32(((prev*0x9E3779B97F4A7C15)^cur)*0xBF58476D1CE4E5B9>>55) % (pairWords * 64)
}

// hasPairs reports whether section d's bitset has every bit in bits.
func (ix *Index) hasPairs(d int32, bits []uint32) bool {
	set := ix.pairs[int(d)*pairWords : int(d+1)*pairWords]
	for _, b := range bits {
		if set[b>>6]&(1<<(b&63)) == 0 {
			return false
		}
	}
	return true
}
