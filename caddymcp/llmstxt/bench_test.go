package llmstxt_test

import (
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/llmstxt"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/search"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// synthetic builds n small pages in 20 sections (Render cost depends on the
// page count and text size, not on realistic wording).
func synthetic(n int) *search.Index {
	pages := make([]source.Page, n)
	body := strings.Repeat("Reverse proxy upstream configuration text. ", 40)
	for i := range pages {
		u := fmt.Sprintf("https://d.test/s%d/p%d/", i%20, i)
		pages[i] = source.Page{ID: u[8:], URL: u, Title: fmt.Sprint("Page ", i), Section: fmt.Sprint("s", i%20),
			Summary:  "A page about proxies.",
			Sections: []source.Section{{Text: body}, {Heading: "Details", Level: 2, Text: body}}}
	}
	return search.Build(pages)
}

func BenchmarkRender10k(b *testing.B) {
	ix := synthetic(10000)
	b.ResetTimer()
	var n int
	for range b.N {
		n = len(llmstxt.Render(ix, "T", "S", 0))
	}
	b.ReportMetric(float64(n), "bytes")
}

func BenchmarkWriteFull10k(b *testing.B) {
	ix := synthetic(10000)
	b.ResetTimer()
	for range b.N {
		llmstxt.WriteFull(io.Discard, ix)
	}
}
