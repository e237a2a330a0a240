package llmstxt_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/corpus"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/llmstxt"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/search"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

func testPages() []source.Page {
	return []source.Page{
		{ID: "d.test/docs/install", Title: "Install [beta]", URL: "https://d.test/docs/install", Section: "docs",
			Summary: "How to\ninstall it.",
			Sections: []source.Section{
				{Text: "Lead text."},
				{Heading: "Install [beta]", Level: 1, Anchor: "install", Text: "dup title heading"},
				{Heading: "From source", Level: 2, Anchor: "from-source", Text: "go build"},
				{Heading: "Deep", Level: 7, Text: "very deep"},
			}},
		{ID: "d.test/blog/hello", Title: "Hello", URL: "https://d.test/blog/hello (1)", Section: "blog",
			Sections: []source.Section{{Text: strings.Repeat("word ", 100)}}},
		{ID: "d.test/docs/config", Title: "Config", URL: "https://d.test/docs/config", Section: "docs",
			Sections: []source.Section{{Text: "The config."}}},
	}
}

func TestRenderShape(t *testing.T) {
	out := string(llmstxt.Render(search.Build(testPages()), "My Docs", "Docs for\nmy project.", 0))
	want := `# My Docs

> Docs for my project.

## Docs

- [Install \[beta\]](https://d.test/docs/install): How to install it.
- [Config](https://d.test/docs/config): The config.

## Blog

- [Hello](https://d.test/blog/hello%20%281%29): `
	if !strings.HasPrefix(out, want) {
		t.Fatalf("got:\n%s\nwant prefix:\n%s", out, want)
	}
	// The long lead is cut at a word boundary with an ellipsis.
	last := strings.Split(strings.TrimSpace(out), "\n")
	line := last[len(last)-1]
	if !strings.HasSuffix(line, "word…") || len(line) > 300 {
		t.Errorf("description line: %q", line)
	}
	if got := string(llmstxt.Render(nil, "", "", 0)); got != "# Documentation\n\n" {
		t.Errorf("empty render: %q", got)
	}
}

func TestRenderFull(t *testing.T) {
	out := string(llmstxt.RenderFull(search.Build(testPages())))
	for _, want := range []string{
		"# Install [beta]\n\nSource: https://d.test/docs/install\n\n> How to install it.\n\nLead text.\n\ndup title heading\n\n## From source\n\ngo build\n\n###### Deep\n",
		"\n\n---\n\n# Hello\n",
		"# Config\n\nSource: https://d.test/docs/config\n\nThe config.\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("full output lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "\n# ") != 2 || !strings.HasPrefix(out, "# Install") {
		t.Errorf("want 3 page H1s:\n%s", out)
	}
}

func TestRenderBounded(t *testing.T) {
	var pages []source.Page
	for i := range 400 {
		sec := "a"
		if i%4 == 0 {
			sec = "b"
		}
		u := fmt.Sprintf("https://d.test/%s/%d", sec, i)
		pages = append(pages, source.Page{ID: u[8:], URL: u, Title: fmt.Sprint("P", i), Section: sec,
			Sections: []source.Section{{Text: "x"}}})
	}
	out := string(llmstxt.Render(search.Build(pages), "T", "", 50))
	if n := strings.Count(out, "\n- ["); n > 50 || n < 45 {
		t.Errorf("%d links, want 45..50", n)
	}
	for _, want := range []string{"## A\n", "## B\n", "263 more pages", "88 more pages"} {
		if !strings.Contains(out, want) {
			t.Errorf("lacks %q", want)
		}
	}
}

// TestHandler serves llms.txt and llms-full.txt from a live corpus and checks
// validators, 304s, and that a refresh changes both.
func TestHandler(t *testing.T) {
	path := filepath.Join(t.TempDir(), "index.json")
	write := func(title string) {
		os.WriteFile(path, []byte(`[{"title":"`+title+`","permalink":"https://d.test/docs/a/","contents":"Alpha text.","section":"docs"}]`), 0o644)
	}
	write("Alpha")
	c, err := corpus.Open(context.Background(), corpus.Options{Specs: []source.Spec{{Location: path}}, Watch: corpus.Off})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	mux := http.NewServeMux()
	mux.Handle("/llms.txt", llmstxt.NewHandler(c, "Site", "About the site.", false))
	mux.Handle("/llms-full.txt", llmstxt.NewHandler(c, "Site", "About the site.", true))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	get := func(method, p string, hdr map[string]string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+p, nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	tags := map[string]string{}
	for _, p := range []string{"/llms.txt", "/llms-full.txt"} {
		resp, body := get("GET", p, nil)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != llmstxt.ContentType {
			t.Fatalf("%s: %d %q", p, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if !strings.Contains(body, "Alpha") {
			t.Fatalf("%s body: %q", p, body)
		}
		etag, lm := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
		if etag == "" || lm == "" {
			t.Fatalf("%s: no validators", p)
		}
		tags[p] = etag
		if r, b := get("GET", p, map[string]string{"If-None-Match": etag}); r.StatusCode != 304 || b != "" {
			t.Errorf("%s If-None-Match: %d", p, r.StatusCode)
		}
		if r, _ := get("GET", p, map[string]string{"If-Modified-Since": lm}); r.StatusCode != 304 {
			t.Errorf("%s If-Modified-Since: %d", p, r.StatusCode)
		}
		if r, b := get("HEAD", p, nil); r.StatusCode != 200 || b != "" {
			t.Errorf("%s HEAD: %d %q", p, r.StatusCode, b)
		}
		if r, _ := get("POST", p, nil); r.StatusCode != 405 {
			t.Errorf("%s POST: %d", p, r.StatusCode)
		}
	}
	if tags["/llms.txt"] == tags["/llms-full.txt"] {
		t.Error("both files share an ETag")
	}
	if _, body := get("GET", "/llms.txt", nil); !strings.HasPrefix(body, "# Site\n\n> About the site.\n\n## Docs\n\n- [Alpha](https://d.test/docs/a/)") {
		t.Errorf("llms.txt: %q", body)
	}

	time.Sleep(5 * time.Millisecond)
	write("Beta")
	if _, err := c.Reindex(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/llms.txt", "/llms-full.txt"} {
		resp, body := get("GET", p, map[string]string{"If-None-Match": tags[p]})
		if resp.StatusCode != 200 || !strings.Contains(body, "Beta") || resp.Header.Get("ETag") == tags[p] {
			t.Errorf("%s after refresh: %d %q etag %s", p, resp.StatusCode, body, resp.Header.Get("ETag"))
		}
	}
}
