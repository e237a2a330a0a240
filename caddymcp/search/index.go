package search

import (
	"math"
	"sort"
	"strings"
	"sync"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// Index is an immutable full-text index over pages. Every section of every
// page is one BM25 document; page titles are a page-level field. It is safe
// for concurrent use after Build.
type Index struct {
	pages  []source.Page
	byID   strTable
	byPath strTable // lowercased ID and lowercased path → page

	// docs are the sections in page order; page i owns docs
	// [pageDoc[i], pageDoc[i+1]).
	docs    []doc
	pageDoc []int32

	terms   strTable // term (stem or whole identifier) → id
	termStr []string // id → term
	body    postings // section text, stop words left out
	head    postings // section headings, stop words kept
	title   postings // page titles (ids are page numbers), stop words kept

	// BM25 length norms, precomputed (see lengthNorm): per doc for body
	// and heading, per page for the title.
	bodyNorm, headNorm, titleNorm []float32
	pageNorm                      []float32 // per page, over all its sections' text

	// pairs is, per section, a pairWords-word bitset of the adjacent word
	// pairs in its heading and text (see pairBit): a phrase with a pair
	// that is not set cannot be in the section, so most candidate
	// sections are ruled out without scanning their text.
	pairs []uint64

	langs  []*language            // languages present, most pages first
	vocab  map[*language]strTable // surface word → term id (negative: stop word)
	fuzzy  fuzzyVocab
	facets Facets
	pool   sync.Pool
	tune   tuning   // ranking knobs, fixed at build time
	digest [32]byte // see ContentDigest
}

// doc is one section.
type doc struct {
	page    int32
	section int32
}

// postings is a term → (doc, tf) list in flat arrays: term t's entries are
// [off[t], off[t+1]). Flat int32/uint16 arrays keep 100k-page indexes small.
type postings struct {
	off []uint32
	doc []int32
	tf  []uint16
}

func (p *postings) list(t int32) ([]int32, []uint16) {
	if int(t)+1 >= len(p.off) {
		return nil, nil
	}
	a, b := p.off[t], p.off[t+1]
	return p.doc[a:b], p.tf[a:b]
}

func (p *postings) df(t int32) int {
	if int(t)+1 >= len(p.off) {
		return 0
	}
	return int(p.off[t+1] - p.off[t])
}

// Len is the number of pages.
func (ix *Index) Len() int { return len(ix.pages) }

// Pages returns the pages in source order. The pages are owned by the index.
func (ix *Index) Pages() []*source.Page {
	out := make([]*source.Page, len(ix.pages))
	for i := range ix.pages {
		out[i] = &ix.pages[i]
	}
	return out
}

// Page returns the page with the given ID.
func (ix *Index) Page(id string) (*source.Page, bool) {
	if i, ok := ix.byID.get(id); ok {
		return &ix.pages[i], true
	}
	return nil, false
}

// PageByURL finds a page by absolute URL (with or without "#anchor", query
// or trailing slash), by ID, or by path ("/docs/install", "docs/install").
// Matching falls back to case-insensitive because Hugo lowercases URLs.
func (ix *Index) PageByURL(u string) (*source.Page, bool) {
	key := normalizeURL(u)
	if i, ok := ix.byID.get(key); ok {
		return &ix.pages[i], true
	}
	if i, ok := ix.byPath.get(strings.ToLower(key)); ok {
		return &ix.pages[i], true
	}
	return nil, false
}

// normalizeURL strips scheme, fragment, query and surrounding slashes, which
// turns a permalink into a page ID and a path into a page Path.
func normalizeURL(u string) string {
	id, _ := source.IDAndPath(strings.TrimSpace(u)) // the loaders' own rule
	return id
}

// Facets lists the sections, languages and versions present.
func (ix *Index) Facets() Facets {
	f := ix.facets
	return Facets{
		Sections: append([]string(nil), f.Sections...),
		Langs:    append([]string(nil), f.Langs...),
		Versions: append([]string(nil), f.Versions...),
	}
}

// builder holds the scratch state of Build.
type builder struct {
	ix      *Index
	terms   map[string]int32               // becomes ix.terms
	vocab   map[*language]map[string]int32 // becomes ix.vocab
	counts  []uint16                       // dense per-term counts for the current field
	touched []int32
	buf     []byte
	leafBuf []byte
	pairs   []uint64 // the current section's pair bitset, nil for titles
	prev    uint64   // hash of the previous leaf, 0 at the start of a text
	// collected (term, tf) entries per field; doc boundaries in *Ends.
	bodyT, headT, titleT    []int32
	bodyTF, headTF, titleTF []uint16
	bodyEnds, headEnds      []uint32
	titleEnds               []uint32
}

// Build indexes pages. The pages are copied (shallowly); callers must not
// modify them afterwards.
func Build(pages []source.Page) *Index { return buildTuned(pages, defaultTuning) }

// buildTuned is Build with explicit ranking knobs (tests and tuning sweeps
// build several indexes side by side, so the knobs live in the index).
func buildTuned(pages []source.Page, tune tuning) *Index {
	ix := &Index{
		tune:    tune,
		pages:   append([]source.Page(nil), pages...),
		pageDoc: make([]int32, len(pages)+1),
	}
	// The lookup tables are Go maps while building, frozen into strTables
	// at the end.
	b := &builder{ix: ix, terms: make(map[string]int32), vocab: make(map[*language]map[string]int32)}
	byID, byPath := make(map[string]int32, len(pages)), make(map[string]int32, 2*len(pages))
	langCount := map[*language]int{}
	secs, langs, vers := map[string]bool{}, map[string]bool{}, map[string]bool{}
	var bodyTotal, headTotal, titleTotal uint64
	var bodyLen, headLen, titleLen []uint32
	for pi := range ix.pages {
		p := &ix.pages[pi]
		if _, dup := byID[p.ID]; !dup {
			byID[p.ID] = int32(pi)
		}
		for _, k := range []string{strings.ToLower(p.ID), strings.ToLower(strings.Trim(p.Path, "/")), strings.ToLower(normalizeURL(p.URL))} {
			if _, dup := byPath[k]; !dup && k != "" {
				byPath[k] = int32(pi)
			}
		}
		secs[p.Section], langs[p.Lang], vers[p.Version] = true, true, true
		lang := langOf(p.Lang)
		langCount[lang]++
		ix.pageDoc[pi] = int32(len(ix.docs))

		// The title field also holds the last path segment and the tags:
		// both name what the page is about.
		n := b.addText(p.Title+" "+lastSegment(p.Path)+" "+strings.Join(p.Tags, " "), lang, true)
		titleTotal += uint64(n)
		titleLen = append(titleLen, uint32(n))
		b.titleT, b.titleTF = b.flush(b.titleT, b.titleTF)
		b.titleEnds = append(b.titleEnds, uint32(len(b.titleT)))

		nsec := len(p.Sections)
		if nsec == 0 {
			nsec = 1 // a page without text still gets a document so its title is findable
		}
		for si := 0; si < nsec; si++ {
			var s source.Section
			if si < len(p.Sections) {
				s = p.Sections[si]
			}
			d := doc{page: int32(pi), section: int32(si)}
			var pairs [pairWords]uint64
			b.pairs = pairs[:]
			hn := b.addText(s.Heading, lang, true)
			headLen = append(headLen, uint32(hn))
			b.headT, b.headTF = b.flush(b.headT, b.headTF)
			b.headEnds = append(b.headEnds, uint32(len(b.headT)))
			text := s.Text
			if si == 0 && summaryMissing(p) {
				text = p.Summary + "\n\n" + text
			}
			bn := b.addText(text, lang, false)
			ix.pairs = append(ix.pairs, pairs[:]...)
			b.pairs = nil
			bodyLen = append(bodyLen, uint32(bn))
			b.bodyT, b.bodyTF = b.flush(b.bodyT, b.bodyTF)
			b.bodyEnds = append(b.bodyEnds, uint32(len(b.bodyT)))
			bodyTotal += uint64(bn)
			headTotal += uint64(hn)
			ix.docs = append(ix.docs, d)
		}
	}
	ix.pageDoc[len(ix.pages)] = int32(len(ix.docs))
	nt := len(ix.termStr)
	ix.body = invert(nt, b.bodyT, b.bodyTF, b.bodyEnds)
	b.bodyT, b.bodyTF, b.bodyEnds = nil, nil, nil
	ix.head = invert(nt, b.headT, b.headTF, b.headEnds)
	ix.title = invert(nt, b.titleT, b.titleTF, b.titleEnds)
	ix.bodyNorm = norms(bodyLen, bodyTotal, tune.bBody, tune.k1)
	ix.headNorm = norms(headLen, headTotal, tune.bHead, tune.k1)
	ix.titleNorm = norms(titleLen, titleTotal, tune.bTitle, tune.k1)
	pageLen := make([]uint32, len(ix.pages))
	for d, l := range bodyLen {
		pageLen[ix.docs[d].page] += l
	}
	ix.pageNorm = norms(pageLen, bodyTotal, tune.bPage, tune.k1)
	for l := range langCount {
		ix.langs = append(ix.langs, l)
	}
	sort.Slice(ix.langs, func(i, j int) bool {
		if langCount[ix.langs[i]] != langCount[ix.langs[j]] {
			return langCount[ix.langs[i]] > langCount[ix.langs[j]]
		}
		return ix.langs[i].name < ix.langs[j].name
	})
	ix.facets = Facets{Sections: keys(secs), Langs: keys(langs), Versions: keys(vers)}
	ix.fuzzy = buildFuzzy(ix, b.vocab)
	ix.digest = pagesDigest(ix.pages)
	ix.byID, ix.byPath, ix.terms = newStrTable(byID), newStrTable(byPath), newStrTable(b.terms)
	ix.vocab = make(map[*language]strTable, len(b.vocab))
	for l, v := range b.vocab {
		ix.vocab[l] = newStrTable(v)
	}
	return ix
}

// norms precomputes BM25 length norms from field lengths.
func norms(lens []uint32, total uint64, b, k1 float32) []float32 {
	out := make([]float32, len(lens))
	if len(lens) == 0 {
		return out
	}
	avg := float32(float64(total) / float64(len(lens)))
	for i, l := range lens {
		out[i] = lengthNorm(float32(l), avg, b, k1)
	}
	return out
}

func keys(m map[string]bool) []string {
	out := []string{}
	for k := range m {
		if k != "" {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// termID interns a term.
func (b *builder) termID(t string) int32 {
	if id, ok := b.terms[t]; ok {
		return id
	}
	id := int32(len(b.ix.termStr))
	b.terms[t] = id
	b.ix.termStr = append(b.ix.termStr, t)
	return id
}

// surfaceID maps a lowercased surface word to its term id in lang, stemming
// it once per distinct surface. Stop words come back negative (-id-1).
func (b *builder) surfaceID(lang *language, surface []byte, r role) int32 {
	v := b.vocab[lang]
	if v == nil {
		v = make(map[string]int32)
		b.vocab[lang] = v
	}
	if id, ok := v[string(surface)]; ok {
		return id
	}
	s := string(surface)
	var id int32
	if r == roleWhole {
		id = b.termID(s)
	} else {
		id = b.termID(lang.stemWord(s))
		if lang.isStop(s) {
			id = -id - 1
		}
	}
	v[s] = id
	return id
}

// addText counts the terms of text into b.counts and returns the field
// length. Stop words count only when keepStop is set.
func (b *builder) addText(text string, lang *language, keepStop bool) int {
	n := 0
	b.prev = 0
	scanTokens(text, func(raw string, _, _ int) {
		if b.pairs != nil {
			b.leafBuf = leaves(raw, b.leafBuf, func(l []byte) {
				h := leafHash(l)
				if b.prev != 0 {
					bit := pairBit(b.prev, h)
					b.pairs[bit>>6] |= 1 << (bit & 63)
				}
				b.prev = h
			})
		}
		b.buf = expand(raw, b.buf, func(surface []byte, r role) {
			id := b.surfaceID(lang, surface, r)
			if id < 0 {
				if !keepStop {
					return
				}
				id = -id - 1
			}
			if int(id) >= len(b.counts) {
				b.counts = append(b.counts, make([]uint16, int(id)+1-len(b.counts)+1024)...)
			}
			if b.counts[id] == 0 {
				b.touched = append(b.touched, id)
			}
			if b.counts[id] < math.MaxUint16 {
				b.counts[id]++
			}
			n++
		})
	})
	return n
}

// flush appends the counted terms as entries and resets the counts.
func (b *builder) flush(ts []int32, tfs []uint16) ([]int32, []uint16) {
	for _, t := range b.touched {
		ts = append(ts, t)
		tfs = append(tfs, b.counts[t])
		b.counts[t] = 0
	}
	b.touched = b.touched[:0]
	return ts, tfs
}

// invert turns per-document entries into per-term postings with a counting
// sort, so postings come out sorted by doc id without per-term slices.
func invert(nterms int, ts []int32, tfs []uint16, ends []uint32) postings {
	p := postings{off: make([]uint32, nterms+1), doc: make([]int32, len(ts)), tf: make([]uint16, len(ts))}
	for _, t := range ts {
		p.off[t+1]++
	}
	for i := 1; i <= nterms; i++ {
		p.off[i] += p.off[i-1]
	}
	next := make([]uint32, nterms)
	copy(next, p.off[:nterms])
	start := uint32(0)
	for d, end := range ends {
		for e := start; e < end; e++ {
			t := ts[e]
			k := next[t]
			p.doc[k] = int32(d)
			p.tf[k] = tfs[e]
			next[t]++
		}
		start = end
	}
	return p
}

// summaryMissing reports whether the page summary is not already part of
// the lead text (Markdown sources put the description there; index.json
// sources may carry it separately), so it is indexed with the lead.
func summaryMissing(p *source.Page) bool {
	sum := strings.TrimSpace(p.Summary)
	if sum == "" {
		return false
	}
	if len(sum) > 200 {
		sum = sum[:200]
	}
	for _, s := range p.Sections[:min(len(p.Sections), 3)] {
		if strings.Contains(s.Text, sum) {
			return false
		}
	}
	return true
}

// lastSegment is the last path segment ("caddyfile/directives/redir" →
// "redir"): sites name pages after their subject, so it is indexed with the
// title.
func lastSegment(path string) string {
	path = strings.Trim(path, "/")
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		return path[i+1:]
	}
	return path
}
