package llmstxt_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/corpus"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/llmstxt"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/search"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// staticSource serves a fixed index.
type staticSource struct{ ix *search.Index }

func (s staticSource) Snapshot() (*search.Index, time.Time) { return s.ix, time.Unix(1700000000, 0) }

// TestRoundTrip: what we serve as llms.txt / llms-full.txt is readable by
// our own llms.txt source, fetched remotely: same pages, same URLs.
func TestRoundTrip(t *testing.T) {
	// testPages minus the odd cases (a URL with spaces, brackets in a title)
	// that TestRenderShape covers.
	pages := testPages()
	pages[0].Title = "Install"
	pages[1].URL = "https://d.test/blog/hello"
	ix := search.Build(pages)
	mux := http.NewServeMux()
	mux.Handle("/llms.txt", llmstxt.NewHandler(staticSource{ix}, "Site", "Summary.", false))
	mux.Handle("/llms-full.txt", llmstxt.NewHandler(staticSource{ix}, "Site", "Summary.", true))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	urls := func(ix *search.Index) []string {
		var out []string
		for _, p := range ix.Pages() {
			out = append(out, p.URL)
		}
		slices.Sort(out)
		return out
	}
	want := urls(ix)
	for _, file := range []string{"/llms-full.txt", "/llms.txt"} {
		c, err := corpus.Open(context.Background(), corpus.Options{
			Specs: []source.Spec{{Location: srv.URL + file}}, Refresh: corpus.Off,
		})
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		defer c.Close()
		got := urls(c.Index())
		if !slices.Equal(got, want) {
			t.Errorf("%s: URLs %v, want %v", file, got, want)
		}
		if file == "/llms-full.txt" {
			p, ok := c.Index().PageByURL("https://d.test/docs/install")
			if !ok || p.Title != "Install" {
				t.Fatalf("install page: %+v", p)
			}
			if res := c.Index().Search(search.Query{Text: "go build"}); res.Total == 0 {
				t.Error("section text not searchable after the round trip")
			}
		}
	}
}
