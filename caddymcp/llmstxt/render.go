// Package llmstxt renders a documentation index as llms.txt (a Markdown list
// of links per section, https://llmstxt.org) and llms-full.txt (every page
// as Markdown), and serves both over HTTP with validators derived from the
// index build time.
package llmstxt

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/search"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// DefaultMaxLinks bounds the number of links in llms.txt. A 100k-page site
// would otherwise produce a multi-megabyte "summary" that no model reads
// whole; beyond the bound each section keeps a share proportional to its
// size and says how many pages it left out (they stay in llms-full.txt and
// search).
const DefaultMaxLinks = 5000

// maxSummary bounds one link description, in bytes.
const maxSummary = 200

// Render renders llms.txt: an H1 title, the summary as a blockquote, then one
// H2 per site section (group; in order of first appearance) listing
// "- [title](url): summary" for its pages, with at most maxLinks links
// (DefaultMaxLinks when maxLinks <= 0).
func Render(ix *search.Index, title, summary string, maxLinks int) []byte {
	if maxLinks <= 0 {
		maxLinks = DefaultMaxLinks
	}
	var b bytes.Buffer
	if title = oneLine(title); title == "" {
		title = "Documentation"
	}
	fmt.Fprintf(&b, "# %s\n\n", title)
	if summary = oneLine(summary); summary != "" {
		fmt.Fprintf(&b, "> %s\n\n", summary)
	}
	if ix == nil {
		return b.Bytes()
	}
	pages := ix.Pages()
	var order []string
	byGroup := map[string][]*source.Page{}
	for i, sec := range groups(pages) {
		if _, ok := byGroup[sec]; !ok {
			order = append(order, sec)
		}
		byGroup[sec] = append(byGroup[sec], pages[i])
	}
	for _, sec := range order {
		list := byGroup[sec]
		keep := len(list)
		if len(pages) > maxLinks {
			keep = max(1, maxLinks*len(list)/len(pages))
		}
		fmt.Fprintf(&b, "## %s\n\n", sectionName(sec))
		for _, p := range list[:keep] {
			fmt.Fprintf(&b, "- [%s](%s)", linkText(p.Title), linkURL(p.URL))
			if d := describe(p); d != "" {
				fmt.Fprintf(&b, ": %s", linkText(d))
			}
			b.WriteByte('\n')
		}
		if keep < len(list) {
			fmt.Fprintf(&b, "\n%d more pages in this section are not listed; they are in llms-full.txt and in search.\n", len(list)-keep)
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// RenderFull renders llms-full.txt: every page as Markdown, in index order.
func RenderFull(ix *search.Index) []byte {
	var b bytes.Buffer
	WriteFull(&b, ix)
	return b.Bytes()
}

// WriteFull streams llms-full.txt to w, so a large site is never held in
// memory as one buffer. Each page is an H1 with its URL, its summary as a
// blockquote, and its sections with headings demoted to H2..H6 so they nest
// under the page title.
func WriteFull(w io.Writer, ix *search.Index) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	if ix != nil {
		for i, p := range ix.Pages() {
			if i > 0 {
				bw.WriteString("\n\n---\n\n")
			}
			writePage(bw, p)
		}
	}
	return bw.Flush()
}

func writePage(w *bufio.Writer, p *source.Page) {
	fmt.Fprintf(w, "# %s\n\nSource: %s\n", headingText(p.Title), linkURL(p.URL))
	if s := oneLine(p.Summary); s != "" {
		fmt.Fprintf(w, "\n> %s\n", s)
	}
	for i, s := range p.Sections {
		h := oneLine(s.Heading)
		// The page title is often repeated as the first heading.
		if h != "" && !(i <= 1 && s.Level <= 1 && strings.EqualFold(h, oneLine(p.Title))) {
			fmt.Fprintf(w, "\n%s %s\n", strings.Repeat("#", min(max(s.Level, 2), 6)), headingText(h))
		}
		if t := strings.TrimSpace(s.Text); t != "" {
			w.WriteByte('\n')
			w.WriteString(t)
			w.WriteByte('\n')
		}
	}
}

// describe is the link description: the page summary, else the start of
// its lead text, cut at a word boundary.
func describe(p *source.Page) string {
	d := oneLine(p.Summary)
	if d == "" {
		for _, s := range p.Sections {
			if d = oneLine(s.Text); d != "" {
				break
			}
		}
	}
	if len(d) <= maxSummary {
		return d
	}
	cut := strings.LastIndexByte(d[:maxSummary], ' ')
	if cut < maxSummary/2 {
		cut = maxSummary
		for cut > 0 && !utf8.RuneStart(d[cut]) {
			cut--
		}
	}
	return strings.TrimRight(d[:cut], " ,.;:") + "…"
}

// oneLine collapses whitespace so a value cannot break the Markdown layout.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// maxSectionName bounds a section heading, in bytes: section names come
// from documents (front matter, paths).
const maxSectionName = 100

// sectionName is the H2 of a group: capitalized, one line, bounded, and
// escaped like a title so it reads back as text.
func sectionName(s string) string {
	s = oneLine(s)
	if s == "" {
		return "Pages"
	}
	if len(s) > maxSectionName {
		cut := maxSectionName
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	r, n := utf8.DecodeRuneInString(s)
	return headingText(string(unicode.ToUpper(r)) + s[n:])
}

// linkText escapes a title for Markdown inline text (a link text or a
// heading) so that a reader, ours included (source.ParseLLMSTxt), gets the
// title back rather than a link, emphasis, code, an HTML tag or entity:
// brackets, backslashes, '*', '`' and '<' always; '_' and '~' only where
// they could delimit emphasis or strikethrough, so "reverse_proxy" stays
// readable; '&' only where it could start an entity ("Q & A" stays); a
// trailing '#' that would read as a heading's closing sequence.
func linkText(s string) string { return escapeInline(s, true) }

// headingText escapes a title for a heading line. Brackets there only
// matter when they could form a link, so "Install [beta]" stays as is.
func headingText(s string) string {
	return escapeInline(s, strings.Contains(s, "](") || strings.Contains(s, "]["))
}

func escapeInline(s string, brackets bool) string {
	s = oneLine(s)
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		esc := false
		switch c {
		case '[', ']':
			esc = brackets
		case '\\', '*', '`', '<':
			esc = true
		case '_':
			esc = !(i > 0 && isWordByte(s[i-1]) && i+1 < len(s) && isWordByte(s[i+1]))
		case '~':
			esc = i > 0 && s[i-1] == '~' || i+1 < len(s) && s[i+1] == '~'
		case '&':
			// HTML accepts some entities without the ';' ("&amp").
			esc = i+1 < len(s) && (s[i+1] == '#' || isWordByte(s[i+1]) && s[i+1] < 0x80)
		case '#':
			esc = strings.Trim(s[i:], "#") == "" && i > 0 && s[i-1] == ' '
		}
		if esc {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}

// isWordByte reports whether c is part of a word for emphasis purposes
// (non-ASCII counts as a letter).
func isWordByte(c byte) bool {
	return c >= 0x80 || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
}

var urlEscaper = strings.NewReplacer(" ", "%20", "(", "%28", ")", "%29", "<", "%3C", ">", "%3E")

// linkURL makes a URL safe as a Markdown link destination. Balanced
// parentheses (one level, as in "wiki/Go_(language)") are valid there and
// kept, so the URL reads back unchanged; otherwise they are
// percent-encoded, as are spaces and angle brackets.
func linkURL(s string) string {
	s = strings.TrimSpace(s)
	if !strings.ContainsAny(s, " <>\t\n") && parensBalanced(s) {
		return s
	}
	return urlEscaper.Replace(s)
}

// parensBalanced reports whether every '(' in s is closed before the next
// '(' opens.
func parensBalanced(s string) bool {
	open := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			if open {
				return false
			}
			open = true
		case ')':
			if !open {
				return false
			}
			open = false
		}
	}
	return !open
}
