package mcptools

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

func readResource(t *testing.T, c *client.Client, uri string) (string, error) {
	t.Helper()
	req := mcp.ReadResourceRequest{}
	req.Params.URI = uri
	res, err := c.ReadResource(t.Context(), req)
	if err != nil {
		return "", err
	}
	if len(res.Contents) != 1 {
		t.Fatalf("%s: %d contents", uri, len(res.Contents))
	}
	tc, ok := res.Contents[0].(mcp.TextResourceContents)
	if !ok || tc.MIMEType != "text/markdown" || tc.URI != uri {
		t.Fatalf("%s: contents %#v", uri, res.Contents[0])
	}
	return tc.Text, nil
}

func TestResourceListing(t *testing.T) {
	e := newEnv(t, nil, mcp.ProtocolVersion20250618)
	rs, err := e.c.ListResources(t.Context(), mcp.ListResourcesRequest{})
	if err != nil || len(rs.Resources) != 2 {
		t.Fatalf("resources %+v %v", rs, err)
	}
	uris := map[string]string{}
	for _, r := range rs.Resources {
		uris[r.URI] = r.MIMEType
	}
	if uris[TOCURI] != "text/markdown" || uris[StatusURI] != "application/json" {
		t.Fatalf("resources %+v", rs.Resources)
	}
	ts, err := e.c.ListResourceTemplates(t.Context(), mcp.ListResourceTemplatesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tpl := range ts.ResourceTemplates {
		got = append(got, tpl.URITemplate.Raw())
	}
	if strings.Join(got, " ") != PageTemplate+" "+TOCPartTemplate && strings.Join(got, " ") != TOCPartTemplate+" "+PageTemplate {
		t.Errorf("templates %v", got)
	}
}

func TestPageResource(t *testing.T) {
	pages := append(testPages(), page("docs.example.com/docs/café/naïve page", "Café", "docs", "fr", "", sec(0, "", "", "Crème brûlée.")))
	e := newEnv(t, pages, "")
	txt, err := readResource(t, e.c, "docs://pages/docs/install")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# Install\n", "url: https://docs.example.com/docs/install/", "lastmod: 2026-03-04T05:06:07Z", "## Linux", "Download the zip"} {
		if !strings.Contains(txt, want) {
			t.Errorf("page resource lacks %q:\n%s", want, txt)
		}
	}
	// Nested paths with slashes and percent-encoded characters.
	txt, err = readResource(t, e.c, "docs://pages/"+encodePath("docs/café/naïve page"))
	if err != nil || !strings.Contains(txt, "Crème brûlée") {
		t.Errorf("encoded path: %v %q", err, txt)
	}
	// 1 MB page: cut, with directions to read_page.
	txt, err = readResource(t, e.c, "docs://pages/docs/big")
	if err != nil {
		t.Fatal(err)
	}
	if n := runeCount(txt); n > ResourceMaxChars+1000 || !strings.Contains(txt, `read_page tool: {"id": "docs.example.com/docs/big", "start_index": 50000}`) {
		t.Errorf("big page resource: %d chars, tail %q", n, txt[len(txt)-200:])
	}
	_, err = readResource(t, e.c, "docs://pages/docs/nope")
	if err == nil || !strings.Contains(err.Error(), "no documentation page") || !strings.Contains(err.Error(), "search_docs") {
		t.Errorf("unknown page: %v", err)
	}
}

func TestTOC(t *testing.T) {
	e := newEnv(t, nil, "")
	txt, err := readResource(t, e.c, TOCURI)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"6 pages in 2 sections",
		"## blog (1 pages)",
		"## docs (5 pages)",
		"- [Install](https://docs.example.com/docs/install/) — docs://pages/docs/install\n",
	} {
		if !strings.Contains(txt, want) {
			t.Errorf("toc lacks %q:\n%s", want, txt)
		}
	}
	if strings.Index(txt, "## blog") > strings.Index(txt, "## docs") {
		t.Error("sections not sorted")
	}
	// Every docs:// URI in the TOC can be read.
	for _, line := range strings.Split(txt, "\n") {
		if _, uri, ok := strings.Cut(line, " — "); ok {
			if _, err := readResource(t, e.c, uri); err != nil {
				t.Errorf("%s: %v", uri, err)
			}
		}
	}
}

func TestTOCParts(t *testing.T) {
	var pages []source.Page
	for i := range 2*TOCPartSize + 50 {
		pages = append(pages, page(fmt.Sprintf("docs.example.com/s%d/p%04d", i%3, i), fmt.Sprintf("Page %04d", i), fmt.Sprintf("s%d", i%3), "en", "",
			sec(0, "", "", "text")))
	}
	e := newEnv(t, pages, "")
	seen := 0
	for part := 1; part <= 3; part++ {
		uri := TOCURI
		if part > 1 {
			uri = fmt.Sprintf("docs://toc/%d", part)
		}
		txt, err := readResource(t, e.c, uri)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(txt, fmt.Sprintf("part %d of 3", part)) || !strings.Contains(txt, "search_docs") {
			t.Errorf("part %d header: %s", part, txt[:300])
		}
		if next := fmt.Sprintf("Next part: docs://toc/%d", part+1); (part < 3) != strings.Contains(txt, next) {
			t.Errorf("part %d: next link wrong", part)
		}
		seen += strings.Count(txt, "\n- [")
		if n := runeCount(txt); n > 60_000 {
			t.Errorf("part %d is %d chars", part, n)
		}
	}
	if seen != len(pages) {
		t.Errorf("parts list %d pages, want %d", seen, len(pages))
	}
	for _, bad := range []string{"docs://toc/4", "docs://toc/0", "docs://toc/x"} {
		if _, err := readResource(t, e.c, bad); err == nil || !strings.Contains(err.Error(), "parts are 1 to 3") {
			t.Errorf("%s: %v", bad, err)
		}
	}
}
