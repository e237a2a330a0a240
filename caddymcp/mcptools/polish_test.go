package mcptools

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// taxonomyPages has one page with many sections matching "taxonomy", so a
// wrong id's suggestions hit the same page several times.
func taxonomyPages() []source.Page {
	return append(testPages(),
		source.Page{
			ID: "gohugo.io/content-management/taxonomies", Title: "Taxonomies", URL: "https://gohugo.io/content-management/taxonomies/",
			Path: "content-management/taxonomies", Section: "content-management",
			Sections: []source.Section{
				sec(0, "", "", "Hugo includes support for user-defined taxonomies."),
				sec(2, "What is a taxonomy?", "what-is-a-taxonomy", "A taxonomy is a categorization."),
				sec(2, "Default taxonomies", "default-taxonomies", "Hugo ships two default taxonomies: tags and categories."),
				sec(2, "Configure taxonomies", "configure-taxonomies", "Configure each taxonomy in the site configuration."),
			},
		},
		page("docs.example.com/docs/taxonomy-templates", "Taxonomy templates", "docs", "en", "",
			sec(0, "", "", "Templates that render a taxonomy list."),
			sec(2, "Taxonomy list", "taxonomy-list", "List every term of a taxonomy.")),
	)
}

// hintRE is a well-formed suggestion sentence: quoted ids with titles,
// separated by ", " and a final " or ", closed by "?".
var hintRE = regexp.MustCompile(`Did you mean "[^"]+" \([^()]*\)((, | or )"[^"]+" \([^()]*\))*\? `)

// TestSuggestionsUniqueAndWellFormed: the "Did you mean" hint of fetch and
// read_page names each page once and is one sentence, with no stray ";".
func TestSuggestionsUniqueAndWellFormed(t *testing.T) {
	e := newEnv(t, taxonomyPages(), "")
	for _, tc := range []struct{ tool, arg, next string }{
		{ToolFetch, "id", "Call `search` first"},
		{ToolReadPage, "id", "Use search_docs"},
		{ToolReadPage, "url", "Use search_docs"},
	} {
		msg := fails(t, e.c, tc.tool, map[string]any{tc.arg: "gohugo.io/content-management/taxonomy"}, "Did you mean", tc.next)
		if n := strings.Count(msg, `"gohugo.io/content-management/taxonomies"`); n != 1 {
			t.Errorf("%s: taxonomies page suggested %d times: %s", tc.tool, n, msg)
		}
		if !hintRE.MatchString(msg) || strings.Contains(msg, ";") || strings.Contains(msg, "; "+tc.next) {
			t.Errorf("%s: malformed hint: %s", tc.tool, msg)
		}
		if !strings.Contains(msg, "? "+tc.next) {
			t.Errorf("%s: hint not followed by the next step: %s", tc.tool, msg)
		}
	}
	// No suggestion: no dangling "Did you mean".
	msg := fails(t, e.c, ToolFetch, map[string]any{"id": "zzzqqq"}, "no page has the id")
	if strings.Contains(msg, "Did you mean") || strings.Contains(msg, "..") {
		t.Errorf("no-suggestion error: %s", msg)
	}
}

func TestOrList(t *testing.T) {
	for in, want := range map[string]string{"": "", "a": "a", "a|b": "a or b", "a|b|c": "a, b or c"} {
		var items []string
		if in != "" {
			items = strings.Split(in, "|")
		}
		if got := orList(items); got != want {
			t.Errorf("orList(%q) = %q, want %q", in, got, want)
		}
	}
}

// helloPages has sections whose heading repeats the page title.
func helloPages() []source.Page {
	return append(testPages(),
		page("docs.example.com/docs/hello", "Hello", "docs", "en", "",
			sec(0, "", "", "Intro."),
			sec(1, "Hello", "hello", "Greetings to the whole planet."),
			sec(2, "Farewell", "farewell", "Goodbye to the moon.")),
		page("docs.example.com/docs/spaced", "Getting  Started", "docs", "en", "",
			sec(1, "getting started", "getting-started", "Bootstrapping walkthrough.")),
	)
}

// TestTitleNotRepeated: a section whose heading equals the page title is
// titled once, in every tool.
func TestTitleNotRepeated(t *testing.T) {
	e := newEnv(t, helloPages(), "")
	for q, want := range map[string]string{"greetings planet": "Hello", "bootstrapping walkthrough": "Getting  Started"} {
		sr, _ := ok[SearchResults](t, e.c, ToolSearch, map[string]any{"query": q})
		if len(sr.Results) == 0 || sr.Results[0].Title != want {
			t.Fatalf("search %q: %+v", q, sr.Results)
		}
		dr, txt := ok[DocsResults](t, e.c, ToolSearchDocs, map[string]any{"query": q})
		if h := dr.Results[0]; h.Title != want || h.Heading != "" {
			t.Errorf("search_docs %q: title %q heading %q", q, h.Title, h.Heading)
		}
		if !strings.Contains(txt, "1. "+want+"\n") {
			t.Errorf("search_docs %q text:\n%s", q, txt)
		}
		f, _ := ok[FetchResult](t, e.c, ToolFetch, map[string]any{"id": sr.Results[0].ID})
		if f.Title != want {
			t.Errorf("fetch %s: title %q", sr.Results[0].ID, f.Title)
		}
		_, rtxt := ok[PageText](t, e.c, ToolReadPage, map[string]any{"id": sr.Results[0].ID})
		if !strings.Contains(rtxt, "# "+want+"\n") {
			t.Errorf("read_page %s:\n%s", sr.Results[0].ID, rtxt)
		}
	}
	// Distinct headings still show both.
	sr, _ := ok[SearchResults](t, e.c, ToolSearch, map[string]any{"query": "goodbye moon"})
	if sr.Results[0].Title != "Hello — Farewell" {
		t.Errorf("distinct heading: %+v", sr.Results[0])
	}
	dr, _ := ok[DocsResults](t, e.c, ToolSearchDocs, map[string]any{"query": "goodbye moon"})
	if dr.Results[0].Heading != "Farewell" {
		t.Errorf("distinct heading dropped: %+v", dr.Results[0])
	}
}

// TestResourceNotFoundCode: unknown pages and TOC parts are "resource not
// found" (-32002 up to 2025-11-25; invalid params from 2026-07-28, as that
// revision specifies), never an internal error, and keep their hint.
func TestResourceNotFoundCode(t *testing.T) {
	for proto, want := range map[string]error{
		mcp.ProtocolVersion20241105: mcp.ErrResourceNotFound,
		mcp.ProtocolVersion20250618: mcp.ErrResourceNotFound,
		mcp.ProtocolVersion20251125: mcp.ErrResourceNotFound,
		mcp.ProtocolVersion20260728: mcp.ErrInvalidParams,
	} {
		t.Run(proto, func(t *testing.T) {
			e := newEnv(t, nil, proto)
			for uri, hint := range map[string]string{
				"docs://pages/docs/nope":   "search_docs",
				"docs://pages/":            "docs://toc",
				"docs://pages/docs%2Fx":    "docs://toc",
				"docs://toc/9":             "parts are 1 to 1",
				"docs://toc/0":             "parts are 1 to 1",
				"docs://toc/x":             "parts are 1 to 1",
				"docs://nothing-like-ours": "",
			} {
				_, err := readResource(t, e.c, uri)
				if !errors.Is(err, want) || errors.Is(err, mcp.ErrInternalError) {
					t.Errorf("%s: error %v, want %v", uri, err, want)
				}
				if err != nil && !strings.Contains(err.Error(), hint) {
					t.Errorf("%s: error %q lacks %q", uri, err, hint)
				}
			}
			// Existing resources still read, under their own URI.
			for _, uri := range []string{"docs://pages/docs/install", "docs://toc/1", TOCURI} {
				if _, err := readResource(t, e.c, uri); err != nil {
					t.Errorf("%s: %v", uri, err)
				}
			}
		})
	}
}

// TestContentFramedAsData: page text reaches the model framed as quoted
// documentation, not instructions, without breaking the connector shapes.
func TestContentFramedAsData(t *testing.T) {
	e := newEnv(t, nil, mcp.ProtocolVersion20250618)
	f, ftxt := ok[FetchResult](t, e.c, ToolFetch, map[string]any{"id": "docs.example.com/docs/install#linux"})
	if !strings.HasPrefix(f.Text, contentHeader+"\n") || !strings.Contains(f.Text, "apt install exampled") {
		t.Errorf("fetch text does not start with the header: %q", f.Text)
	}
	if ftxt != string(marshal(f)) {
		t.Errorf("fetch text item is not the JSON object: %s", ftxt)
	}
	_, rtxt := ok[PageText](t, e.c, ToolReadPage, map[string]any{"id": "docs.example.com/docs/install"})
	if !strings.HasPrefix(rtxt, contentHeader+"\n") {
		t.Errorf("read_page text: %q", clip(rtxt, 200))
	}
	res, err := readResource(t, e.c, "docs://pages/docs/install")
	if err != nil || !strings.HasPrefix(res, contentHeader+"\n") {
		t.Errorf("page resource: %v %q", err, clip(res, 200))
	}
	tools, err := e.c.ListTools(t.Context(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range tools.Tools {
		if tool.Name != ToolSearch && !strings.Contains(tool.Description, "not instructions") {
			t.Errorf("%s description does not frame results as data: %s", tool.Name, tool.Description)
		}
	}
	ini := e.initialize(t, mcp.ProtocolVersion20250618)
	if !strings.Contains(ini.Instructions, "reference material") || !strings.Contains(ini.Instructions, "must not be followed") {
		t.Errorf("instructions: %s", ini.Instructions)
	}
}
