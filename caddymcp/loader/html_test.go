package loader

import (
	"context"
	"errors"
	"sort"
	"strings"
	"testing"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

const sitePage = `<!doctype html>
<html lang="en-US"><head><title>Reverse proxy - Docs</title>
<meta name="description" content="Proxy requests.">
<script>var tracking = 1;</script><style>.x{}</style></head>
<body>
<header><a href="/">Site Header Brand</a></header>
<nav><ul><li>Nav Entry Alpha</li></ul></nav>
<main>
<h1>reverse_proxy</h1>
<p>Proxies   requests
to <a href="/b">backends</a>.</p>
<h2 id="upstream-addresses">Upstream <code>addresses</code> <a class="anchor" href="#upstream-addresses">#</a></h2>
<pre><code>reverse_proxy localhost:9000 {
	lb_policy   first
}</code></pre>
<aside>Aside Sidebar Text</aside>
<form><input name="q"> Form Label Text</form>
<h3><a id="from-child"></a>Child id</h3>
<ul><li>one</li><li>two</li></ul>
<table><tr><td>cell a</td><td>cell b</td></tr></table>
<noscript>Enable JS</noscript>
</main>
<footer>Footer Copyright Text</footer>
</body></html>`

func TestParseHTML(t *testing.T) {
	p, err := ParseHTML(strings.NewReader(sitePage), "https://caddyserver.com/docs/rp")
	if err != nil {
		t.Fatal(err)
	}
	if p.Title != "Reverse proxy - Docs" || p.Summary != "Proxy requests." || p.Lang != "en-us" || p.ID != "caddyserver.com/docs/rp" {
		t.Errorf("metadata: %q %q %q %q", p.Title, p.Summary, p.Lang, p.ID)
	}
	var heads []string
	for _, s := range p.Sections[1:] {
		heads = append(heads, string(rune('0'+s.Level))+" "+s.Heading+" #"+s.Anchor)
	}
	want := "1 reverse_proxy #reverse-proxy|2 Upstream addresses #upstream-addresses|3 Child id #from-child"
	if strings.Join(heads, "|") != want {
		t.Errorf("headings %q\nwant %q", strings.Join(heads, "|"), want)
	}
	text := p.Text()
	for _, s := range []string{"Proxies requests to backends.", "reverse_proxy localhost:9000 {\n\tlb_policy   first\n}", "one\ntwo", "cell a  cell b"} {
		if !strings.Contains(text, s) {
			t.Errorf("text lacks %q:\n%s", s, text)
		}
	}
	for _, s := range []string{"Site Header Brand", "Nav Entry Alpha", "Aside Sidebar", "Form Label", "Footer Copyright", "tracking", "Enable JS", ".x{}"} {
		if strings.Contains(text, s) {
			t.Errorf("text has chrome %q:\n%s", s, text)
		}
	}
	// Without <title> the first h1 is the title; without <main> the body is used.
	p, err = ParseHTML(strings.NewReader("<body><nav>menu</nav><h1>Only H1</h1><p>x</p></body>"), "/a/")
	if err != nil || p.Title != "Only H1" || strings.Contains(p.Text(), "menu") {
		t.Errorf("fallbacks: %v %q %q", err, p.Title, p.Text())
	}
	for _, skip := range []string{
		`<html><head><meta http-equiv="refresh" content="0; url=/new/"></head></html>`,
		`<html><head><meta name="robots" content="noindex, follow"></head><body>x</body></html>`,
	} {
		if _, err := ParseHTML(strings.NewReader(skip), "/x/"); !errors.Is(err, ErrNotIndexable) {
			t.Errorf("want skip for %s, got %v", skip, err)
		}
	}
}

func TestLoadSiteRoot(t *testing.T) {
	htmlDir := writeFiles(t, map[string]string{
		"index.html":        "<title>Home</title><main><p>Welcome</p></main>",
		"docs/index.html":   "<title>Docs</title><main><h2 id=\"a\">A</h2><p>text</p></main>",
		"docs/page.html":    "<title>source.Page</title><article><p>article text</p></article>",
		"404.html":          "<title>Not found</title>",
		"old/index.html":    `<meta http-equiv="refresh" content="0; url=/docs/">`,
		"assets/style.css":  "body{}",
		"empty/index.html":  "",
		".git/x/index.html": "<title>Git</title>",
	})
	jsonDir := writeFiles(t, map[string]string{
		"index.json":   `[{"title":"J","permalink":"/j/","contents":"json page"}]`,
		"j/index.html": "<title>ignored</title>",
		"a.md":         "# ignored",
	})
	tests := []struct {
		name string
		spec source.Spec
		want []string // URLs
	}{
		{"html", source.Spec{Kind: source.KindSiteRoot, Location: htmlDir, BaseURL: "https://s.example/"},
			[]string{"https://s.example/", "https://s.example/docs/", "https://s.example/docs/page.html"}},
		{"index.json wins", source.Spec{Location: jsonDir, BaseURL: "https://s.example/"}, []string{"https://s.example/j/"}},
		{"markdown", source.Spec{Location: "../../testdata/site", BaseURL: "https://s.example/"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pages, err := LoadSpec(context.Background(), tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			var urls []string
			for _, p := range pages {
				urls = append(urls, p.URL)
				if l, _ := Resolve(tc.spec, Options{}); p.Source != l.Name() {
					t.Errorf("Source %q", p.Source)
				}
			}
			if tc.want == nil {
				if len(pages) != 11 {
					t.Errorf("markdown site: %d pages", len(pages))
				}
				return
			}
			sort.Strings(urls)
			if strings.Join(urls, ",") != strings.Join(tc.want, ",") {
				t.Errorf("got %v, want %v", urls, tc.want)
			}
		})
	}
	pages, err := LoadSiteRoot(htmlDir, "")
	if err != nil || len(pages) != 3 || pages[0].Sections[1].Anchor != "a" || pages[0].Path != "docs" || pages[2].ID != "/" {
		t.Errorf("LoadSiteRoot: %v %+v", err, pages)
	}
}
