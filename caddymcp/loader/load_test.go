package loader

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// writeFiles creates files (path -> content) under a new temp dir.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadSpecErrors(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"bad.json":       "[\n  {\"title\": \"a\",\n  \"permalink\": }\n]",
		"object.json":    `{"title": "x"}`,
		"strings.json":   `["a", "b"]`,
		"empty.json":     `[]`,
		"untitled.json":  `[{"permalink": "/a/"}, {"permalink": "/b/", "contents": "  "}]`,
		"nolink.json":    `[{"title": "No link", "contents": "text"}]`,
		"drafts/a.md":    "---\ntitle: A\ndraft: true\n---\nbody\n",
		"empty/x.txt":    "not a page",
		"badfm/a.md":     "---\ntitle: [unclosed\n---\nbody\n",
		"llms/llms.txt":  "just some text without structure\n",
		"trailing.json":  `[{"title":"a","permalink":"/a/"}] [1]`,
		"notjson.txt":    "",
		"nullentry.json": `[null]`,
	})
	p := func(n string) string { return filepath.Join(dir, n) }
	tests := []struct {
		name string
		spec source.Spec
		want []string // substrings of the error
	}{
		{"missing file", source.Spec{Location: p("nope.json")}, []string{"nope.json", "no such file"}},
		{"invalid JSON", source.Spec{Location: p("bad.json")}, []string{"invalid JSON", "line 3", "bad.json"}},
		{"trailing data", source.Spec{Location: p("trailing.json")}, []string{"invalid JSON"}},
		{"object not array", source.Spec{Location: p("object.json")}, []string{"an object", "want an array"}},
		{"array of strings", source.Spec{Location: p("strings.json")}, []string{"entry 0 is a string"}},
		{"null entry", source.Spec{Location: p("nullentry.json")}, []string{"entry 0 is null"}},
		{"empty array", source.Spec{Location: p("empty.json")}, []string{"no usable pages (the array is empty)"}},
		{"entries without title", source.Spec{Location: p("untitled.json")}, []string{"no usable pages (2 entries, all without title/contents"}},
		{"entries without permalink", source.Spec{Location: p("nolink.json")}, []string{"no usable pages (1 entry, without"}},
		{"empty JSON file", source.Spec{Kind: source.KindIndexJSON, Location: p("notjson.txt")}, []string{"invalid JSON"}},
		{"markdown all drafts", source.Spec{Kind: source.KindMarkdown, Location: p("drafts")}, []string{"no usable pages", "1 skipped"}},
		{"markdown on a file", source.Spec{Kind: source.KindMarkdown, Location: p("empty.json")}, []string{"not a directory"}},
		{"bad front matter", source.Spec{Kind: source.KindMarkdown, Location: p("badfm")}, []string{"a.md", "front matter"}},
		{"site root without pages", source.Spec{Location: p("empty")}, []string{"no index.json, Markdown or HTML"}},
		{"index_json on a directory", source.Spec{Kind: source.KindIndexJSON, Location: p("empty")}, []string{"is a directory"}},
		{"llms.txt without docs", source.Spec{Location: p("llms/llms.txt")}, []string{"no usable pages"}},
		{"unknown kind", source.Spec{Kind: "rss", Location: p("empty.json")}, []string{`unknown kind "rss"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pages, err := LoadSpec(context.Background(), tc.spec)
			if err == nil {
				t.Fatalf("want error, got %d pages", len(pages))
			}
			if pages != nil {
				t.Errorf("pages with error: %d", len(pages))
			}
			if name := source.PublicLocation(tc.spec.Location); !strings.Contains(err.Error(), name) || strings.Contains(err.Error(), dir) {
				t.Errorf("error %q does not name the source %q by its base name only", err, name)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Load(ctx, []source.Spec{{Location: p("empty.json")}}); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled context: %v", err)
	}
}

func TestLoadMergesFirstWins(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"a.json": `[{"title":"A1","permalink":"https://d.example/x/","contents":"one"},
		            {"title":"A2","permalink":"https://d.example/x","contents":"dup in same source"}]`,
		"b.json": `[{"title":"B1","permalink":"https://d.example/x/","contents":"two"},
		            {"title":"B2","permalink":"https://d.example/y/","contents":"three"}]`,
	})
	specs := []source.Spec{{Location: filepath.Join(dir, "a.json")}, {Location: filepath.Join(dir, "b.json")}}
	pages, err := Load(context.Background(), specs)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range pages {
		got = append(got, p.Title+"@"+p.Source)
	}
	want := []string{"A1@index_json:a.json", "B2@index_json:b.json"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestLoadTestdataHugoIndex(t *testing.T) {
	pages, err := Load(context.Background(), []source.Spec{{Location: "../../testdata/hugo/index.json"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != 716 {
		t.Errorf("got %d pages, want 716", len(pages))
	}
	var rp *source.Page
	for i := range pages {
		if pages[i].ID == "gohugo.io/methods/page/relpermalink" {
			rp = &pages[i]
		}
		if pages[i].LastMod.IsZero() || pages[i].Title == "" || pages[i].Lang != "en" {
			t.Fatalf("page %s lacks lastmod/title/lang", pages[i].ID)
		}
	}
	if rp == nil || rp.Path != "methods/page/relpermalink" || rp.Section != "methods" || rp.URL != "https://gohugo.io/methods/page/relpermalink/" {
		t.Fatalf("relpermalink page wrong: %+v", rp)
	}
	if !strings.Contains(rp.Text(), ".RelPermalink") {
		t.Errorf("code identifiers lost: %q", rp.Text())
	}
}

func TestParseDispatch(t *testing.T) {
	tests := []struct {
		spec  source.Spec
		in    string
		title string
	}{
		{source.Spec{Location: "https://d.example/index.json?v=2"}, `[{"title":"J","permalink":"https://d.example/j/","contents":"x"}]`, "J"},
		{source.Spec{Location: "https://d.example/llms-full.txt"}, "# Doc\nSource: https://d.example/doc\n\nBody", "Doc"},
		{source.Spec{Location: "https://d.example/page.html"}, "<title>H</title><p>x</p>", "H"},
		{source.Spec{Kind: source.KindLLMSTxt, Location: "https://d.example/docs"}, "# T\n\n- [L](https://d.example/l): n", "L"},
	}
	for _, tc := range tests {
		pages, err := Parse(strings.NewReader(tc.in), tc.spec)
		if err != nil {
			t.Errorf("%s: %v", tc.spec, err)
			continue
		}
		if len(pages) != 1 || pages[0].Title != tc.title || pages[0].Source != tc.spec.String() {
			t.Errorf("%s: %+v", tc.spec, pages)
		}
	}
	if _, err := Parse(strings.NewReader("x"), source.Spec{Kind: source.KindMarkdown, Location: "https://d.example/"}); err == nil {
		t.Error("markdown from a single reader should fail")
	}
	if _, err := LoadSpec(context.Background(), source.Spec{Location: "../../testdata/site/README.md"}); err == nil {
		t.Error("a lone .md file is not a source; want error")
	}
}
