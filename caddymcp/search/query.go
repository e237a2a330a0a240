package search

import (
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/text/unicode/norm"
)

// Limits on the work one query can cause.
const (
	maxQueryBytes  = 1024
	maxQueryTerms  = 32 // also the width of the matched-terms masks
	maxCorrections = 4  // typo corrections scan the vocabulary
	// maxPhrases bounds the distinct "quoted phrases" that are enforced:
	// each one is a substring scan of every candidate section. Later
	// phrases still count as words.
	maxPhrases = 4
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
	// related marks a term the user did not type (see addRelated): it
	// scores but does not count in coord.
	related bool
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
	// none is set when a phrase has a word the index has never seen: no
	// section can contain it, so the query has no hits.
	none bool
	// arena holds the terms' surfaces and id lists.
	arena queryArena
}

// curlyQuotes maps typographic double quotes to straight ones. Built once:
// a Replacer is costly to construct and safe for concurrent use.
var curlyQuotes = strings.NewReplacer("\u201c", "\"", "\u201d", "\"", "\u201e", "\"")

// splitPhrases separates "quoted phrases" (straight or curly quotes) from
// the rest of the query. An unbalanced quote is treated as plain text.
func splitPhrases(text string) (rest string, phrases []string) {
	// Most queries have no quotes at all: skip the Replacer (it copies)
	// when there is no curly quote (all three start with byte 0xE2), and
	// the copy into the builder when there is no straight one.
	if strings.IndexByte(text, 0xE2) >= 0 {
		text = curlyQuotes.Replace(text)
	}
	if strings.IndexByte(text, '"') < 0 {
		return text, nil
	}
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
	if v, ok := ix.vocab[lang]; ok {
		if id, ok := v.get(surface); ok {
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
	id, ok = ix.terms.get(t)
	return id, stop, ok
}

// parse analyses the query text against the given languages.
func (ix *Index) parse(text string, langs []*language) parsedQuery {
	return ix.parseQuery(text, langs, true)
}

// parseQuery is parse; withPrefixes false leaves pq.prefixes empty, for a
// query that builds no snippets (only snippets use them).
func (ix *Index) parseQuery(text string, langs []*language, withPrefixes bool) parsedQuery {
	var pq parsedQuery
	// Bound the work a single request can cause: real queries are short.
	if len(text) > maxQueryBytes {
		text = text[:maxQueryBytes]
	}
	text = foldQuery(text)
	rest, phrases := splitPhrases(text)
	// Sized for the usual query (each word, and perhaps its related
	// prefix, see addRelated) so that terms is allocated once; append
	// still grows it for identifiers that split into many pieces.
	pq.terms = make([]qterm, 0, min(maxQueryTerms, 2*strings.Count(text, " ")+3))
	// Surfaces are the words, identifiers and their pieces: about twice
	// the text at most.
	pq.arena = queryArena{bytes: make([]byte, 0, 2*len(text)+16), ids: make([]int32, 0, len(langs)*cap(pq.terms)), langs: len(langs)}
	buf := make([]byte, 0, 64)
	index := map[string]int{}
	// Phrases come first, de-duplicated, and only as many as fit in the
	// term budget (their words must be terms for the phrase pre-filter,
	// see phraseMask) and in maxPhrases; the rest are plain words.
	seenPhrase := map[string]bool{}
	for _, ph := range phrases {
		var leafs []string
		scanTokens(ph, func(raw string, _, _ int) {
			buf = leaves(raw, buf, func(l []byte) { leafs = append(leafs, string(l)) })
		})
		key := strings.Join(leafs, " ")
		if len(leafs) == 0 || seenPhrase[key] {
			continue
		}
		seenPhrase[key] = true
		if len(pq.phrases) == maxPhrases || len(pq.terms)+ix.newTerms(ph, index) > maxQueryTerms {
			rest += " " + ph
			continue
		}
		onlyStop := true
		for _, l := range leafs {
			if !ix.known(l, langs) {
				pq.none = true
			}
			onlyStop = onlyStop && langs[0].isStop(l)
		}
		ix.addTerms(&pq, ph, langs, index, &buf)
		// A phrase of stop words only ("to a") is kept as words, as
		// analyzers that drop stop words do: nothing in the index narrows
		// down where it could occur, so enforcing it means scanning the
		// text of every candidate section.
		if !onlyStop {
			pq.phrases = append(pq.phrases, newPhrase(leafs, langs[0].isStop))
		}
	}
	ix.addTerms(&pq, rest, langs, index, &buf)
	ix.finishTerms(&pq, withPrefixes)
	return pq
}

// queryArena hands out the small strings and id lists of one query's
// terms from shared blocks, instead of one allocation per term. What it
// hands out is never written again: a block is only appended to, and a
// full block is replaced, not grown in place.
type queryArena struct {
	bytes []byte
	ids   []int32
	langs int // the ids slot size: one id per language at most
}

// str returns b as a string.
func (a *queryArena) str(b []byte) string {
	if cap(a.bytes)-len(a.bytes) < len(b) {
		a.bytes = make([]byte, 0, max(256, len(b)))
	}
	start := len(a.bytes)
	a.bytes = append(a.bytes, b...)
	return unsafeString(a.bytes[start:])
}

// idSlot returns an empty list with room for one id per language: a
// term's ids are appended within that capacity, so they never spill into
// the next term's slot.
func (a *queryArena) idSlot() []int32 {
	if cap(a.ids)-len(a.ids) < a.langs {
		a.ids = make([]int32, 0, max(32, a.langs))
	}
	start := len(a.ids)
	a.ids = a.ids[:start+a.langs]
	return a.ids[start:start:len(a.ids)]
}

// newTerms counts the term surfaces text would add to a query that
// already has the ones in index.
func (ix *Index) newTerms(text string, index map[string]int) int {
	var buf []byte
	seen := map[string]bool{}
	scanTokens(text, func(raw string, _, _ int) {
		buf = expand(raw, buf, func(s []byte, _ role) {
			if _, ok := index[string(s)]; !ok {
				seen[string(s)] = true
			}
		})
	})
	return len(seen)
}

// known reports whether some indexed text had the word (a phrase leaf).
func (ix *Index) known(leaf string, langs []*language) bool {
	for _, l := range langs {
		if _, _, ok := ix.lookup(l, leaf, roleWord); ok {
			return true
		}
	}
	return false
}

// addTerms analyses text into query terms, up to maxQueryTerms distinct
// ones; index maps each surface to its term.
func (ix *Index) addTerms(pq *parsedQuery, text string, langs []*language, index map[string]int, bufp *[]byte) {
	buf := *bufp
	defer func() { *bufp = buf }()
	scanTokens(text, func(raw string, _, _ int) {
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
			qt := qterm{surface: pq.arena.str(s), ids: pq.arena.idSlot(), weight: w, whole: r == roleWhole, parent: -1}
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
}

// finishTerms applies typo correction and identifier-piece weights, and
// collects the snippet prefixes.
func (ix *Index) finishTerms(pq *parsedQuery, withPrefixes bool) {
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
	ix.addRelated(pq)
	// Pieces of an identifier that is itself in the index add little but
	// noise; pieces of an unknown identifier carry the query.
	for i := range pq.terms {
		if p := pq.terms[i].parent; p >= 0 && len(pq.terms[p].ids) == 0 {
			pq.terms[i].weight = 1
		}
	}
	if !withPrefixes {
		return
	}
	n := 0
	for _, t := range pq.terms {
		n += len(t.ids)
	}
	pq.prefixes = make([]string, 0, n)
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
	if v, ok := ix.vocab[lang]; ok {
		if id, ok := v.getBytes(surface); ok {
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

// bufPool recycles the lowercase copies of section texts (snippets).
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// unsafeString views b as a string without copying; b must not change while
// the string is in use.
func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// foldQuery applies Unicode compatibility normalisation (NFKC) to a
// non-ASCII query: fullwidth "ＭＥＮＵ" is "MENU", a ligature "ﬁle" is
// "file", "①" is "1". Input methods for CJK produce fullwidth Latin
// letters, and documentation text is written with the plain ones.
// Folding can lengthen text (U+FDFA is 18 letters), so the query limit is
// applied again after it.
func foldQuery(text string) string {
	for i := 0; i < len(text); i++ {
		if text[i] >= utf8.RuneSelf {
			if text = norm.NFKC.String(text); len(text) > maxQueryBytes {
				text = text[:maxQueryBytes]
			}
			return text
		}
	}
	return text
}

// addRelated bridges word forms the stemmer keeps apart and the
// abbreviations documentation names things by: a query word also matches
// the indexed words that are a prefix of it, at least minRelated bytes long
// ("redirect" finds the redir directive, "readers" reading time,
// "authentication" auth, "scannable" scan), with the tuning's
// relatedWeight. A prefix only counts when the index has it as a word of
// its own, so the vocabulary of the corpus decides, not a list.
func (ix *Index) addRelated(pq *parsedQuery) {
	if ix.tune.relatedWeight <= 0 {
		return
	}
	n := len(pq.terms)
	for i := 0; i < n && len(pq.terms) < maxQueryTerms; i++ {
		t := pq.terms[i]
		if t.stop || t.whole || t.fuzzy || len(t.surface) <= minRelated || !isLetters(t.surface) {
			continue
		}
		for l := len(t.surface) - 1; l >= minRelated && len(pq.terms) < maxQueryTerms; l-- {
			id, ok := ix.terms.get(t.surface[:l])
			if !ok || containsID(t.ids, id) || ix.termUsed(pq, id) {
				continue
			}
			ids := append(pq.arena.idSlot(), id)
			pq.terms = append(pq.terms, qterm{surface: t.surface[:l], ids: ids, weight: t.weight * ix.tune.relatedWeight, parent: -1, related: true})
			break // the longest prefix only
		}
	}
}

// minRelated is the shortest prefix addRelated matches.
const minRelated = 4

// termUsed reports whether a query term already stands for index term id.
func (ix *Index) termUsed(pq *parsedQuery, id int32) bool {
	for _, t := range pq.terms {
		if containsID(t.ids, id) {
			return true
		}
	}
	return false
}
