//go:build unix

package loader

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// BenchmarkParseAdversarial: parse time per MB must stay flat from 100 KB
// to 50 MB on inputs built to hurt: headings a-1 ... a-k followed by k
// headings "a" (quadratic anchor de-duplication before issue 10), for
// every parser. Run with -benchtime=1x; MB/s is the figure to compare
// across sizes.
//
//	go test ./caddymcp/loader -run '^$' -bench ParseAdversarial -benchtime=1x
func BenchmarkParseAdversarial(b *testing.B) {
	sizes := []int{100 << 10, 1 << 20, 10 << 20, 50 << 20}
	kinds := []struct {
		name string
		make func(size int) []byte
		kind source.Kind
		loc  string
	}{
		{"markdown", adversarialMarkdown, source.KindLLMSTxt, "llms-full.txt"},
		{"html", adversarialHTML, source.KindHTML, "page.html"},
		{"index_json", adversarialIndexJSON, source.KindIndexJSON, "index.json"},
	}
	for _, k := range kinds {
		for _, size := range sizes {
			b.Run(fmt.Sprintf("%s/%dKB", k.name, size>>10), func(b *testing.B) {
				data := k.make(size) // b.Loop starts the timer
				b.SetBytes(int64(len(data)))
				spec := source.Spec{Kind: k.kind, Location: k.loc, BaseURL: "https://x.example/"}
				cpu0 := cpuTime()
				for b.Loop() {
					pages, err := parseBytes(context.Background(), data, spec, k.kind)
					if err != nil || len(pages) == 0 {
						b.Fatalf("%d pages, %v", len(pages), err)
					}
				}
				// CPU time (GC included) per MB: on a shared machine the
				// wall clock mostly measures the neighbours.
				mb := float64(len(data)) / (1 << 20)
				b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N)/mb, "cpu-ms/MB")
			})
		}
	}
}

// anchorAttack is k headings a-1 ... a-k then k headings "a", in the
// syntax heading(text) gives.
func anchorAttack(w *bytes.Buffer, k int, heading func(string) string) {
	for i := 1; i <= k; i++ {
		w.WriteString(heading(fmt.Sprintf("a-%d", i)))
	}
	for range k {
		w.WriteString(heading("a"))
	}
}

// adversarialMarkdown is an llms-full.txt of documents that are each one
// anchor attack (the llms-full parser runs the Markdown converter on each).
func adversarialMarkdown(size int) []byte {
	var w bytes.Buffer
	for n := 0; w.Len() < size; n++ {
		fmt.Fprintf(&w, "# Doc %d\n\n", n)
		anchorAttack(&w, 2000, func(h string) string { return "## " + h + "\n\nx\n\n" })
	}
	return w.Bytes()
}

// adversarialHTML is one page of one anchor attack as big as size.
func adversarialHTML(size int) []byte {
	var w bytes.Buffer
	w.WriteString("<html><body><main>")
	k := size / 40
	anchorAttack(&w, k, func(h string) string { return "<h2>" + h + "</h2><p>x</p>" })
	w.WriteString("</main></body></html>")
	return w.Bytes()
}

// adversarialIndexJSON is an index.json whose contents are heading-shaped
// lines with the same anchor attack.
func adversarialIndexJSON(size int) []byte {
	type entry struct {
		Title     string `json:"title"`
		Permalink string `json:"permalink"`
		Contents  string `json:"contents"`
	}
	var contents bytes.Buffer
	anchorAttack(&contents, 2000, func(h string) string { return "Heading " + h + "\nThis is the prose that follows the heading.\n\n" })
	body := contents.String()
	var entries []entry
	for n := 0; n*len(body) < size; n++ {
		entries = append(entries, entry{Title: "T", Permalink: fmt.Sprintf("/p%d/", n), Contents: body})
	}
	out, _ := json.Marshal(entries)
	return out
}

// cpuTime is the process's user plus system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
