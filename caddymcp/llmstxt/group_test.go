package llmstxt_test

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/llmstxt"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/search"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// sitePage is a page as the loaders make it: the section defaults to the
// first path segment.
func sitePage(base, path, lang, version string) source.Page {
	u := base + path
	sec := path
	if i := slices.Index([]byte(path), '/'); i >= 0 {
		sec = path[:i]
	}
	return source.Page{ID: u[8:], URL: u, Path: path, Title: path, Section: sec, Lang: lang, Version: version,
		Sections: []source.Section{{Text: "x"}}}
}

func withSource(p source.Page, src string) source.Page {
	p.Source = src
	return p
}

var h2 = regexp.MustCompile(`(?m)^## (.*)$`)

func headings(out []byte) []string {
	var hs []string
	for _, m := range h2.FindAllSubmatch(out, -1) {
		hs = append(hs, string(m[1]))
	}
	return hs
}

// TestSectionsFollowSiteStructure: a site that serves its version under a
// path prefix (Debian's Python 3.11 docs: 530 pages, all in section
// "3.11") is grouped by the segments below the version, not under one
// heading named after the version (issue 10).
func TestSectionsFollowSiteStructure(t *testing.T) {
	for _, c := range []struct {
		name  string
		pages []source.Page
		want  []string
	}{
		{"python", []source.Page{
			sitePage("https://docs.python.org/", "3.11/library/os.html", "en", ""),
			sitePage("https://docs.python.org/", "3.11/glossary.html", "en", ""),
			sitePage("https://docs.python.org/", "3.11/tutorial/index.html", "en", ""),
			sitePage("https://docs.python.org/", "3.11/library/sys.html", "en", ""),
			sitePage("https://docs.python.org/", "3.11/c-api/intro.html", "en", ""),
		}, []string{"Library", "Pages", "Tutorial", "C-api"}},
		{"read the docs", []source.Page{
			sitePage("https://x.readthedocs.io/", "en/latest/api/client.html", "en", ""),
			sitePage("https://x.readthedocs.io/", "en/latest/guide/start.html", "en", ""),
			sitePage("https://x.readthedocs.io/", "en/stable/api/client.html", "en", ""),
		}, []string{"Api", "Guide"}},
		{"versions", []source.Page{
			sitePage("https://d.test/", "v2/config/a", "en", "v2"),
			sitePage("https://d.test/", "1.x/config/a", "en", "1.x"),
			sitePage("https://d.test/", "2.0-rc1/install/b", "en", ""),
		}, []string{"Config", "Install"}},
		{"shared base: the folders below it", []source.Page{
			sitePage("https://caddyserver.com/", "docs", "en", ""),
			sitePage("https://caddyserver.com/", "docs/install", "en", ""),
			sitePage("https://caddyserver.com/", "docs/caddyfile/directives/reverse_proxy", "en", ""),
			sitePage("https://caddyserver.com/", "docs/caddyfile", "en", ""),
			sitePage("https://caddyserver.com/", "docs/quick-starts/api", "en", ""),
			sitePage("https://caddyserver.com/", "docs/caddyfile/options", "en", ""),
		}, []string{"Docs", "Caddyfile", "Quick-starts"}},
		{"shared base with one folder: unchanged", []source.Page{
			sitePage("https://d.test/", "docs/install", "en", ""),
			sitePage("https://d.test/", "docs/guide/a", "en", ""),
			sitePage("https://d.test/", "docs/guide/b", "en", ""),
		}, []string{"Docs"}},
		{"shared base per source", []source.Page{
			withSource(sitePage("https://d.test/", "docs/guide/a", "en", ""), "a"),
			withSource(sitePage("https://d.test/", "docs/api/b", "en", ""), "a"),
			withSource(sitePage("https://d.test/", "blog/2024/post", "en", ""), "b"),
			withSource(sitePage("https://d.test/", "docs/other/c", "en", ""), "b"),
		}, []string{"Guide", "Api", "Blog", "Docs"}},
		{"no version: unchanged", []source.Page{
			sitePage("https://d.test/", "docs/a", "en", ""),
			sitePage("https://d.test/", "2024/05/post", "en", ""), // a year is no version
			sitePage("https://d.test/", "en/guide/x", "en", ""),   // a language alone stays
			sitePage("https://d.test/", "about", "en", ""),
		}, []string{"Docs", "2024", "En", "About"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := llmstxt.Render(search.Build(c.pages), "T", "", 0)
			if got := headings(out); !slices.Equal(got, c.want) {
				t.Errorf("headings %q, want %q\n%s", got, c.want, out)
			}
		})
	}
}

// TestSectionsOfAVersionedSiteAtScale: 530 pages under one version prefix
// spread over the site's own sections.
func TestSectionsOfAVersionedSiteAtScale(t *testing.T) {
	var pages []source.Page
	dirs := []string{"library", "reference", "tutorial", "howto", "c-api"}
	for i := range 530 {
		pages = append(pages, sitePage("https://docs.python.org/", fmt.Sprintf("3.11/%s/p%d.html", dirs[i%len(dirs)], i), "en", ""))
	}
	got := headings(llmstxt.Render(search.Build(pages), "Python", "", 0))
	if want := []string{"Library", "Reference", "Tutorial", "Howto", "C-api"}; !slices.Equal(got, want) {
		t.Errorf("headings %q, want %q", got, want)
	}
}

// TestSectionNamesBounded: a section name from a document stays one
// bounded heading line and cannot form a link.
func TestSectionNamesBounded(t *testing.T) {
	long := strings.Repeat("é", 300)
	pages := []source.Page{
		{ID: "d.test/a", URL: "https://d.test/a", Title: "A", Section: "[click](https://evil.test)\n## Injected", Sections: []source.Section{{Text: "x"}}},
		{ID: "d.test/b", URL: "https://d.test/b", Title: "B", Section: long, Sections: []source.Section{{Text: "x"}}},
	}
	got := headings(llmstxt.Render(search.Build(pages), "T", "", 0))
	if len(got) != 2 || got[0] != `\[click\](https://evil.test) ## Injected` || len(got[1]) > 110 || !strings.HasSuffix(got[1], "é…") {
		t.Errorf("headings %q", got)
	}
}
