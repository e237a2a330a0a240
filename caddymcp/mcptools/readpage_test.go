package mcptools

import (
	"fmt"
	"strings"
	"testing"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

func TestReadPageWhole(t *testing.T) {
	e := newEnv(t, nil, "")
	p, txt := ok[PageText](t, e.c, ToolReadPage, map[string]any{"id": "docs.example.com/docs/install"})
	if p.Title != "Install" || p.URL != "https://docs.example.com/docs/install/" || p.LastMod != "2026-03-04T05:06:07Z" ||
		p.IndexedAt != "2026-03-04T05:06:07Z" || p.Truncated || p.NextStartIndex != nil || p.StartIndex != 0 ||
		p.EndIndex != p.TotalLength || p.TotalLength != runeCount(p.Text) {
		t.Errorf("page %+v", p)
	}
	if len(p.Sections) != 3 || p.SectionsTotal != 3 || p.Sections[1] != (SectionInfo{"Debian packages", "debian-packages", 3, "docs.example.com/docs/install#debian-packages"}) {
		t.Errorf("sections %+v", p.Sections)
	}
	for _, want := range []string{"# Install", "lastmod: 2026-03-04T05:06:07Z", "indexed_at:", "- Linux (#linux)", "  - Debian packages (#debian-packages)", "apt install exampled", "[End of text.]"} {
		if !strings.Contains(txt, want) {
			t.Errorf("text lacks %q:\n%s", want, txt)
		}
	}
}

func TestReadPageSection(t *testing.T) {
	e := newEnv(t, nil, "")
	for _, args := range []map[string]any{
		{"id": "docs.example.com/docs/install", "section": "linux"},
		{"id": "docs.example.com/docs/install", "section": "#linux"},
		{"id": "docs.example.com/docs/install", "section": "LINUX"},
		{"id": "docs.example.com/docs/install#linux"},
		{"url": "https://docs.example.com/docs/install/#linux"},
	} {
		p, _ := ok[PageText](t, e.c, ToolReadPage, args)
		if p.ID != "docs.example.com/docs/install#linux" || p.Section != "Linux" || p.URL != "https://docs.example.com/docs/install/#linux" ||
			!strings.Contains(p.Text, "Debian packages are signed") || strings.Contains(p.Text, "Windows") || len(p.Sections) != 0 {
			t.Errorf("%v: %+v", args, p)
		}
	}
	p, _ := ok[PageText](t, e.c, ToolReadPage, map[string]any{"id": "docs.example.com/docs/install", "section": "Debian Packages"})
	if p.Text != "### Debian packages\n\nDebian packages are signed." {
		t.Errorf("subsection text %q", p.Text)
	}
}

// TestReadPageBounded reads a 1 MB page part by part: every answer stays
// under the cap and the parts join into the exact page text.
func TestReadPageBounded(t *testing.T) {
	pages := testPages()
	var big *source.Page
	for i := range pages {
		if pages[i].ID == bigPageID {
			big = &pages[i]
		}
	}
	full := big.Text()
	if len(full) < 1<<20 {
		t.Fatalf("big page is only %d bytes", len(full))
	}
	e := newEnv(t, pages, "")
	var got strings.Builder
	start, calls, maxChars := 0, 0, 0
	for {
		r := call(t, e.c, ToolReadPage, map[string]any{"id": bigPageID, "start_index": start, "max_length": MaxReadLength})
		calls++
		maxChars = max(maxChars, resultChars(r))
		var p PageText
		if r.IsError || unmarshal(r.RawStructuredContent, &p) != nil {
			t.Fatalf("call %d: %s", calls, text(t, r))
		}
		if p.StartIndex != start || runeCount(p.Text) != p.EndIndex-start || p.TotalLength != runeCount(full) {
			t.Fatalf("part at %d: start %d end %d total %d len %d", start, p.StartIndex, p.EndIndex, p.TotalLength, runeCount(p.Text))
		}
		if p.SectionsTotal != 1099 || len(p.Sections) != maxSectionList {
			t.Errorf("sections %d listed of %d", len(p.Sections), p.SectionsTotal)
		}
		got.WriteString(p.Text)
		if !p.Truncated {
			break
		}
		want := fmt.Sprintf(`call read_page with {"id": %q, "start_index": %d}`, bigPageID, p.EndIndex)
		if !strings.Contains(text(t, r), want) || *p.NextStartIndex != p.EndIndex {
			t.Fatalf("cut answer lacks %q", want)
		}
		start = p.EndIndex
		if calls > 100 {
			t.Fatal("no end")
		}
	}
	if got.String() != full {
		t.Errorf("joined parts differ from the page (%d vs %d bytes)", got.Len(), len(full))
	}
	t.Logf("1 MB page: %d calls, largest answer %d chars (~%d tokens)", calls, maxChars, maxChars/4)
	if maxChars > MaxResultChars {
		t.Errorf("largest answer %d > %d", maxChars, MaxResultChars)
	}
	// The default length applies without max_length.
	p, _ := ok[PageText](t, e.c, ToolReadPage, map[string]any{"id": bigPageID})
	if p.EndIndex != DefaultReadLength || !p.Truncated {
		t.Errorf("default read: end %d", p.EndIndex)
	}
}

func TestReadPageBadArguments(t *testing.T) {
	e := newEnv(t, nil, "")
	id := "docs.example.com/docs/install"
	cases := []struct {
		args map[string]any
		want []string
	}{
		{map[string]any{}, []string{"give `id`", "search_docs"}},
		{map[string]any{"id": "", "url": ""}, []string{"give `id`"}},
		{map[string]any{"id": 5}, []string{"must be strings"}},
		{map[string]any{"id": "docs.example.com/docs/reverse-proxy"}, []string{"no page has the id", "search_docs", "Did you mean", "docs.example.com/docs/reverse_proxy"}},
		{map[string]any{"url": "https://elsewhere.example/x"}, []string{"no page has the id or URL"}},
		{map[string]any{"id": id, "start_index": -1}, []string{"`start_index` must be an integer >= 0"}},
		{map[string]any{"id": id, "start_index": 1.5}, []string{"start_index"}},
		{map[string]any{"id": id, "start_index": 100000}, []string{"past the end", "valid start_index: 0 to"}},
		{map[string]any{"id": id, "max_length": 0}, []string{"`max_length` must be an integer from 1 to 50000"}},
		{map[string]any{"id": id, "max_length": 50001}, []string{"from 1 to 50000"}},
		{map[string]any{"id": id, "section": "macos"}, []string{"no section \"macos\"", "Linux (#linux)", "Windows (#windows)"}},
		{map[string]any{"id": id + "#macos"}, []string{"no section"}},
		{map[string]any{"id": id, "page": 2}, []string{"unknown argument(s) page"}},
	}
	for _, c := range cases {
		fails(t, e.c, ToolReadPage, c.args, c.want...)
	}
}

func TestNotReady(t *testing.T) {
	srv, err := New(Options{Index: func() *searchIndex { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	c := startClient(t, srv, "")
	for name, args := range map[string]map[string]any{
		ToolSearch: {"query": "x"}, ToolFetch: {"id": "x"}, ToolSearchDocs: {"query": "x"}, ToolReadPage: {"id": "x"},
	} {
		fails(t, c, name, args, "not ready")
	}
}

// TestReadPageAnchorlessSection: a section without an anchor has no section
// id, so the continuation names it by heading, and following it works.
func TestReadPageAnchorlessSection(t *testing.T) {
	pages := append(testPages(), page("docs.example.com/docs/notes", "Notes", "docs", "en", "",
		sec(0, "", "", "lead"), sec(2, "Caveats", "", "first caveat, second caveat, third caveat"), sec(2, "After", "after", "x")))
	e := newEnv(t, pages, "")
	p, txt := ok[PageText](t, e.c, ToolReadPage, map[string]any{"id": "docs.example.com/docs/notes", "section": "caveats", "max_length": 20})
	want := `{"id": "docs.example.com/docs/notes", "section": "Caveats", "start_index": 20}`
	if !p.Truncated || !strings.Contains(txt, want) {
		t.Fatalf("continuation: %s", txt)
	}
	var args map[string]any
	if err := unmarshal([]byte(want), &args); err != nil {
		t.Fatal(err)
	}
	args["max_length"] = 1000
	rest, _ := ok[PageText](t, e.c, ToolReadPage, args)
	if p.Text+rest.Text != "## Caveats\n\nfirst caveat, second caveat, third caveat" {
		t.Errorf("joined %q + %q", p.Text, rest.Text)
	}
	whole, _ := ok[PageText](t, e.c, ToolReadPage, map[string]any{"id": "docs.example.com/docs/notes"})
	if len(whole.Sections) != 2 || whole.Sections[0].ID != "" || whole.Sections[1].ID != "docs.example.com/docs/notes#after" {
		t.Errorf("sections %+v", whole.Sections)
	}
}
