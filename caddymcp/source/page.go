// Package source loads documentation pages from the places a docs site keeps
// them (a Hugo-style index.json, a Markdown tree, ...) into one Page model that
// the search index and the MCP tools share.
package source

import (
	"strings"
	"time"
)

// Page is one documentation page, whatever its origin.
type Page struct {
	// ID is stable and unique across all sources: the permalink without
	// scheme, query, fragment and trailing slash, e.g.
	// "caddyserver.com/docs/caddyfile/directives/reverse_proxy".
	// It is what `fetch` and `read_page` take.
	ID string
	// Title is the page title, without the part every page of its site
	// shares (see SiteTitle).
	Title string
	// SiteTitle is the site-wide part stripped from the title of the page
	// as published (" — Python 3.11.2 documentation"), "" when none.
	SiteTitle string
	// URL is the public permalink (absolute when the source knows the site's
	// base URL).
	URL string
	// Path is the URL path without leading/trailing slash
	// ("docs/caddyfile/directives/reverse_proxy"); the key of the
	// docs://pages/{path} resource template.
	Path string
	// Summary is the page's description/lead, when the source has one.
	Summary string
	// Section is the site section (the source's `section` field, else the
	// first path segment).
	Section string
	// Lang is the page language ("en" when the source says nothing).
	Lang string
	// Version is the documentation version, when the source has one.
	Version string
	// Tags are the page's tags.
	Tags []string
	// LastMod is the page's last modification time (zero when unknown).
	LastMod time.Time
	// Source names the source the page came from (its config string).
	Source string
	// Sections is the body split at headings. Sections[0] is the lead text
	// before the first heading and has an empty Heading and Anchor.
	Sections []Section
}

// Section is a part of a page under one heading.
type Section struct {
	// Heading is the heading text ("" for the lead).
	Heading string
	// Anchor is the fragment id the site uses for the heading
	// ("upstream-addresses"), "" for the lead.
	Anchor string
	// Level is the heading level (1-6; 0 for the lead).
	Level int
	// Text is the plain text under the heading, code kept verbatim.
	Text string
}

// SectionURL is the URL of section i: the page URL plus "#anchor".
func (p *Page) SectionURL(i int) string {
	if i < 0 || i >= len(p.Sections) || p.Sections[i].Anchor == "" {
		return p.URL
	}
	return p.URL + "#" + p.Sections[i].Anchor
}

// Text is the whole page as plain text: every heading on its own line
// followed by its section's text.
func (p *Page) Text() string {
	var b strings.Builder
	for i, s := range p.Sections {
		if i > 0 {
			b.WriteString("\n\n")
		}
		if s.Heading != "" {
			b.WriteString(strings.Repeat("#", max(s.Level, 1)))
			b.WriteByte(' ')
			b.WriteString(s.Heading)
			b.WriteString("\n\n")
		}
		b.WriteString(s.Text)
	}
	return b.String()
}
