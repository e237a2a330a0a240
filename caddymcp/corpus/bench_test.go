package corpus

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/loader"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// scale10k returns the 10k-page generated corpus, generating it once per
// machine into the temp dir (make_scale.py output is deterministic).
func scale10k(b *testing.B) []byte {
	b.Helper()
	path := filepath.Join(os.TempDir(), "caddymcp-corpus-scale-10k.json")
	if data, err := os.ReadFile(path); err == nil && len(data) > 0 {
		return data
	}
	tmp := path + ".tmp"
	cmd := exec.Command("python3", "../../../shared/corpora/scale/make_scale.py", "-n", "10000", "-o", tmp)
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Skipf("cannot generate the scale corpus: %v %s", err, out)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// benchSite serves body (no validators when etag is empty).
type benchSite struct {
	body []byte
	etag string
}

func (s *benchSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.etag != "" {
		w.Header().Set("ETag", s.etag)
		if r.Header.Get("If-None-Match") == s.etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	w.Write(s.body)
}

func openBench(b *testing.B, s *benchSite) *Corpus {
	b.Helper()
	srv := httptest.NewServer(s)
	b.Cleanup(srv.Close)
	c, err := Open(context.Background(), Options{
		Specs:   []source.Spec{{Location: srv.URL + "/index.json"}},
		Refresh: Off,
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return c
}

// BenchmarkRefreshChanged10k: fetch, parse, build and swap a 10k-page index
// whose content changed (the full cost of a real docs update).
func BenchmarkRefreshChanged10k(b *testing.B) {
	a := scale10k(b)
	// A second version differing in one page's text.
	alt := bytes.Replace(a, []byte("Caddy"), []byte("Kaddy"), 1)
	s := &benchSite{body: a}
	c := openBench(b, s)
	b.ResetTimer()
	for i := range b.N {
		if i%2 == 0 {
			s.body = alt
		} else {
			s.body = a
		}
		if _, err := c.Reindex(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if c.Builds() != uint64(b.N)+1 {
		b.Fatalf("builds = %d", c.Builds())
	}
	b.ReportMetric(float64(c.Index().Len()), "pages")
}

// BenchmarkRebuildOnly10k: merge and index build alone (no fetch or parse).
func BenchmarkRebuildOnly10k(b *testing.B) {
	c := openBench(b, &benchSite{body: scale10k(b)})
	b.ResetTimer()
	for range b.N {
		c.rebuild()
	}
}

// BenchmarkRefresh304_10k: an unchanged remote with an ETag: one
// conditional request, no parse, no rebuild.
func BenchmarkRefresh304_10k(b *testing.B) {
	c := openBench(b, &benchSite{body: scale10k(b), etag: `"v1"`})
	b.ResetTimer()
	for range b.N {
		if st, err := c.Reindex(context.Background()); err != nil || st.Sources[0].LastResult != ResultNotModified {
			b.Fatal(err, st.Sources[0].LastResult)
		}
	}
	b.StopTimer()
	if c.Builds() != 1 {
		b.Fatalf("builds = %d", c.Builds())
	}
}

// BenchmarkRefreshSameBody10k: an unchanged remote without validators: the
// body is downloaded and hashed, but not parsed or indexed.
func BenchmarkRefreshSameBody10k(b *testing.B) {
	c := openBench(b, &benchSite{body: scale10k(b)})
	b.ResetTimer()
	for range b.N {
		if st, err := c.Reindex(context.Background()); err != nil || st.Sources[0].LastResult != ResultUnchanged {
			b.Fatal(err, st.Sources[0].LastResult)
		}
	}
}

// BenchmarkWatchPoll: one stat walk of a real Markdown docs tree, the cost
// the watcher pays every Watch interval when nothing changed.
func BenchmarkWatchPoll(b *testing.B) {
	dir := "../../../shared/corpora/hugo-docs"
	if _, err := os.Stat(dir); err != nil {
		b.Skipf("needs ../shared/corpora/hugo-docs (the team's shared corpora, beside the repository): %v", err)
	}
	for range b.N {
		if _, err := fingerprint(dir); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHashPages10k: the change check a parsed source costs before a
// rebuild is decided.
func BenchmarkHashPages10k(b *testing.B) {
	c := openBench(b, &benchSite{body: scale10k(b)})
	pages := c.sources[0].snapshotPages()
	b.ResetTimer()
	for range b.N {
		hashPages(pages)
	}
}

// BenchmarkParse10k: ParseIndexJSON alone (the source package's share of
// a changed refresh).
func BenchmarkParse10k(b *testing.B) {
	data := scale10k(b)
	for range b.N {
		if _, err := loader.Parse(bytes.NewReader(data), source.Spec{Location: "https://x.test/index.json"}); err != nil {
			b.Fatal(err)
		}
	}
}
