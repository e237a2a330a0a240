// Package search is the full-text index over documentation pages: pages are
// split into sections, ranked with BM25 (title and heading boosted), and hits
// come back with snippets showing the matched terms.
package search

import "github.com/caddy-mcp/caddy-mcp/caddymcp/source"

// Query is one search request.
type Query struct {
	// Text is the user's query. "quoted phrases" must match as phrases.
	Text string
	// Limit is the maximum number of hits (default 10).
	Limit int
	// Offset skips that many hits (for paging).
	Offset int
	// Section, Lang and Version filter on the page fields of the same name
	// when non-empty.
	Section, Lang, Version string
	// NoSnippets skips building Hit.Snippet (left ""): snippets are the
	// most expensive part of materialising a hit, and callers that show
	// only titles and URLs (the ChatGPT-shaped `search` tool) discard them.
	NoSnippets bool
	// Explain fills Hit.Explain with each hit's score breakdown. It costs
	// a second scoring pass; meant for operators, not for every query.
	Explain bool
}

// Hit is one ranked result: a section of a page.
type Hit struct {
	// Page is the page the hit is in (owned by the index; do not modify).
	Page *source.Page
	// SectionIndex is the index into Page.Sections of the best section.
	SectionIndex int
	// Heading is the heading of that section ("" for the lead).
	Heading string
	// URL is the page URL with the section anchor.
	URL string
	// Score is the relevance score (higher is better).
	Score float64
	// Snippet is a bounded passage (<= ~300 chars) of the section with the
	// matched terms, marked **like this**.
	Snippet string
	// Explain is the score breakdown, when Query.Explain was set.
	Explain *Explanation
}

// Result is the answer to a Query.
type Result struct {
	Hits []Hit
	// Total is the number of matching hits before Offset/Limit.
	Total int
	// Fuzzy is true when no exact term matched and typo-tolerant matching
	// produced the hits: some query term is not in the index and was
	// replaced by its nearest indexed words (the other terms still match
	// exactly).
	Fuzzy bool
	// Corrected maps each (lowercased) query word that typo tolerance
	// replaced to the indexed word that stands in for it ("temlates" →
	// "templates"), for a "showing results for" line; nil when none.
	Corrected map[string]string
}

// Facets lists the values present in the index for each filterable field.
type Facets struct {
	Sections, Langs, Versions []string
}
