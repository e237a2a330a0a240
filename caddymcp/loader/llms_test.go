package loader

import (
	"strings"
	"testing"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

const llmsFull = "# Getting Started\nSource: https://docs.example.com/start\n\nInstall the tool.\n\n## Setup\n\n```md\n# not a document\n```\n\n" +
	"# API Reference\n\nNo source line here.\n\n# Getting Started\nSource: https://docs.example.com/start\n\nDuplicate, dropped.\n"

const llmsIndex = `# Example Docs

> Example is a tool for examples.

Some details.

## Docs

- [Quick start](https://docs.example.com/quick.md): How to start quickly
- [API](/api/): The full API
- [Bare link](https://docs.example.com/bare)

## Optional

- [Changelog](https://docs.example.com/changelog): Release notes
`

func TestParseLLMSTxt(t *testing.T) {
	pages, err := ParseLLMSTxt(strings.NewReader(llmsFull), source.Spec{Location: "llms-full.txt", BaseURL: "https://docs.example.com/"})
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != 2 {
		t.Fatalf("full: %d pages", len(pages))
	}
	gs, api := pages[0], pages[1]
	if gs.Title != "Getting Started" || gs.URL != "https://docs.example.com/start" || len(gs.Sections) != 2 ||
		gs.Sections[1].Heading != "Setup" || !strings.Contains(gs.Sections[1].Text, "# not a document") ||
		strings.Contains(gs.Text(), "Source:") || strings.Contains(gs.Text(), "Duplicate") {
		t.Errorf("first doc: %+v", gs)
	}
	if api.Title != "API Reference" || api.URL != "https://docs.example.com/api-reference/" {
		t.Errorf("second doc: %+v", api)
	}

	pages, err = ParseLLMSTxt(strings.NewReader(llmsIndex), source.Spec{Location: "https://docs.example.com/llms.txt", BaseURL: "https://docs.example.com/"})
	if err != nil {
		t.Fatal(err)
	}
	got := pageLines(pages, func(p source.Page) string { return p.Sections[0].Text })
	want := []string{
		"Quick start|https://docs.example.com/quick.md|How to start quickly\n\nDocs",
		"API|https://docs.example.com/api/|The full API\n\nDocs",
		"Bare link|https://docs.example.com/bare|Docs",
		"Changelog|https://docs.example.com/changelog|Release notes\n\nOptional",
	}
	checkLines(t, "links", got, want)
}

// TestParseLLMSTxtEscapes: escaped brackets in link text (what
// llmstxt.Render writes), URLs with balanced parentheses or in angle
// brackets, and headings ending in '#'.
func TestParseLLMSTxtEscapes(t *testing.T) {
	in := "# Site\n\n## Docs\n\n" +
		"- [Install \\[beta\\]](https://x/y): notes \\*not emphasis\\*\n" +
		"- [Go](https://en.wikipedia.org/wiki/Go_(language)): the language\n" +
		"- [Spaced](<https://x/a b> \"title\")\n" +
		"- [\\`tick\\` and \\\\](https://x/t)\n" +
		"- [`code \\` span`](https://x/c)\n"
	pages, err := ParseLLMSTxt(strings.NewReader(in), source.Spec{Location: "llms.txt"})
	if err != nil {
		t.Fatal(err)
	}
	got := pageLines(pages, func(p source.Page) string { return p.Summary })
	want := []string{
		"Install [beta]|https://x/y|notes *not emphasis*",
		"Go|https://en.wikipedia.org/wiki/Go_(language)|the language",
		"Spaced|https://x/a b|",
		"`tick` and \\|https://x/t|",
		// Backslashes are literal in code spans (CommonMark).
		"code \\ span`|https://x/c|",
	}
	checkLines(t, "escapes", got, want)

	full := "# C#\nSource: https://x/c\n\nText.\n\n# Closed heading ##\nSource: https://x/h\n\nMore.\n"
	pages, err = ParseLLMSTxt(strings.NewReader(full), source.Spec{Location: "llms-full.txt"})
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != 2 || pages[0].Title != "C#" || pages[1].Title != "Closed heading" {
		t.Errorf("titles: %+v", pages)
	}
}

// pageLines renders each page as "title|url|<extra(page)>".
func pageLines(pages []source.Page, extra func(source.Page) string) []string {
	out := make([]string, len(pages))
	for i, p := range pages {
		out[i] = p.Title + "|" + p.URL + "|" + extra(p)
	}
	return out
}

// checkLines compares two lists of lines and shows both on a mismatch.
func checkLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if g, w := strings.Join(got, "\n"), strings.Join(want, "\n"); g != w {
		t.Errorf("%s:\n%s\nwant\n%s", what, g, w)
	}
}
