package search

import (
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"
)

// Limits on the work one query can cause.
const (
	maxQueryBytes  = 1024
	maxQueryTerms  = 32 // also the width of the matched-terms masks
	maxCorrections = 4  // typo corrections scan the vocabulary
)

// qterm is one distinct query term with the index terms it stands for (one
// per language stemmer, deduplicated, or typo corrections).
type qterm struct {
	surface string
	ids     []int32
	weight  float32
	stop    bool
	fuzzy   bool
	whole   bool
	parent  int // index of the whole identifier a piece came from, or -1
}

// parsedQuery is the analysed query.
type parsedQuery struct {
	terms   []qterm
	phrases []phrase // each "quoted phrase"
	fuzzy   bool
	// corrected maps each query word typo tolerance replaced to the
	// indexed word it was replaced by (the most frequent of the nearest).
	corrected map[string]string
	// prefixes are the first bytes of every matchable term, for finding
	// snippet matches (see matchPrefix).
	prefixes []string
}

// curlyQuotes maps typographic double quotes to straight ones. Built once:
// a Replacer is costly to construct and safe for concurrent use.
var curlyQuotes = strings.NewReplacer("\u201c", "\"", "\u201d", "\"", "\u201e", "\"")

// splitPhrases separates "quoted phrases" (straight or curly quotes) from
// the rest of the query. An unbalanced quote is treated as plain text.
func splitPhrases(text string) (rest string, phrases []string) {
	text = curlyQuotes.Replace(text)
	var b strings.Builder
	for {
		i := strings.IndexByte(text, '"')
		if i < 0 {
			break
		}
		j := strings.IndexByte(text[i+1:], '"')
		if j < 0 {
			break
		}
		b.WriteString(text[:i])
		b.WriteByte(' ')
		phrases = append(phrases, text[i+1:i+1+j])
		text = text[i+2+j:]
	}
	b.WriteString(text)
	return b.String(), phrases
}

// lookup finds the term id of a lowercased surface in lang without changing
// the index (the build-time vocabulary is read-only here). ok is false when
// the index has no such term.
func (ix *Index) lookup(lang *language, surface string, r role) (id int32, stop, ok bool) {
	if v := ix.vocab[lang]; v != nil {
		if id, ok := v[surface]; ok {
			if id < 0 {
				return -id - 1, true, true
			}
			return id, false, true
		}
	}
	stop = r != roleWhole && lang.isStop(surface)
	t := surface
	if r != roleWhole {
		t = lang.stemWord(surface)
	}
	id, ok = ix.terms[t]
	return id, stop, ok
}

// parse analyses the query text against the given languages.
func (ix *Index) parse(text string, langs []*language) parsedQuery {
	var pq parsedQuery
	// Bound the work a single request can cause: real queries are short.
	if len(text) > maxQueryBytes {
		text = text[:maxQueryBytes]
	}
	rest, phrases := splitPhrases(text)
	var buf []byte
	for _, ph := range phrases {
		var leafs []string
		scanTokens(ph, func(raw string, _, _ int) {
			buf = leaves(raw, buf, func(l []byte) { leafs = append(leafs, string(l)) })
		})
		if len(leafs) > 0 {
			pq.phrases = append(pq.phrases, newPhrase(leafs))
		}
		rest += " " + ph
	}
	index := map[string]int{}
	scanTokens(rest, func(raw string, _, _ int) {
		parent := -1
		buf = expand(raw, buf, func(s []byte, r role) {
			w := float32(1)
			if r == rolePiece {
				w = ix.tune.pieceWeight
			}
			if i, ok := index[string(s)]; ok {
				pq.terms[i].weight = max(pq.terms[i].weight, w)
				return
			}
			if len(pq.terms) >= maxQueryTerms {
				return
			}
			qt := qterm{surface: string(s), weight: w, whole: r == roleWhole, parent: -1}
			if r == rolePiece {
				qt.parent = parent
			}
			for li, l := range langs {
				id, stop, ok := ix.lookup(l, qt.surface, r)
				if li == 0 {
					qt.stop = stop
				}
				if ok && !containsID(qt.ids, id) {
					qt.ids = append(qt.ids, id)
				}
			}
			index[qt.surface] = len(pq.terms)
			if r == roleWhole {
				parent = len(pq.terms)
			}
			pq.terms = append(pq.terms, qt)
		})
	})
	// Typo tolerance only for terms the index does not know at all, so an
	// exact match is never outweighed by a correction.
	corrections := 0
	for i := range pq.terms {
		t := &pq.terms[i]
		if len(t.ids) > 0 || t.stop || corrections == maxCorrections {
			continue
		}
		corrections++
		if ids, word := ix.fuzzy.correct(ix, t.surface); len(ids) > 0 {
			t.ids, t.fuzzy = ids, true
			if pq.corrected == nil {
				pq.corrected = map[string]string{}
			}
			pq.corrected[t.surface] = word
			t.weight *= ix.tune.fuzzyWeight
			pq.fuzzy = true
		}
	}
	// Pieces of an identifier that is itself in the index add little but
	// noise; pieces of an unknown identifier carry the query.
	for i := range pq.terms {
		if p := pq.terms[i].parent; p >= 0 && len(pq.terms[p].ids) == 0 {
			pq.terms[i].weight = 1
		}
	}
	for _, t := range pq.terms {
		if t.stop {
			continue
		}
		for _, id := range t.ids {
			p := matchPrefix(ix.termStr[id])
			if !slices.Contains(pq.prefixes, p) {
				pq.prefixes = append(pq.prefixes, p)
			}
		}
	}
	return pq
}

// matchPrefix is the part of an index term that every word analysed to it
// starts with. Stemmers rewrite at most the last letter of what they keep
// ("policy" → "polici", "hoping" → "hope"), so all but the last byte of a
// stem is a prefix of the word; six bytes are plenty to be selective.
func matchPrefix(term string) string {
	n := max(min(len(term)-1, 6), 3)
	if n < len(term) {
		return term[:n]
	}
	return term
}

// lookupBytes is lookup for a byte-slice surface, allocation-free when the
// surface is in the vocabulary (the common case for indexed text).
func (ix *Index) lookupBytes(lang *language, surface []byte, r role) (id int32, stop, ok bool) {
	if v := ix.vocab[lang]; v != nil {
		if id, ok := v[string(surface)]; ok {
			if id < 0 {
				return -id - 1, true, true
			}
			return id, false, true
		}
	}
	return ix.lookup(lang, string(surface), r)
}

func containsID(ids []int32, id int32) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// phrase is a quoted phrase: its lowercased leaves, and the spellings of
// the first leaf to look for (lower, Capitalised, UPPER) with a fast
// substring search.
type phrase struct {
	leaves []string
	firsts []string
	ascii  bool
}

func newPhrase(leaves []string) phrase {
	f := leaves[0]
	ph := phrase{leaves: leaves, firsts: []string{f}, ascii: true}
	for i := 0; i < len(f); i++ {
		if f[i] >= utf8.RuneSelf {
			ph.ascii = false
		}
	}
	if up := strings.ToUpper(f[:1]) + f[1:]; up != f {
		ph.firsts = append(ph.firsts, up)
	}
	if up := strings.ToUpper(f); !slices.Contains(ph.firsts, up) {
		ph.firsts = append(ph.firsts, up)
	}
	return ph
}

// phraseIn reports whether the phrase occurs in text. It scans the text
// instead of storing positions in the index, which keeps the index small:
// a substring search finds the first leaf, and only the tokens from there
// on are analysed.
func phraseIn(text string, ph phrase) bool {
	if !ph.ascii {
		// Case-folding non-ASCII text needs a lowercased copy.
		bp := bufPool.Get().(*[]byte)
		defer bufPool.Put(bp)
		*bp = append((*bp)[:0], strings.ToLower(text)...)
		return phraseAt(unsafeString(*bp), ph.leaves, ph.leaves[0])
	}
	for _, f := range ph.firsts {
		if phraseAt(text, ph.leaves, f) {
			return true
		}
	}
	return false
}

// phraseAt looks for the leaves starting at each occurrence of first.
func phraseAt(text string, want []string, first string) bool {
	var leafBuf []byte
	for off := 0; off < len(text); {
		k := strings.Index(text[off:], first)
		if k < 0 {
			return false
		}
		at := off + k
		off = at + 1
		if !isPieceStart(text, at) {
			continue
		}
		n, ok := 0, true
		scanTokensUntil(text[at:], func(raw string, _, _ int) bool {
			leafBuf = leaves(raw, leafBuf, func(l []byte) {
				if !ok || n >= len(want) {
					return
				}
				if string(l) != want[n] {
					ok = false
				}
				n++
			})
			return ok && n < len(want)
		})
		if ok && n == len(want) {
			return true
		}
	}
	return false
}

// bufPool recycles the lowercase copies of section texts.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// unsafeString views b as a string without copying; b must not change while
// the string is in use.
func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
