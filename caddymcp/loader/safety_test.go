package loader

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// Issue 10's rows: a hostile docs tree must not read outside its root, nor
// blow up through includes or headings.

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("symlinks unavailable: %v", err)
	}
}

func allText(pages []source.Page) string {
	var b strings.Builder
	for i := range pages {
		b.WriteString(pages[i].Title + "\n" + pages[i].Text() + "\n")
	}
	return b.String()
}

// TestSymlinksStayInRoot: env.md -> /proc/self/environ, passwd.html ->
// /etc/passwd and links to a secret beside the root are not read; links
// inside the root still are.
func TestSymlinksStayInRoot(t *testing.T) {
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret.md")
	if err := os.WriteFile(secret, []byte("# Secret\n\nCLOUDFLARE_API_TOKEN=abc123\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CADDY_MCP_TEST_TOKEN", "tok-4f1e9")

	md := writeFiles(t, map[string]string{"guide.md": "# Guide\n\nhello\n", "sub/real.md": "# Real\n\ninside\n"})
	symlink(t, "/proc/self/environ", filepath.Join(md, "env.md"))
	symlink(t, secret, filepath.Join(md, "leak.md"))
	symlink(t, "../"+filepath.Base(outside)+"/secret.md", filepath.Join(md, "rel.md"))
	symlink(t, "sub/real.md", filepath.Join(md, "alias.md")) // inside: fine
	pages, err := LoadSpec(context.Background(), source.Spec{Kind: source.KindMarkdown, Location: md})
	if err != nil {
		t.Fatal(err)
	}
	text := allText(pages)
	for _, bad := range []string{"tok-4f1e9", "CLOUDFLARE_API_TOKEN", "PATH="} {
		if strings.Contains(text, bad) {
			t.Errorf("markdown source read %q from outside its root", bad)
		}
	}
	if !strings.Contains(text, "inside") || len(pages) != 3 {
		t.Errorf("want guide, real and alias (a link inside the root); got %d pages", len(pages))
	}

	site := writeFiles(t, map[string]string{"index.html": "<html><body><main><h1>Home</h1><p>welcome</p></main></body></html>"})
	symlink(t, "/etc/passwd", filepath.Join(site, "passwd.html"))
	symlink(t, secret, filepath.Join(site, "secret.html"))
	pages, err = LoadSpec(context.Background(), source.Spec{Kind: source.KindSiteRoot, Location: site})
	if err != nil {
		t.Fatal(err)
	}
	if text := allText(pages); strings.Contains(text, "root:") || strings.Contains(text, "CLOUDFLARE") || len(pages) != 1 {
		t.Errorf("site_root read outside its root (%d pages):\n%s", len(pages), text)
	}
}

// TestSymlinkedRoot: a root that is itself a symlink (a deploy's
// /var/www/current -> releases/42) is resolved and read; switching the
// link is followed on the next load.
func TestSymlinkedRoot(t *testing.T) {
	base := t.TempDir()
	for _, r := range []string{"42", "43"} {
		dir := filepath.Join(base, "releases", r)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		body := fmt.Sprintf("<html><body><main><h1>Release %s</h1><p>notes</p></main></body></html>", r)
		if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	current := filepath.Join(base, "current")
	symlink(t, "releases/42", current)
	l, err := Resolve(source.Spec{Location: current}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if l.Kind() != source.KindSiteRoot {
		t.Fatalf("kind %s", l.Kind())
	}
	res, err := l.Load(context.Background())
	if err != nil || len(res.Pages) != 1 || res.Pages[0].Title != "Release 42" {
		t.Fatalf("load via symlinked root: %v %+v", err, res.Pages)
	}
	fp := l.(Watcher).Fingerprint()
	if err := os.Remove(current); err != nil {
		t.Fatal(err)
	}
	symlink(t, "releases/43", current)
	if l.(Watcher).Fingerprint() == fp {
		t.Error("switching the root symlink did not change the fingerprint")
	}
	if res, err = l.Load(context.Background()); err != nil || res.Pages[0].Title != "Release 43" {
		t.Fatalf("after the switch: %v %+v", err, res.Pages)
	}
}

// TestIncludesStayInRoot: include targets outside the tree, hidden ones and
// non-content files are refused; '\' separates as on Windows.
func TestIncludesStayInRoot(t *testing.T) {
	base := t.TempDir()
	os.WriteFile(filepath.Join(base, ".env"), []byte("DB_PASSWORD=hunter2\n"), 0o644)
	os.WriteFile(filepath.Join(base, "secret"), []byte("TOP SECRET\n"), 0o644)
	root := filepath.Join(base, "site", "content")
	files := map[string]string{
		".git/config":       "[remote]\nurl = https://user:ghp_x@github.com/o/r\n",
		".env":              "DB_PASSWORD=hunter3\n",
		"config.toml":       "password = 'p4ss'\n",
		"_common/shared.md": "Shared text.\n",
		"_common/nested.md": "{{% include \"_common/shared\" %}}\n",
		"page.md": "# Page\n\n" +
			"{{% include \"/.git/config\" %}}\n{{% include \"../../.env\" %}}\n{{% include \".env\" %}}\n" +
			"{{% include \"..\\\\..\\\\secret\" %}}\n{{% include \"config.toml\" %}}\n" +
			"{{% include \"_common\\\\nested.md\" %}}\n",
	}
	for name, body := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pages, err := LoadSpec(context.Background(), source.Spec{Kind: source.KindMarkdown, Location: root})
	if err != nil {
		t.Fatal(err)
	}
	text := allText(pages)
	for _, bad := range []string{"ghp_x", "hunter", "TOP SECRET", "p4ss"} {
		if strings.Contains(text, bad) {
			t.Errorf("include published %q", bad)
		}
	}
	if !strings.Contains(text, "Shared text.") {
		t.Errorf("a legitimate (nested, backslash) include was dropped:\n%s", text)
	}
	for target, want := range map[string]string{
		"/_common/a": "_common/a.md", `_common\a.md`: "_common/a.md", "../x": "", `..\..\x`: "",
		".git/config": "", "a/.env": "", "x.toml": "", "C:/x.md": "", "": "",
	} {
		if got, _ := includePath(target); got != want {
			t.Errorf("includePath(%q) = %q, want %q", target, got, want)
		}
	}
}

// TestIncludeBomb: 40 includes per file, 3 levels deep (4 KB on disk, 64 MB
// of text before the caps) stay within the per-page include budget.
func TestIncludeBomb(t *testing.T) {
	files := map[string]string{}
	line := func(target string) string {
		return strings.Repeat("{{% include \""+target+"\" %}}\n", 40)
	}
	files["inc/l3.md"] = strings.Repeat("x", 1000) + "\n"
	files["inc/l2.md"] = line("inc/l3")
	files["inc/l1.md"] = line("inc/l2")
	files["page.md"] = "# Bomb\n\n" + line("inc/l1")
	root := writeFiles(t, files)
	pages, err := LoadSpec(context.Background(), source.Spec{Kind: source.KindMarkdown, Location: filepath.Join(root)})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pages {
		if p.Title == "Bomb" {
			// Uncapped: 64,000 includes, 64 MB of text.
			if n := len(p.Text()); n > 256<<10 {
				t.Fatalf("page text %d bytes: includes not capped", n)
			}
			return
		}
	}
	t.Fatal("page missing")
}

// TestAnchorsLinear: headings a-1 ... a-k, then k headings "a", cost O(k)
// suffix probes (they cost O(k²) before: 100 KB of Markdown took 8.8 s).
func TestAnchorsLinear(t *testing.T) {
	const k = 5000
	ids := newAnchorSet()
	for i := 1; i <= k; i++ {
		ids.unique(fmt.Sprintf("a-%d", i))
	}
	seen := map[string]bool{}
	for range k {
		id := ids.unique("a")
		if seen[id] {
			t.Fatalf("duplicate anchor %q", id)
		}
		seen[id] = true
	}
	if ids.probes > 3*k {
		t.Fatalf("%d suffix probes for %d headings: not linear", ids.probes, k)
	}
	// Hugo's numbering is kept: the second "x" is x-1, an explicit x-1
	// pushes it to x-2.
	ids = newAnchorSet()
	got := []string{ids.unique("x"), ids.unique("x-1"), ids.unique("x"), ids.unique("x"), ids.unique("x-1")}
	if strings.Join(got, " ") != "x x-1 x-2 x-3 x-1-1" {
		t.Errorf("anchors %v", got)
	}
}

// TestHeadingsCapped: a page of 20,000 headings keeps maxSections sections
// in every parser; the rest is text.
func TestHeadingsCapped(t *testing.T) {
	var md, htm, plain strings.Builder
	for i := range 20000 {
		fmt.Fprintf(&md, "## H%d\n\ntext\n\n", i)
		fmt.Fprintf(&htm, "<h2>H%d</h2><p>text</p>", i)
		fmt.Fprintf(&plain, "Heading number %d\nSome prose that follows the heading here.\n\n", i)
	}
	if n := len(markdownSections(md.String(), mdContext{slug: Anchorize})); n > maxSections {
		t.Errorf("markdown: %d sections", n)
	}
	p, err := ParseHTML(strings.NewReader("<main>"+htm.String()+"</main>"), "https://x.test/")
	if err != nil || len(p.Sections) > maxSections || !strings.Contains(p.Text(), "H19999") {
		t.Errorf("html: %d sections, %v", len(p.Sections), err)
	}
	if n := len(splitPlainText(plain.String(), Anchorize)); n > maxSections {
		t.Errorf("plain text: %d sections", n)
	}
}

// TestParseDeadline: a source that outlasts the parse deadline fails with
// ErrParseDeadline (the corpus then keeps its last good pages).
func TestParseDeadline(t *testing.T) {
	var b strings.Builder
	for i := range 50000 {
		fmt.Fprintf(&b, "line %d with *some* `code` and [a link](x)\n", i)
	}
	dir := writeFiles(t, map[string]string{"llms-full.txt": "# Doc\n\n" + b.String()})
	l, err := Resolve(source.Spec{Location: filepath.Join(dir, "llms-full.txt")}, Options{ParseTimeout: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = l.Load(context.Background())
	if !errors.Is(err, ErrParseDeadline) {
		t.Fatalf("err = %v, want ErrParseDeadline", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the deadline did not stop the parse (%v)", d)
	}
}

// TestSiteTitleStripped: the suffix most pages share moves to SiteTitle.
func TestSiteTitleStripped(t *testing.T) {
	const suffix = " — Python 3.11.2 documentation"
	pages := []source.Page{
		{Title: "3. An Informal Introduction to Python" + suffix},
		{Title: "Built-in Functions" + suffix},
		{Title: "os — Miscellaneous operating system interfaces" + suffix},
		{Title: "Python 3.11.2 documentation"},
		{Title: "Glossary" + suffix},
	}
	stripSiteTitles(pages)
	want := []string{"3. An Informal Introduction to Python", "Built-in Functions", "os — Miscellaneous operating system interfaces", "Python 3.11.2 documentation", "Glossary"}
	for i, p := range pages {
		if p.Title != want[i] {
			t.Errorf("title %d = %q, want %q", i, p.Title, want[i])
		}
	}
	if pages[0].SiteTitle != "— Python 3.11.2 documentation" {
		t.Errorf("SiteTitle = %q", pages[0].SiteTitle)
	}
	// Prefixes too; titles that merely share words stay.
	pre := []source.Page{{Title: "Hugo | Install"}, {Title: "Hugo | Configure"}, {Title: "Hugo | Deploy"}, {Title: "About - us"}}
	stripSiteTitles(pre)
	if pre[0].Title != "Install" || pre[3].Title != "About - us" {
		t.Errorf("prefix: %+v", pre)
	}
	mixed := []source.Page{{Title: "A - x"}, {Title: "B - y"}, {Title: "C - z"}}
	stripSiteTitles(mixed)
	if mixed[0].Title != "A - x" {
		t.Errorf("no shared part, but %q", mixed[0].Title)
	}
}
