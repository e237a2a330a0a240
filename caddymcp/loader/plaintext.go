package loader

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// index.json contents are plain text: the generator dropped the heading marks
// but kept each heading on its own line, glued to its neighbours with single
// newlines, while paragraphs are separated by blank lines. splitPlainText uses
// that layout plus a few shape tests to find headings again; it is a
// heuristic (precision/recall are measured against the Markdown originals in
// TestHeadingHeuristicOnCorpora).

// codeLike reports whether a line is code, config, a table or a tree rather
// than a prose heading. It is the hand-written form of the regular
// expression codeLikeRe in the tests (which checks they agree): the regexp
// was a third of the time of parsing a large index.json.
func codeLike(l string) bool {
	if l == "" {
		return false
	}
	if strings.IndexByte("-*/#@.", l[0]) >= 0 {
		return true
	}
	firstSpace := -1
	for i := 0; i < len(l); i++ {
		c := l[i]
		switch {
		case codeByte[c]:
			return true
		case c == 0xE2 && i+2 < len(l):
			// │ └ ├ (U+2502, U+2514, U+251C) and → (U+2192).
			if t := l[i+1 : i+3]; t == "\x94\x82" || t == "\x94\x94" || t == "\x94\x9c" || t == "\x86\x92" {
				return true
			}
		case i > 0 && (c == ':' || c == '/' || c == ' ') && l[i-1] == c:
			return true // "::", "//", two spaces
		}
		if firstSpace < 0 && isASCIISpace(c) {
			firstSpace = i
		}
	}
	// ":" at the end of the line, trailing blanks allowed.
	if strings.HasSuffix(strings.TrimRight(l, asciiSpace), ":") {
		return true
	}
	// "key: value": the first word ends with a colon and a blank follows.
	return firstSpace >= 2 && l[firstSpace-1] == ':'
}

// codeByte marks the ASCII characters that only code, config and tables
// contain.
var codeByte = func() (t [256]bool) {
	for _, c := range []byte("{}[]<>=|$;\"`\\") {
		t[c] = true
	}
	return t
}()

// asciiSpace is what \s matches in Go regular expressions.
const asciiSpace = "\t\n\f\r "

func isASCIISpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}

// plainShort reports whether l could be a heading by its shape alone.
func plainShort(l string) bool {
	if l == "" || l != strings.TrimSpace(l) || len(l) > 70 && utf8.RuneCountInString(l) > 70 {
		return false
	}
	if strings.ContainsRune(".,;!{[(=:", rune(l[len(l)-1])) {
		return false
	}
	if codeLike(l) || strings.Count(l, "(") != strings.Count(l, ")") {
		return false
	}
	words := strings.Fields(l)
	if len(words) > 10 {
		return false
	}
	for _, w := range words {
		if len(w) > 40 { // base64, hashes, long URLs
			return false
		}
	}
	// Two sentences are a paragraph ("Default: 1m. See below"), but a
	// numbered heading ("5. Submission of Contributions") is fine.
	if j := strings.Index(l, ". "); j >= 0 && strings.Trim(l[:j], "0123456789") != "" {
		return false
	}
	return true
}

// prosy reports whether l reads like a sentence (a paragraph line).
func prosy(l string) bool {
	l = strings.TrimRight(l, " \t")
	if utf8.RuneCountInString(l) >= 60 {
		return true
	}
	if l == "" {
		return false
	}
	return strings.ContainsRune(".:?!)", rune(l[len(l)-1])) && len(strings.Fields(l)) >= 3
}

func startsUpper(l string) bool {
	r, _ := utf8.DecodeRuneInString(l)
	return unicode.IsUpper(r)
}

// maxTOC bounds the TOC search; real tables of contents are far shorter,
// and the bound keeps odd inputs (thousands of short lines) linear.
const maxTOC = 80

// leadingTOC finds a hand-written table of contents near the top (Caddy docs
// have one): a run of at least 3 short plain lines that all reappear later,
// in the same order, as whole lines. It returns the run's line indexes.
// shortLines[k] is plainShort(lines[k]).
func leadingTOC(lines []string, shortLines []bool) []int {
	var at map[string][]int // line -> ascending indexes, built on demand
	// Runs from consecutive starts overlap: judge each line once, reusing
	// the untrimmed judgement when trimming changes nothing.
	shape := make([]int8, min(len(lines), 15+maxTOC)) // 0 unknown, 1 short, -1 not
	short := func(k int) bool {
		if shape[k] == 0 {
			shape[k] = -1
			l := lines[k]
			if t := strings.TrimSpace(l); t == l && shortLines[k] || t != l && plainShort(t) {
				shape[k] = 1
			}
		}
		return shape[k] > 0
	}
	for start := 0; start < len(lines) && start < 15; start++ {
		var run []int
		for k := start; k < len(lines) && len(run) < maxTOC; k++ {
			if !short(k) {
				break
			}
			run = append(run, k)
		}
		if len(run) < 3 {
			continue
		}
		if at == nil {
			at = make(map[string][]int)
			for k, l := range lines {
				at[l] = append(at[l], k)
			}
		}
		// The run may run into the first real heading (a TOC is directly
		// followed by its first heading): keep the longest prefix whose
		// entries all reappear, in order, after it.
		for n := len(run); n >= 3; n-- {
			if reappearInOrder(lines, run[:n], at) {
				return run[:n]
			}
		}
	}
	return nil
}

func reappearInOrder(lines []string, run []int, at map[string][]int) bool {
	pos := run[len(run)-1] + 1
	for _, k := range run {
		idx := at[strings.TrimSpace(lines[k])]
		j := sort.SearchInts(idx, pos)
		if j == len(idx) {
			return false
		}
		pos = idx[j] + 1
	}
	return true
}

// tocLevel maps TOC indentation to a heading level: top entries are h2.
func tocLevel(l string) int {
	ind := 0
	for _, r := range l {
		switch r {
		case ' ':
			ind++
		case '\t':
			ind += 2
		default:
			return min(2+ind/2, 6)
		}
	}
	return 2
}

// detectHeadings returns heading line index -> level.
func detectHeadings(lines []string) (heads map[int]int, toc map[int]bool) {
	heads = make(map[int]int)
	toc = make(map[int]bool)
	// Each line's shape is needed up to four times (TOC search, as the
	// line, the previous and the next one): compute it once.
	short := make([]bool, len(lines)+1)
	for i, l := range lines {
		short[i] = plainShort(l)
	}
	tocRun := leadingTOC(lines, short)
	tocLevels := make(map[string]int)
	lastTOC := -1
	for _, k := range tocRun {
		toc[k] = true
		tocLevels[strings.TrimSpace(lines[k])] = tocLevel(lines[k])
		lastTOC = k
	}
	get := func(i int) string {
		if i < 0 || i >= len(lines) {
			return ""
		}
		return lines[i]
	}
	for i, l := range lines {
		if i <= lastTOC {
			if i == 0 && !toc[i] && short[i] {
				heads[i] = 1
			}
			continue
		}
		if lv, ok := tocLevels[l]; ok {
			heads[i] = lv
			continue
		}
		if !short[i] {
			continue
		}
		prev, next := get(i-1), get(i+1)
		blankPrev := i > 0 && strings.TrimSpace(prev) == ""
		_, afterHeading := heads[i-2]
		listPrev := i > 0 && !blankPrev && short[i-1] && !prosy(prev) && !afterHeading
		switch {
		case i == 0:
			// The page title line, glued to what follows; a lead
			// paragraph is followed by a blank line instead.
			if strings.TrimSpace(next) == "" {
				continue
			}
		case strings.TrimSpace(next) == "":
			// "Heading\n\nParagraph": only when clearly after a block.
			if i == 0 || blankPrev || listPrev || !prosy(get(i+2)) || !startsUpper(l) {
				continue
			}
		case strings.HasPrefix(next, "("):
			continue // a definition term: "name\n(string) Does ..."
		case short[i+1] && !prosy(next):
			// Short lines follow: a list, unless this line closes a
			// block that is not a list intro ("...you will:").
			if i == 0 || blankPrev || listPrev || strings.HasSuffix(strings.TrimSpace(prev), ":") || !startsUpper(l) {
				continue
			}
		case blankPrev:
			if !prosy(next) || !startsUpper(l) {
				continue
			}
		case listPrev:
			continue
		}
		level := 2
		if i == 0 {
			level = 1
		}
		heads[i] = level
	}
	return heads, toc
}

// splitPlainText splits plain-text contents into a lead and one source.Section per
// detected heading. TOC lines are dropped: they only repeat the headings.
func splitPlainText(contents string, slug func(string) string) []source.Section {
	contents = strings.ReplaceAll(contents, "\r\n", "\n")
	lines := strings.Split(contents, "\n")
	heads, toc := detectHeadings(lines)
	secs := []source.Section{{}}
	// A section's text is a run of whole lines, so it is sliced out of
	// contents rather than joined again; only TOC lines dropped from the
	// middle of the lead split it into parts.
	var parts []string
	from, to := -1, -1 // byte range of the current run of lines
	endRun := func() {
		if from >= 0 {
			parts = append(parts, contents[from:to])
		}
		from, to = -1, -1
	}
	flush := func() {
		endRun()
		secs[len(secs)-1].Text = strings.TrimSpace(strings.Join(parts, "\n"))
		parts = parts[:0]
	}
	ids := newAnchorSet()
	pos := 0 // byte offset of line i in contents
	for i, l := range lines {
		start := pos
		pos += len(l) + 1
		if toc[i] {
			endRun()
			continue
		}
		if lv, ok := heads[i]; ok && len(secs) < maxSections {
			flush()
			h := strings.TrimSpace(l)
			secs = append(secs, source.Section{Heading: h, Level: lv, Anchor: ids.unique(slug(h))})
			continue
		}
		if from < 0 {
			from = start
		}
		to = start + len(l)
	}
	flush()
	return secs
}
