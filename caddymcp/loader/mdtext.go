package loader

import (
	"context"
	"html"
	"regexp"
	"strconv"
	"strings"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// Markdown to plain text, line by line. This is not a CommonMark parser: it
// handles what documentation sites use (headings, fences, lists, tables,
// links, emphasis, inline HTML, Hugo shortcodes) well enough that the text is
// searchable and headings become Sections.

var (
	atxRe        = regexp.MustCompile(`^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$`)
	atxCloseRe   = regexp.MustCompile(`[ \t]+#+$`)
	customIDRe   = regexp.MustCompile(`[ \t]*\{#([^}\s]+)[^}]*\}$`)
	setextRe     = regexp.MustCompile(`^ {0,3}(=+|-+)[ \t]*$`)
	htmlHeadRe   = regexp.MustCompile(`(?i)^\s*<h([1-6])((?:\s[^>]*)?)>(.*?)</h[1-6]>\s*$`)
	idAttrRe     = regexp.MustCompile(`(?i)\bid\s*=\s*["']?([^"'\s>]+)`)
	fenceRe      = regexp.MustCompile("^([ \t]*)(`{3,}|~{3,})")
	scLineRe     = regexp.MustCompile(`^\s*(\{\{[<%].*?[%>]\}\}\s*)+$`)
	scInlineRe   = regexp.MustCompile(`\{\{[<%].*?[%>]\}\}`)
	tmplLineRe   = regexp.MustCompile(`^\s*\{\{.*\}\}\s*$`)
	includeRe    = regexp.MustCompile(`^\s*\{\{[<%]\s*include\s+"([^"]+)"\s*[%>]\}\}\s*$`)
	listRe       = regexp.MustCompile(`^(\s*)(?:[-*+]|\d{1,9}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?`)
	quoteRe      = regexp.MustCompile(`^\s*(?:>\s?)+`)
	linkDefRe    = regexp.MustCompile(`^ {0,3}\[[^\]]+\]:\s+\S+`)
	tableSepRe   = regexp.MustCompile(`^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)+\|?\s*$`)
	hrRe         = regexp.MustCompile(`^ {0,3}([-*_])(\s*([-*_]))*\s*$`)
	imageRe      = regexp.MustCompile(`!\[([^\]]*)\]\([^)]*\)`)
	linkRe       = regexp.MustCompile(`\[([^\]]*)\](?:\([^)]*\)|\[[^\]]*\])`)
	autolinkRe   = regexp.MustCompile(`<((?:https?|mailto):[^>\s]+)>`)
	tagRe        = regexp.MustCompile(`</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>`)
	commentRe    = regexp.MustCompile(`<!--.*?-->`)
	strongRe     = regexp.MustCompile(`(\*\*|__)(\S(?:.*?\S)?)(\*\*|__)`)
	emStarRe     = regexp.MustCompile(`\*(\S(?:[^*]*?\S)?)\*`)
	emUnderRe    = regexp.MustCompile(`(^|[^\p{L}\p{N}_])_(\S(?:[^_]*?\S)?)_([^\p{L}\p{N}_]|$)`)
	strikeRe     = regexp.MustCompile(`~~(\S(?:.*?\S)?)~~`)
	alertRe      = regexp.MustCompile(`^\s*\[![A-Za-z]+\][+-]?\s*$`)
	scriptOpenRe = regexp.MustCompile(`(?i)<(script|style)\b`)
)

// mdContext carries what converting one file needs.
type mdContext struct {
	slug    func(string) string
	include *includer       // Hugo include shortcode; nil: none
	ctx     context.Context // checked every few thousand lines; nil: never
	depth   int
}

// maxSections caps the sections of one page: past it, headings are text.
// Real pages have at most a few hundred; the cap bounds what a hostile
// page costs downstream (anchors, the index, read_page tables).
const maxSections = 1000

// stopped reports, every 1024 lines, whether ctx is done.
func (c *mdContext) stopped(i int) bool {
	return i&1023 == 0 && c.ctx != nil && c.ctx.Err() != nil
}

// markdownSections converts a Markdown body into Sections.
func markdownSections(body string, ctx mdContext) []source.Section {
	body = strings.ReplaceAll(body, "\r\n", "\n")
	lines := strings.Split(body, "\n")
	secs := []source.Section{{}}
	var buf []string
	ids := newAnchorSet()
	flush := func() {
		secs[len(secs)-1].Text = tidy(buf)
		buf = buf[:0]
	}
	heading := func(level int, raw string) {
		if len(secs) >= maxSections {
			buf = append(buf, inlineText(raw))
			return
		}
		flush()
		id := ""
		if m := customIDRe.FindStringSubmatch(raw); m != nil {
			id = m[1]
			raw = raw[:len(raw)-len(m[0])]
		}
		text := strings.TrimSpace(inlineText(raw))
		if id == "" {
			id = ctx.slug(text)
		}
		secs = append(secs, source.Section{Heading: text, Level: level, Anchor: ids.unique(id)})
	}

	var fence, fenceIndent string
	inComment, inScript := false, ""
	for i := 0; i < len(lines); i++ {
		if ctx.stopped(i) {
			break
		}
		l := lines[i]
		if fence != "" {
			t := strings.TrimSpace(l)
			if strings.HasPrefix(t, fence) && strings.Trim(t, fence[:1]) == "" {
				fence = ""
				continue
			}
			buf = append(buf, unescapeShortcodes(strings.TrimPrefix(l, fenceIndent)))
			continue
		}
		if inScript != "" {
			if j := strings.Index(strings.ToLower(l), "</"+inScript); j >= 0 {
				inScript = ""
			}
			continue
		}
		if inComment {
			if j := strings.Index(l, "-->"); j >= 0 {
				inComment = false
				l = l[j+3:]
			} else {
				continue
			}
		}
		if m := fenceRe.FindStringSubmatch(l); m != nil {
			fence, fenceIndent = m[2], m[1]
			continue
		}
		l = removeOutsideCode(l, commentRe)
		if j := strings.Index(maskCode(l), "<!--"); j >= 0 {
			inComment = true
			l = l[:j]
		}
		if m := scriptOpenRe.FindStringSubmatchIndex(maskCode(l)); m != nil {
			name := strings.ToLower(l[m[2]:m[3]])
			rest := l[m[1]:]
			if !strings.Contains(strings.ToLower(rest), "</"+name) {
				inScript = name
			}
			l = l[:m[0]]
		}
		hasTmpl := strings.Contains(l, "{{")
		if m := matchIf(hasTmpl, includeRe, l); m != nil && ctx.include != nil && ctx.depth < maxIncludeDepth {
			if inc, ok := ctx.include.get(m[1]); ok {
				sub := markdownSections(inc, mdContext{slug: ctx.slug, include: ctx.include, ctx: ctx.ctx, depth: ctx.depth + 1})
				// Hugo renders included headings as real headings.
				buf = append(buf, sub[0].Text)
				for _, s := range sub[1:] {
					if len(secs) >= maxSections {
						buf = append(buf, s.Heading, s.Text)
						continue
					}
					flush()
					s.Anchor = ids.unique(s.Anchor)
					secs = append(secs, source.Section{Heading: s.Heading, Anchor: s.Anchor, Level: s.Level})
					buf = append(buf, s.Text)
				}
			}
			continue
		}
		if hasTmpl && (scLineRe.MatchString(l) || tmplLineRe.MatchString(l)) {
			continue
		}
		t := strings.TrimLeft(l, " ")
		if m := matchIf(strings.HasPrefix(t, "#"), atxRe, l); m != nil {
			heading(len(m[1]), atxCloseRe.ReplaceAllString(m[2], ""))
			continue
		}
		if m := matchIf(strings.HasPrefix(t, "<"), htmlHeadRe, l); m != nil {
			raw := m[3]
			if id := idAttrRe.FindStringSubmatch(m[2]); id != nil {
				raw += " {#" + id[1] + "}"
			}
			heading(int(m[1][0]-'0'), raw)
			continue
		}
		if i+1 < len(lines) && t != "" && isUnderline(lines[i+1]) &&
			!listRe.MatchString(l) && !strings.HasPrefix(strings.TrimSpace(l), "|") && !hrRe.MatchString(l) &&
			(i == 0 || strings.TrimSpace(lines[i-1]) == "") {
			level := 1
			if strings.TrimSpace(lines[i+1])[0] == '-' {
				level = 2
			}
			heading(level, l)
			i++
			continue
		}
		if strings.HasPrefix(t, "[") && linkDefRe.MatchString(l) ||
			strings.Contains(l, "-") && (tableSepRe.MatchString(l) || t != "" && hrRe.MatchString(l)) ||
			(strings.HasPrefix(t, "*") || strings.HasPrefix(t, "_")) && hrRe.MatchString(l) {
			continue
		}
		buf = append(buf, blockText(l))
	}
	flush()
	return secs
}

// matchIf runs re only when a cheap precondition holds: most lines are
// prose and the regexps dominate load time.
func matchIf(cond bool, re *regexp.Regexp, s string) []string {
	if !cond {
		return nil
	}
	return re.FindStringSubmatch(s)
}

func isUnderline(l string) bool {
	t := strings.TrimLeft(l, " ")
	return (strings.HasPrefix(t, "=") || strings.HasPrefix(t, "-")) && setextRe.MatchString(l)
}

// blockText strips block markers (list bullets, quotes, table pipes) and
// inline markup from one line.
func blockText(l string) string {
	if strings.HasPrefix(l, "    ") || strings.HasPrefix(l, "\t") {
		if !listRe.MatchString(l) {
			return l // indented code (or list continuation): verbatim
		}
	}
	l = quoteRe.ReplaceAllString(l, "")
	l = listRe.ReplaceAllString(l, "")
	if alertRe.MatchString(l) {
		return "" // GitHub/Hugo callout marker: "> [!NOTE]"
	}
	if t := strings.TrimSpace(l); strings.HasPrefix(t, "|") || strings.Count(t, " | ") >= 1 && strings.HasSuffix(t, "|") {
		cells := strings.Split(strings.Trim(t, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		l = strings.Join(cells, "  ")
	}
	return inlineText(l)
}

// inlineText removes inline markup; code spans are kept verbatim. They are
// swapped out for placeholders first so that no other rule touches them and
// links whose text is code ("[`x`][ref]") still match.
func inlineText(s string) string {
	if !strings.Contains(s, "`") {
		return inlineMarkup(s)
	}
	var spans []string
	var out strings.Builder
	for {
		i, j, n := nextCodeSpan(s)
		if i < 0 {
			out.WriteString(s)
			break
		}
		out.WriteString(s[:i])
		out.WriteString("\x00" + strconv.Itoa(len(spans)) + "\x00")
		spans = append(spans, unescapeShortcodes(strings.TrimSpace(s[i+n:j])))
		s = s[j+n:]
	}
	text := inlineMarkup(out.String())
	return placeholderRe.ReplaceAllStringFunc(text, func(m string) string {
		k, _ := strconv.Atoi(strings.Trim(m, "\x00"))
		if k < len(spans) {
			return spans[k]
		}
		return ""
	})
}

var placeholderRe = regexp.MustCompile("\x00[0-9]+\x00")

// nextCodeSpan finds the first code span in s: it starts at i, its content
// ends at j, and its backtick run is n long. i is -1 when there is none.
func nextCodeSpan(s string) (i, j, n int) {
	off := 0
	for {
		k := strings.IndexByte(s[off:], '`')
		if k < 0 {
			return -1, 0, 0
		}
		i = off + k
		n = 1
		for i+n < len(s) && s[i+n] == '`' {
			n++
		}
		if escapedAt(s, i) {
			// "\`" is a literal backtick; the rest of the run may open.
			if n == 1 {
				off = i + 1
				continue
			}
			i, n = i+1, n-1
		}
		tick := strings.Repeat("`", n)
		if e := strings.Index(s[i+n:], tick); e >= 0 {
			return i, i + n + e, n
		}
		off = i + n
	}
}

// escapedAt reports whether s[i] is preceded by an odd number of
// backslashes.
func escapedAt(s string, i int) bool {
	n := 0
	for i-n-1 >= 0 && s[i-n-1] == '\\' {
		n++
	}
	return n%2 == 1
}

// maskCode replaces code spans with 'x' of the same length, so that
// searches for comments or tags on the result give offsets valid in s but
// never match inside code.
func maskCode(s string) string {
	if !strings.Contains(s, "`") {
		return s
	}
	b := []byte(s)
	off := 0
	for {
		i, j, n := nextCodeSpan(s[off:])
		if i < 0 {
			return string(b)
		}
		for k := off + i; k < off+j+n; k++ {
			b[k] = 'x'
		}
		off += j + n
	}
}

// removeOutsideCode deletes the matches of re that are not in code spans.
func removeOutsideCode(s string, re *regexp.Regexp) string {
	locs := re.FindAllStringIndex(maskCode(s), -1)
	for k := len(locs) - 1; k >= 0; k-- {
		s = s[:locs[k][0]] + s[locs[k][1]:]
	}
	return s
}

func inlineMarkup(s string) string {
	if s == "" {
		return s
	}
	escaped := strings.Contains(s, "\\")
	if escaped {
		// Backslash-escaped punctuation is literal: hide it from the rules
		// below ("\[x\](y)" is no link, "\*a\*" no emphasis).
		s = hideEscapes(s)
	}
	if strings.Contains(s, "{{") {
		s = scInlineRe.ReplaceAllString(s, "")
	}
	if strings.Contains(s, "](") || strings.Contains(s, "][") {
		s = imageRe.ReplaceAllString(s, "$1")
		s = linkRe.ReplaceAllString(s, "$1")
	}
	if strings.Contains(s, "<") {
		s = autolinkRe.ReplaceAllString(s, "$1")
		s = commentRe.ReplaceAllString(s, "")
		s = tagRe.ReplaceAllString(s, "")
	}
	if strings.ContainsAny(s, "*_~") {
		s = strongRe.ReplaceAllString(s, "$2")
		s = emStarRe.ReplaceAllString(s, "$1")
		s = emUnderRe.ReplaceAllString(s, "$1$2$3")
		s = strikeRe.ReplaceAllString(s, "$1")
	}
	if strings.Contains(s, "&") {
		s = html.UnescapeString(s)
	}
	if escaped {
		s = showEscapes(s)
	}
	return s
}

// escapeBase maps an escaped ASCII punctuation character to a code point
// of the last private use plane, which no documentation text uses.
const escapeBase = 0x10FF00

// hideEscapes replaces each backslash escape (CommonMark: a backslash
// before ASCII punctuation) with a placeholder rune.
func hideEscapes(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/4)
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && isASCIIPunct(s[i+1]) {
			b.WriteRune(rune(escapeBase + int(s[i+1])))
			i++
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// showEscapes turns the placeholders of hideEscapes into the characters
// they stand for.
func showEscapes(s string) string {
	return strings.Map(func(r rune) rune {
		if r > escapeBase && r < escapeBase+0x80 {
			return r - escapeBase
		}
		return r
	}, s)
}

func isASCIIPunct(c byte) bool {
	return c >= '!' && c <= '/' || c >= ':' && c <= '@' || c >= '[' && c <= '`' || c >= '{' && c <= '~'
}

// unescapeShortcodes turns Hugo's escaped shortcode examples
// ("{{</* foo */>}}") into the literal text the site shows.
func unescapeShortcodes(s string) string {
	if !strings.Contains(s, "/*") {
		return s
	}
	return strings.NewReplacer("{{</*", "{{<", "*/>}}", ">}}", "{{%/*", "{{%", "*/%}}", "%}}").Replace(s)
}

// tidy joins lines, collapsing runs of blank lines.
func tidy(lines []string) string {
	var b strings.Builder
	blank := false
	for _, l := range lines {
		l = strings.TrimRight(l, " \t")
		if l == "" {
			blank = b.Len() > 0
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
			if blank {
				b.WriteByte('\n')
			}
		}
		blank = false
		b.WriteString(l)
	}
	return b.String()
}
