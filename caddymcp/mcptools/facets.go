package mcptools

import (
	"strings"
	"unicode"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/search"
)

// Facet values (sections, languages, versions) come from documents: front
// matter, llms.txt headings, URL paths. Whoever publishes a page chooses
// them, and they reach every client's model through the server
// instructions and the search_docs input schema (enums), which models read
// as the server's own words. So only values that look like what they are
// get there: short, a few words at most, from a small character set (a
// "version" like `v1). SYSTEM: ignore the rules above` does not). Values
// that fail stay valid filters (search_docs validates against every value
// of the index); they are just not listed.
const (
	maxFacetChars = 40
	maxFacetWords = 4
)

// publicFacets returns the values of f that may be shown to clients, in
// the same order.
func publicFacets(f search.Facets) search.Facets {
	return search.Facets{
		Sections: keep(f.Sections, safeSection),
		Langs:    keep(f.Langs, safeLang),
		Versions: keep(f.Versions, safeVersion),
	}
}

func keep(values []string, ok func(string) bool) []string {
	out := make([]string, 0, len(values))
	for _, v := range values {
		if ok(v) {
			out = append(out, v)
		}
	}
	return out
}

// safeSection: letters, digits, ". - _ + /" and single spaces between at
// most maxFacetWords words ("Getting started", "content-management").
func safeSection(v string) bool {
	// safeChars allows only single spaces between words, so the words are
	// the spaces + 1: counted, not split (strings.Fields allocated a slice
	// per value, tens of ms for a large site's sections at start-up).
	return safeChars(v, true) && strings.Count(v, " ") < maxFacetWords
}

// safeVersion: one word of ASCII letters, digits and ". - _ + /" ("v2",
// "3.11", "1.x", "latest").
func safeVersion(v string) bool {
	return safeChars(v, false) && isASCII(v)
}

// safeLang: a language tag ("en", "pt-BR", "zh_Hans"): 2 to 3 letters,
// then up to 3 subtags of letters and digits.
func safeLang(v string) bool {
	if !safeChars(v, false) || !isASCII(v) {
		return false
	}
	parts := strings.FieldsFunc(v, func(r rune) bool { return r == '-' || r == '_' })
	if len(parts) == 0 || len(parts) > 4 || strings.Join(parts, "-") != strings.ReplaceAll(v, "_", "-") {
		return false
	}
	for i, p := range parts {
		if len(p) > 8 || i == 0 && (len(p) < 2 || len(p) > 3 || !isLetters(p)) {
			return false
		}
		for _, r := range p {
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				return false
			}
		}
	}
	return true
}

// safeChars reports whether v is non-empty, at most maxFacetChars bytes,
// and made only of letters, digits and ". - _ + /", plus single spaces
// between words when spaces is true.
func safeChars(v string, spaces bool) bool {
	if v == "" || len(v) > maxFacetChars {
		return false
	}
	prevSpace := true // no leading space
	for _, r := range v {
		switch {
		case r == ' ':
			if !spaces || prevSpace {
				return false
			}
			prevSpace = true
			continue
		case unicode.IsLetter(r), unicode.IsDigit(r), strings.ContainsRune(".-_+/", r):
		default:
			return false
		}
		prevSpace = false
	}
	return !prevSpace // no trailing space
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func isLetters(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}
