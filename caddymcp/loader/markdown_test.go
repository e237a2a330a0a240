package loader

import (
	"strings"
	"testing"
	"time"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

func TestLoadMarkdownDirTestdata(t *testing.T) {
	pages, err := LoadMarkdownDir("../../testdata/site", "https://docs.example.com/")
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]*source.Page{}
	var ids []string
	for i := range pages {
		byID[pages[i].ID] = &pages[i]
		ids = append(ids, pages[i].ID)
	}
	want := []string{
		"docs.example.com", "docs.example.com/about/introduction", "docs.example.com/commands/hugo_version",
		"docs.example.com/configuration/minify", "docs.example.com/content-management/summaries",
		"docs.example.com/functions/collections/sort", "docs.example.com/guides/serving-docs",
		"docs.example.com/methods/page", "docs.example.com/methods/page/permalink",
		"docs.example.com/methods/page/relpermalink", "docs.example.com/methods/pages/next",
	}
	if strings.Join(ids, "\n") != strings.Join(want, "\n") {
		t.Fatalf("page IDs (draft, README and _common must be skipped):\n%s", strings.Join(ids, "\n"))
	}
	toml := byID["docs.example.com/guides/serving-docs"]
	if toml.Title != "Serving docs over MCP" || toml.URL != "https://docs.example.com/guides/serving-docs/" ||
		strings.Join(toml.Tags, ",") != "mcp,caddy" || !toml.LastMod.Equal(time.Date(2026, 2, 1, 12, 30, 0, 0, time.UTC)) ||
		toml.Summary != "How the caddy-mcp module indexes this site." {
		t.Errorf("TOML page: %+v", toml)
	}
	var heads []string
	for _, s := range toml.Sections[1:] {
		heads = append(heads, s.Heading+"#"+s.Anchor)
	}
	if got := strings.Join(heads, ","); got != "Configure the handler#configure,Searching#searching,Setext heading#setext-heading" {
		t.Errorf("TOML page headings: %s", got)
	}
	if s := toml.Sections[2].Text; !strings.Contains(s, "# this line starts with a hash") || strings.Contains(s, "**") || !strings.Contains(s, "keywords or phrases") {
		t.Errorf("Searching section text: %q", s)
	}
	if got := toml.SectionURL(1); got != "https://docs.example.com/guides/serving-docs/#configure" {
		t.Errorf("SectionURL = %q", got)
	}
	if p := byID["docs.example.com/commands/hugo_version"]; p.URL != "https://docs.example.com/commands/hugo_version/" {
		t.Errorf("url front matter: %s", p.URL)
	}
	sort := byID["docs.example.com/functions/collections/sort"]
	if sort.Sections[2].Anchor != "slice-ascending-order" || sort.Sections[2].Heading != "Ascending order" || sort.Sections[2].Level != 3 {
		t.Errorf("custom id: %+v", sort.Sections[2])
	}
	if next := byID["docs.example.com/methods/pages/next"]; !strings.Contains(next.Text(), "next and previous page") {
		t.Errorf("include shortcode not expanded: %q", next.Text())
	}
	if s := byID["docs.example.com/content-management/summaries"].Text(); !strings.Contains(s, "Use a <!--more--> divider") {
		t.Errorf("HTML comment inside code span lost: %q", s[:200])
	}
}

func TestMarkdownSections(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		heads []string // "level heading #anchor"
		has   []string
		not   []string
	}{
		{"atx with closing hashes and custom id", "# Title #\n\n## Install it {#setup .cls}\nText", []string{"1 Title #title", "2 Install it #setup"}, []string{"Text"}, []string{"{#"}},
		{"fence with hash lines", "Intro\n\n```sh\n# not a heading\n## nor this\n```\n\n~~~~\n```\n# still code\n~~~~\n## Real", []string{"2 Real #real"}, []string{"# not a heading", "## nor this", "# still code"}, nil},
		{"setext", "Big Title\n=========\n\nPara\n\nSmall\n-----\n\n---\n\nAfter rule", []string{"1 Big Title #big-title", "2 Small #small"}, []string{"Para", "After rule"}, []string{"==="}},
		{"html heading with id", `<h2 id="custom">HTML <em>heading</em></h2>` + "\ntext", []string{"2 HTML heading #custom"}, []string{"text"}, nil},
		{"script and style dropped", "A\n<script>\nvar secret = 1;\n</script>\n<style>p{}</style>\nB", nil, []string{"A", "B"}, []string{"secret", "p{}"}},
		{"shortcodes", "{{< new-in 0.1 />}}\n{{< code-toggle file=hugo >}}\nbaseURL = 'x'\n{{< /code-toggle >}}\nSee {{< ref \"x\" >}} here", nil, []string{"baseURL = 'x'", "See  here"}, []string{"code-toggle", "new-in"}},
		{"escaped shortcode in code", "```\n{{</* figure src=\"a.jpg\" */>}}\n```", nil, []string{`{{< figure src="a.jpg" >}}`}, []string{"/*"}},
		{"inline markup", "Some **bold**, *em*, _under_, ~~gone~~, [link text](https://x) and ![alt](i.png), `a_b*c*` and snake_case_name <span>tag</span> &amp;", nil,
			[]string{"Some bold, em, under, gone, link text and alt, a_b*c* and snake_case_name tag &"}, []string{"**", "https://x", "<span>"}},
		{"lists, quotes, tables", "- item one\n1. item two\n> quoted\n\n| a | b |\n|---|:-:|\n| c | d |\n\n[ref]: https://example.com", nil,
			[]string{"item one", "item two", "quoted", "a  b", "c  d"}, []string{"|", "- item", "https://example.com"}},
		{"multiline comment", "A\n<!--\n## hidden heading\n-->\nB", nil, []string{"A", "B"}, []string{"hidden"}},
		{"duplicate anchors", "## Examples\n## Examples", []string{"2 Examples #examples", "2 Examples #examples-1"}, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			secs := markdownSections(tc.in, mdContext{slug: Anchorize})
			var heads []string
			var text strings.Builder
			for _, s := range secs {
				if s.Heading != "" {
					heads = append(heads, string(rune('0'+s.Level))+" "+s.Heading+" #"+s.Anchor)
				}
				text.WriteString(s.Text + "\n")
			}
			if strings.Join(heads, "|") != strings.Join(tc.heads, "|") {
				t.Errorf("headings %q, want %q", heads, tc.heads)
			}
			for _, h := range tc.has {
				if !strings.Contains(text.String(), h) {
					t.Errorf("text lacks %q:\n%s", h, text.String())
				}
			}
			for _, h := range tc.not {
				if strings.Contains(text.String(), h) {
					t.Errorf("text has %q:\n%s", h, text.String())
				}
			}
		})
	}
}

func TestFrontMatterRules(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"_index.md":              "---\ntitle: Home\n---\nWelcome home.",
		"docs/Guide.md":          "---\ntitle: Guide\nlastmod: 2024-03-04\nsection: manual\nlang: fr\n---\nBody.",
		"docs/headless.md":       "---\ntitle: H\nheadless: true\n---\nBody.",
		"docs/never.md":          "---\ntitle: N\nbuild:\n  render: never\n---\nBody.",
		"docs/slugged.md":        "---\ntitle: S\nslug: Other-Name\n---\nBody.",
		"docs/bundle/index.md":   "+++\ntitle = 'Bundle'\n+++\nBundle body.",
		"snips/_index.md":        "---\ncascade:\n  build:\n    render: never\n---\n",
		"snips/deep/a.md":        "---\ntitle: A\n---\nSnippet.",
		"notitle.md":             "Plain Heading\n=============\n\nText.",
		"htmltitle.md":           "<h1>From HTML</h1>\n\nText.",
		"empty.md":               "---\n---\n",
		".hidden/x.md":           "# Hidden dir",
		"docs/draft-false.md":    "---\ntitle: Published\ndraft: false\n---\nYes.",
		"docs/UPPER/Mixed.mdown": "# Mixed\nText",
		"docs/guide.fr.md":       "---\ntitle: Guide FR\n---\nCorps.",
		"docs/v1.2.md":           "# Version page\nText",
	})
	pages, err := LoadMarkdownDir(dir, "https://site.example/base/")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]source.Page{}
	for _, p := range pages {
		got[p.URL] = p
	}
	want := map[string]string{ // URL -> title
		"https://site.example/base/":                  "Home",
		"https://site.example/base/docs/guide/":       "Guide",
		"https://site.example/base/docs/other-name/":  "S",
		"https://site.example/base/docs/bundle/":      "Bundle",
		"https://site.example/base/notitle/":          "Plain Heading",
		"https://site.example/base/htmltitle/":        "From HTML",
		"https://site.example/base/docs/draft-false/": "Published",
		"https://site.example/base/docs/upper/mixed/": "Mixed",
		"https://site.example/base/fr/docs/guide/":    "Guide FR",
		"https://site.example/base/docs/v1.2/":        "Version page",
	}
	if len(got) != len(want) {
		var urls []string
		for u := range got {
			urls = append(urls, u)
		}
		t.Errorf("got %d pages %v, want %d", len(got), urls, len(want))
	}
	for u, title := range want {
		if p, ok := got[u]; !ok || p.Title != title {
			t.Errorf("%s: got %+v, want title %q", u, p.Title, title)
		}
	}
	if fr := got["https://site.example/base/fr/docs/guide/"]; fr.Lang != "fr" {
		t.Errorf("file name language: %q", fr.Lang)
	}
	g := got["https://site.example/base/docs/guide/"]
	if g.Section != "manual" || g.Lang != "fr" || g.LastMod.Format("2006-01-02") != "2024-03-04" || g.Path != "base/docs/guide" {
		t.Errorf("guide fields: %+v", g)
	}
}
