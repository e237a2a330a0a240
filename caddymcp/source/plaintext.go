package source

import "strings"

// splitPlainText splits index.json contents into Sections. Placeholder: the
// whole text is the lead.
func splitPlainText(contents, title string) []Section {
	return []Section{{Text: strings.TrimSpace(contents)}}
}
