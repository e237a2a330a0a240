package loader

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

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

// One fuzz target per loader. The CI runs each for 10s (.ci/run).

// FuzzMarkdownTree: a Markdown tree whose page and include are fuzzed
// never panics and never publishes a file it may not include.
func FuzzMarkdownTree(f *testing.F) {
	f.Add("# A\n\n{{% include \"inc\" %}}\n", "## B\n\n{{% include \"page\" %}}\n")
	f.Add("---\ntitle: x\n---\n{{< include \"/.env\" >}}", "{{< include \"..\\\\.env\" >}}")
	f.Add("+++\ntitle = 'x'\n+++\n{{% include \"inc.md\" %}}", "# h {#a-1}\n# h\n# a")
	f.Fuzz(func(t *testing.T, page, inc string) {
		fsys := fstest.MapFS{
			"page.md":     {Data: []byte(page)},
			"inc.md":      {Data: []byte(inc)},
			".env":        {Data: []byte("SECRET_ENV_VALUE")},
			".git/config": {Data: []byte("SECRET_GIT_VALUE")},
		}
		tr := &tree{fsys: fsys, spec: source.Spec{Kind: source.KindMarkdown, BaseURL: "https://x.example/"}, name: "markdown:x", max: 1 << 20, ctx: context.Background()}
		pages, err := tr.loadMarkdown()
		if err != nil {
			return
		}
		for _, p := range pages {
			if txt := p.Title + p.Text(); strings.Contains(txt, "SECRET_ENV_VALUE") && !strings.Contains(page+inc, "SECRET_ENV_VALUE") ||
				strings.Contains(txt, "SECRET_GIT_VALUE") && !strings.Contains(page+inc, "SECRET_GIT_VALUE") {
				t.Fatalf("published a hidden file: %q", txt)
			}
			if len(p.Sections) > maxSections+1 {
				t.Fatalf("%d sections", len(p.Sections))
			}
		}
	})
}

func FuzzHTML(f *testing.F) {
	for _, s := range []string{"<main><h1 id=x>t</h1><p>a</p><h2>t</h2></main>", "<meta http-equiv=refresh>", "<h1><a name=y>¶</a>z</h1>", "<pre><h2>x</h2></pre>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseHTML(strings.NewReader(s), "https://x.example/a/")
		if err == nil && (len(p.Sections) == 0 || p.ID == "") {
			t.Fatalf("page without lead or ID: %+v", p)
		}
	})
}

func FuzzLLMSTxt(f *testing.F) {
	for _, s := range []string{"# T\n> s\n## Docs\n- [a](https://x/a): n\n", "# A\nSource: https://x/a\ntext\n# B\n```\n# not\n```\n", "- [a\\]](<b c>)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		pages, err := ParseLLMSTxt(strings.NewReader(s), source.Spec{Location: "llms-full.txt", BaseURL: "https://x.example/"})
		if err == nil && len(pages) == 0 {
			t.Fatal("no pages and no error")
		}
	})
}

func FuzzIndexJSON(f *testing.F) {
	for _, s := range []string{`[{"title":"a","permalink":"/a","contents":"A\nB\n\nc"}]`, `[{"permalink":"x","tags":"a,b","version":2.1}]`, `{}`, `[null]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		pages, err := ParseIndexJSON(strings.NewReader(s), source.Spec{Location: "index.json", BaseURL: "https://x.example/"})
		if err == nil && len(pages) == 0 {
			t.Fatal("no pages and no error")
		}
	})
}

func FuzzFrontMatter(f *testing.F) {
	for _, s := range []string{"---\ntitle: a\ntags: [x, y]\ncascade:\n  build:\n    render: never\n---\nbody", "+++\ntitle = 'a'\ndate = 2024-01-02\n+++\n", "---\n&a [*a]\n---\n", "---\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fm, format, body := splitFrontMatter([]byte(s))
		if len(fm)+len(body) > len(s) {
			t.Fatalf("split grew the input: %d + %d > %d", len(fm), len(body), len(s))
		}
		_, _ = parseFrontMatter(fm, format)
	})
}
