package mcpcmd

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/mcptools"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/search"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

type searchOptions struct {
	Limit   int
	Explain bool // print each hit's score breakdown (per part, term and field)
}

// runSearch loads the sources, builds the index and prints the ranked
// hits for query: rank, score, title and heading, URL, id, snippet.
func runSearch(ctx context.Context, w io.Writer, specs []source.Spec, query string, opts searchOptions) error {
	list := loadAll(ctx, specs)
	for _, l := range list {
		if l.err != nil {
			return l.err
		}
	}
	ix := search.Build(merged(list))
	res := ix.Search(search.Query{Text: query, Limit: max(opts.Limit, 1), Explain: opts.Explain})
	out(w, "%d results for %q in %d pages", res.Total, query, ix.Len())
	if res.Total > len(res.Hits) {
		out(w, "; showing %d", len(res.Hits))
	}
	out(w, "\n")
	if res.Fuzzy {
		out(w, "(typo-tolerant matching:%s)\n", corrections(res.Corrected))
	}
	for i, h := range res.Hits {
		title := h.Page.Title
		if title == "" {
			title = h.Page.ID
		}
		if h.SectionIndex > 0 && h.Heading != "" {
			title += " › " + h.Heading
		}
		out(w, "\n%2d. %s  [%.3f]\n", i+1, title, h.Score)
		out(w, "    %s\n", hitURL(h))
		out(w, "    id: %s\n", sectionID(h))
		if h.Snippet != "" {
			out(w, "    %s\n", oneLine(h.Snippet))
		}
		if h.Explain != nil {
			for _, line := range strings.Split(strings.TrimRight(h.Explain.String(), "\n"), "\n") {
				out(w, "    | %s\n", line)
			}
		}
	}
	return nil
}

func corrections(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, " %s→%s", k, m[k])
	}
	return b.String()
}

func hitURL(h search.Hit) string {
	if h.URL != "" {
		return h.URL
	}
	return h.Page.URL
}

func sectionID(h search.Hit) string {
	p, i := h.Page, h.SectionIndex
	if i > 0 && i < len(p.Sections) && p.Sections[i].Anchor != "" {
		return p.ID + "#" + p.Sections[i].Anchor
	}
	return p.ID
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// runIndex prints, per source, its pages, sections and text size (or why
// it failed), then the totals of the merged index and the warnings, and
// returns how many sources failed.
func runIndex(ctx context.Context, w io.Writer, specs []source.Spec, listPages bool) (failed int) {
	list := loadAll(ctx, specs)
	var warns []string
	owner := map[string]string{} // page id -> source that provides it
	for _, l := range list {
		if l.err != nil {
			failed++
			out(w, "FAIL %s: %v\n", l.name, l.err)
			continue
		}
		secs, chars := 0, 0
		for _, p := range l.pages {
			secs += len(p.Sections)
			chars += pageChars(p)
			if first, ok := owner[p.ID]; ok {
				warns = append(warns, fmt.Sprintf("%s: duplicate id, also in %s (the first source wins)", p.ID, first))
				continue
			}
			owner[p.ID] = l.name
			warns = append(warns, pageWarnings(p)...)
		}
		out(w, "ok   %s: %d pages, %d sections, %s of text\n", l.name, len(l.pages), secs, size(chars))
	}
	all := merged(list)
	secs, chars := 0, 0
	for _, p := range all {
		secs += len(p.Sections)
		chars += pageChars(p)
	}
	out(w, "\nindex: %d pages, %d sections, %s of text\n", len(all), secs, size(chars))
	if listPages {
		out(w, "\n%9s %5s  %s\n", "chars", "secs", "page")
		for _, p := range all {
			out(w, "%9d %5d  %s  %q\n", pageChars(p), len(p.Sections), p.ID, p.Title)
		}
	}
	if len(warns) > 0 {
		out(w, "\n%d warnings:\n", len(warns))
		for _, s := range warns {
			out(w, "  %s\n", s)
		}
	} else {
		out(w, "\nno warnings\n")
	}
	return failed
}

// pageWarnings are what a docs owner should fix in one page: what models
// would see as a nameless result, nothing to read, a page they must read
// in several calls, or section links that collide.
func pageWarnings(p source.Page) []string {
	var ws []string
	if titleMissing(p) {
		ws = append(ws, fmt.Sprintf("%s: no title (shown as %q, made up from its text or path)", p.ID, p.Title))
	}
	n := pageChars(p)
	if n == 0 {
		ws = append(ws, p.ID+": empty page (no text)")
	}
	if n > mcptools.MaxReadLength {
		ws = append(ws, fmt.Sprintf("%s: %d characters, past read_page's %d per call (%d calls to read it all)",
			p.ID, n, mcptools.MaxReadLength, (n+mcptools.MaxReadLength-1)/mcptools.MaxReadLength))
	}
	seen := map[string]bool{}
	for _, s := range p.Sections {
		if s.Anchor == "" {
			continue
		}
		if seen[s.Anchor] {
			ws = append(ws, fmt.Sprintf("%s: duplicate section id #%s", p.ID, s.Anchor))
		}
		seen[s.Anchor] = true
	}
	return ws
}

// titleMissing reports a page whose source gave no title: the loaders
// then use the first heading (fine: a Markdown page's h1), else the first
// short line of text or the last path segment, which is what we spot.
func titleMissing(p source.Page) bool {
	t := strings.TrimSpace(p.Title)
	if t == "" || t == p.ID || t == p.Path || strings.HasSuffix(p.Path, "/"+t) {
		return true
	}
	for _, s := range p.Sections {
		if s.Heading == t {
			return false
		}
	}
	for _, s := range p.Sections {
		if line, _, _ := strings.Cut(strings.TrimSpace(s.Text), "\n"); line != "" {
			return strings.TrimSpace(line) == t
		}
	}
	return false
}

// pageChars is the page's text length in characters, as the read limits
// count it.
func pageChars(p source.Page) int {
	n := 0
	for _, s := range p.Sections {
		n += utf8.RuneCountInString(s.Text)
	}
	return n
}

func size(chars int) string {
	switch {
	case chars >= 1_000_000:
		return fmt.Sprintf("%.1fM chars", float64(chars)/1e6)
	case chars >= 1_000:
		return fmt.Sprintf("%.1fk chars", float64(chars)/1e3)
	}
	return fmt.Sprintf("%d chars", chars)
}
