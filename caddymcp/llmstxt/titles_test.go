package llmstxt_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/llmstxt"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/loader"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/search"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// awkwardTitles are titles whose characters mean something in Markdown.
var awkwardTitles = []string{
	"Install [beta]", "Foo (bar)", "Go (language) [v1.2] _x_", "snake_case_option", "_private_ field",
	"a_b_", "reverse_proxy", "a * b * c", "*emphasis* and **strong**", "Vec<T> and <br>", `C:\path\to`,
	"ends with backslash \\", "`code` span", "``", "[x](y) is not a link", "[ref][x] neither", "[", "]",
	"Tom & Jerry &amp; co", "C#", "Part #", "~~strike~~", "unicode ü_ä [ß]", "!not an image", "a: b",
}

// awkwardPages gives each title a page; URLs have parentheses and
// underscores too.
func awkwardPages() []source.Page {
	var pages []source.Page
	for i, title := range awkwardTitles {
		u := fmt.Sprintf("https://d.test/docs/p%d_x/", i)
		switch i % 3 {
		case 1:
			u = fmt.Sprintf("https://d.test/wiki/Go_(p%d)", i)
		case 2:
			u = fmt.Sprintf("https://d.test/docs/a(%d)b/c_d", i)
		}
		pages = append(pages, source.Page{
			ID: strings.TrimPrefix(u, "https://"), Title: title, URL: u, Section: "docs",
			Summary:  "About " + title + ".",
			Sections: []source.Section{{Text: "Body of " + title}},
		})
	}
	return pages
}

// TestTitlesRoundTrip: Render and RenderFull, read back by
// source.ParseLLMSTxt, give every page with its exact title and URL.
func TestTitlesRoundTrip(t *testing.T) {
	pages := awkwardPages()
	ix := search.Build(pages)
	for _, tc := range []struct {
		location string
		body     []byte
	}{
		{"https://d.test/llms.txt", llmstxt.Render(ix, "Site [x]", "Summary.", 0)},
		{"https://d.test/llms-full.txt", llmstxt.RenderFull(ix)},
	} {
		got, err := loader.ParseLLMSTxt(bytes.NewReader(tc.body), source.Spec{Location: tc.location, BaseURL: "https://d.test/"})
		if err != nil {
			t.Fatalf("%s: %v", tc.location, err)
		}
		byURL := map[string]source.Page{}
		for _, p := range got {
			byURL[p.URL] = p
		}
		for _, want := range pages {
			p, ok := byURL[want.URL]
			switch {
			case !ok:
				t.Errorf("%s: no page with URL %q (title %q)", tc.location, want.URL, want.Title)
			case p.Title != want.Title:
				t.Errorf("%s: title %q, want %q", tc.location, p.Title, want.Title)
			case tc.location == "https://d.test/llms.txt" && p.Summary != want.Summary:
				t.Errorf("%s: notes %q, want %q", tc.location, p.Summary, want.Summary)
			}
		}
		if len(got) != len(pages) {
			t.Errorf("%s: %d pages, want %d", tc.location, len(got), len(pages))
		}
		if t.Failed() {
			t.Logf("%s:\n%s", tc.location, tc.body)
			return
		}
	}
}

// FuzzTitleRoundTrip: any one-line title survives Render and
// source.ParseLLMSTxt unchanged.
func FuzzTitleRoundTrip(f *testing.F) {
	for _, s := range awkwardTitles {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, title string) {
		title = strings.Join(strings.Fields(title), " ")
		if title == "" || !utf8.ValidString(title) || strings.ContainsFunc(title, func(r rune) bool {
			return r < ' ' || r >= 0x10FF00 || r == 0x7f
		}) {
			return
		}
		ix := search.Build([]source.Page{{ID: "d.test/p", Title: title, URL: "https://d.test/p", Sections: []source.Section{{Text: "x"}}}})
		for _, loc := range []string{"llms.txt", "llms-full.txt"} {
			body := llmstxt.Render(ix, "Site", "", 0)
			if loc == "llms-full.txt" {
				body = llmstxt.RenderFull(ix)
			}
			pages, err := loader.ParseLLMSTxt(bytes.NewReader(body), source.Spec{Location: loc})
			if err != nil || len(pages) != 1 || pages[0].Title != title {
				t.Fatalf("%s: title %q came back as %+v (%v) from:\n%s", loc, title, pages, err, body)
			}
		}
	})
}
