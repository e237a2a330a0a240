package loader

import (
	"strings"
	"testing"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// The loaders must never panic on odd input: these fuzz targets run their
// seeds in every `go test` and can be fuzzed with -fuzz.

func FuzzMarkdownSections(f *testing.F) {
	for _, s := range []string{"# a {#}", "```\n# x", "<script>", "[`a`][]", "`", "a\n===", "{{% include \"x\" %}}", "<!--", "_a_b_", "<h2 id=>x</h2>", "| a |\n|-|"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		secs := markdownSections(s, mdContext{slug: Anchorize})
		if len(secs) == 0 || secs[0].Heading != "" {
			t.Fatalf("bad lead: %+v", secs)
		}
	})
}

func FuzzSplitPlainText(f *testing.F) {
	for _, s := range []string{caddyLike, "a\nb\nc\na\nb\nc", "\n\n\n", "x(", ". a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if secs := splitPlainText(s, DashAnchorize); len(secs) == 0 {
			t.Fatal("no lead")
		}
	})
}

func FuzzParsers(f *testing.F) {
	for _, s := range []string{`[{"title":"a","permalink":"/a"}]`, "# a\n- [b](c): d", "<main><h1 id=x>t</h1></main>", "[1,", `[{"permalink":"::"}]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, loc := range []string{"x.json", "llms.txt", "x.html"} {
			pages, err := Parse(strings.NewReader(s), source.Spec{Location: loc, BaseURL: "https://x.example/"})
			if err == nil && len(pages) == 0 {
				t.Fatalf("%s: no pages and no error", loc)
			}
			if err != nil && strings.Contains(err.Error(), "internal error") {
				t.Fatal(err)
			}
		}
	})
}
