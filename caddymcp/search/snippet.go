package search

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// snippetLen bounds a snippet's text (before the ** marks are added).
const snippetLen = 300

// maxSnippetScan bounds how much of a long section is searched for the
// best passage.
const maxSnippetScan = 16 << 10

// span is one matched token in a text.
type span struct {
	start, end int
	term       int // index into the query's terms
}

// matchSpans finds the tokens of text that match a non-stop query term,
// using the same analysis as indexing so that stems and identifier pieces
// are marked too. Only tokens with a piece starting with a query-term
// prefix are analysed (stemming changes word endings only); those are found
// with a fast substring search over a lowercased copy.
func (ix *Index) matchSpans(text string, lang *language, pq parsedQuery) []span {
	if len(text) > maxSnippetScan {
		text = text[:maxSnippetScan]
	}
	bp := bufPool.Get().(*[]byte)
	low := lowerASCII(*bp, text)
	starts := make([]int, 0, 64)
	for _, p := range pq.prefixes {
		for off := 0; off < len(low); {
			k := strings.Index(unsafeString(low[off:]), p)
			if k < 0 {
				break
			}
			at := off + k
			off = at + 1
			if isPieceStart(text, at) {
				starts = append(starts, tokenStart(text, at))
			}
		}
	}
	*bp = low
	bufPool.Put(bp)
	slices.Sort(starts)
	starts = slices.Compact(starts)
	// At most one span per start: one allocation, no regrowth.
	out := make([]span, 0, len(starts))
	buf := make([]byte, 0, 64)
	for _, st := range starts {
		if len(out) > 0 && st < out[len(out)-1].end {
			continue
		}
		scanTokensUntil(text[st:], func(raw string, s, e int) bool {
			best := -1
			buf = expand(raw, buf, func(b []byte, r role) {
				id, stop, ok := ix.lookupBytes(lang, b, r)
				if !ok || stop {
					return
				}
				for ti, t := range pq.terms {
					if !t.stop && containsID(t.ids, id) && (best < 0 || t.weight > pq.terms[best].weight) {
						best = ti
					}
				}
			})
			if best >= 0 {
				out = append(out, span{st + s, st + e, best})
			}
			return false
		})
	}
	return out
}

// snippet picks the passage of text (≤ snippetLen bytes) with the most
// distinct matched query terms, cuts it at word boundaries and marks the
// matches **like this**.
func (ix *Index) snippet(text string, lang *language, pq parsedQuery) string {
	if text == "" {
		return ""
	}
	spans := ix.matchSpans(text, lang, pq)
	from, to := 0, min(len(text), snippetLen)
	if len(spans) > 0 {
		// Slide a window over the matches; score = distinct terms, then
		// number of matches.
		// seen counts the window's matches per term (terms index a query
		// of at most maxQueryTerms), distinct how many are non-zero: a map
		// per snippet cost more than the window itself.
		bestI, bestJ, bestD, bestN := 0, 0, -1, 0
		var seen [maxQueryTerms]int
		distinct := 0
		j := 0
		for i := range spans {
			for j < len(spans) && spans[j].end-spans[i].start <= snippetLen {
				if seen[spans[j].term]++; seen[spans[j].term] == 1 {
					distinct++
				}
				j++
			}
			if d, n := distinct, j-i; d > bestD || d == bestD && n > bestN {
				bestI, bestJ, bestD, bestN = i, j, d, n
			}
			if seen[spans[i].term]--; seen[spans[i].term] == 0 {
				distinct--
			}
		}
		first, last := spans[bestI].start, spans[max(bestJ-1, bestI)].end
		// Centre the matches in the window, with some lead-in context.
		slack := snippetLen - (last - first)
		from = max(0, first-min(slack/2, 60))
		to = min(len(text), from+snippetLen)
		if to-from < snippetLen {
			from = max(0, to-snippetLen)
		}
	}
	from, to = wordBounds(text, from, to)
	var b strings.Builder
	if from > 0 {
		b.WriteString("… ")
	}
	pos := from
	space := false
	b.Grow(to - from + 64 + len(" …"))
	// write copies text, collapsing runs of white space into one space.
	// Runs of other characters are copied whole (one WriteString per
	// word, not per character).
	write := func(s string) {
		for i := 0; i < len(s); {
			j, n := i, 0 // s[i:j] is not space; s[j:j+n] is a space character
			for j < len(s) {
				c := s[j]
				if c < utf8.RuneSelf {
					if c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v' {
						n = 1
						break
					}
					j++
					continue
				}
				r, size := utf8.DecodeRuneInString(s[j:])
				if unicode.IsSpace(r) {
					n = size
					break
				}
				j += size
			}
			if j > i {
				if space && b.Len() > 0 {
					b.WriteByte(' ')
				}
				space = false
				b.WriteString(s[i:j])
			}
			if n > 0 {
				space = true
			}
			i = j + n
		}
	}
	for _, sp := range spans {
		if sp.start < from || sp.end > to {
			continue
		}
		write(text[pos:sp.start])
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteString("**")
		b.WriteString(text[sp.start:sp.end])
		b.WriteString("**")
		pos = sp.end
	}
	write(text[pos:to])
	whole := b.String()
	out := strings.TrimSpace(whole)
	if to < len(text) {
		if len(out) != len(whole) {
			return out + " …"
		}
		// Nothing was trimmed (the usual case): append the ellipsis in
		// the builder instead of concatenating a copy. whole stays as it
		// was: the builder only appends.
		b.WriteString(" …")
		return b.String()
	}
	return out
}

// wordBounds moves from forward and to backward to whitespace so a snippet
// never starts or ends inside a word (unless the word is longer than the
// whole window).
func wordBounds(text string, from, to int) (int, int) {
	if from > 0 && !isSpaceAt(text, from-1) {
		if i := strings.IndexFunc(text[from:to], unicode.IsSpace); i >= 0 {
			from += i
		}
	}
	for from < to && !utf8.RuneStart(text[from]) {
		from++
	}
	if to < len(text) && !isSpaceAt(text, to) {
		if i := strings.LastIndexFunc(text[from:to], unicode.IsSpace); i > 0 {
			to = from + i
		}
	}
	for to > from && to < len(text) && !utf8.RuneStart(text[to]) {
		to--
	}
	return from, to
}

func isSpaceAt(text string, i int) bool {
	r, _ := utf8.DecodeRuneInString(text[i:])
	return unicode.IsSpace(r)
}
