package corpus

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"go.uber.org/zap/zaptest"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/search"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

func htmlPage(title, head string) []byte {
	return []byte(`<!doctype html><html lang="en"><head><title>` + title + `</title>` + head +
		`</head><body><nav>menu</nav><main><h1>` + title + `</h1><p>The reverse proxy forwards requests.</p></main></body></html>`)
}

var (
	noindexHead  = `<meta name="robots" content="noindex, follow">`
	redirectHead = `<meta http-equiv="refresh" content="0; url=/new/">`
)

// TestRemoteNotIndexable: a remote HTML page that becomes noindex or a
// redirect is dropped without an error; the other source stays; the page
// comes back when it is indexable again.
func TestRemoteNotIndexable(t *testing.T) {
	js := newSite(t, indexJSON(3, "a"))
	pg := newSite(t, htmlPage("Remote page", ""))
	c := openRemote(t, js, func(o *Options) {
		o.Specs = append(o.Specs, source.Spec{Location: pg.url("/guide/page.html")})
	})
	if c.Index().Len() != 4 {
		t.Fatalf("initial pages = %d, want 4", c.Index().Len())
	}

	status := func(wantResult string, wantPages, wantIndex int) {
		t.Helper()
		st, err := c.Reindex(context.Background())
		if err != nil {
			t.Fatalf("reindex: %v", err)
		}
		ss := st.Sources[1]
		if ss.LastResult != wantResult || ss.LastError != "" || ss.Pages != wantPages || c.Index().Len() != wantIndex {
			t.Fatalf("result %q error %q source pages %d index %d; want %q, no error, %d, %d",
				ss.LastResult, ss.LastError, ss.Pages, c.Index().Len(), wantResult, wantPages, wantIndex)
		}
	}
	pg.set(htmlPage("Remote page", noindexHead), `"v2"`)
	status(ResultUpdated, 0, 3)
	builds := c.Builds()
	// Still asked conditionally: an empty source is a known state.
	status(ResultNotModified, 0, 3)
	pg.set(htmlPage("Remote page", redirectHead), `"v3"`)
	status(ResultUnchanged, 0, 3)
	if c.Builds() != builds {
		t.Errorf("builds %d, want %d: nothing changed", c.Builds(), builds)
	}
	pg.set(htmlPage("Back again", ""), `"v4"`)
	status(ResultUpdated, 1, 4)
	if res := c.Index().Search(search.Query{Text: "back again"}); res.Total == 0 {
		t.Error("page not searchable after it came back")
	}
}

// TestRemoteNotIndexableOnly: a corpus whose only source is a noindex page
// has no pages, and Open says why.
func TestRemoteNotIndexableOnly(t *testing.T) {
	pg := newSite(t, htmlPage("Hidden", noindexHead))
	_, err := Open(context.Background(), Options{
		Specs:  []source.Spec{{Location: pg.url("/hidden.html")}},
		Logger: zaptest.NewLogger(t), Refresh: Off, Watch: Off,
	})
	if err == nil {
		t.Fatal("Open succeeded without pages")
	}
	mustContain(t, err.Error(), "redirect or noindex")
}

// TestSiteRootNotIndexable: a local site root skips redirect stubs and
// noindex pages, at open and when a page turns noindex later.
func TestSiteRootNotIndexable(t *testing.T) {
	dir := t.TempDir()
	files := map[string][]byte{
		"index.html":      htmlPage("Home", ""),
		"docs/a.html":     htmlPage("Page A", ""),
		"old/index.html":  htmlPage("Old", redirectHead),
		"private.html":    htmlPage("Private", noindexHead),
		"docs/draft.html": htmlPage("Draft", ""),
		"assets/x/y.html": htmlPage("Alias", `<meta http-equiv="Refresh" content="0;url=/docs/a.html">`),
	}
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, p, data, 1)
	}
	c, err := Open(context.Background(), Options{
		Specs:  []source.Spec{{Location: dir, BaseURL: "https://d.test/"}},
		Logger: zaptest.NewLogger(t), Watch: Off,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	urls := func() []string {
		var out []string
		for _, p := range c.Index().Pages() {
			out = append(out, p.URL)
		}
		slices.Sort(out)
		return out
	}
	want := []string{"https://d.test/", "https://d.test/docs/a.html", "https://d.test/docs/draft.html"}
	if got := urls(); !slices.Equal(got, want) {
		t.Fatalf("pages %v, want %v", got, want)
	}

	writeFile(t, filepath.Join(dir, "docs/draft.html"), htmlPage("Draft", noindexHead), 2)
	st, err := c.Reindex(context.Background())
	if err != nil || st.Sources[0].LastError != "" {
		t.Fatalf("reindex: %v %q", err, st.Sources[0].LastError)
	}
	if got := urls(); !slices.Equal(got, want[:2]) {
		t.Fatalf("after noindex: pages %v, want %v", got, want[:2])
	}
}
