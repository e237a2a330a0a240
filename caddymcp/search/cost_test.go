package search

import (
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/loader"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// costNormal are ordinary queries: the baseline a hostile query is
// compared with.
var costNormal = []string{
	"reverse proxy headers", "how do I add a table of contents to a page", "lb_policy",
	"\"page bundle\"", "image processing resize", "paginaton",
}

// costAdversarial are queries built to make one request expensive (issue
// 9): the query text limit is 1 KiB, so each fits in it.
func costAdversarial(pages []source.Page) map[string]string {
	words := []string{"to", "a", "in", "is", "of", "the", "and", "page", "file", "for", "it"}
	var ph []string
	n := 0
	for _, a := range words {
		for _, b := range words {
			if a != b && n < 90 {
				ph = append(ph, `"`+a+" "+b+`"`)
				n++
			}
		}
	}
	phrases := strings.Join(ph, " ")
	for len(phrases) > 990 {
		phrases = phrases[:strings.LastIndexByte(phrases[:len(phrases)-1], '"')-1]
	}
	long := strings.Repeat("how do I make sure that the reverse proxy keeps the original host header and the client address when caddy forwards requests to my backend application server ", 7)
	many := "page file site template content server request config proxy header " +
		"route path matcher module image resource shortcode taxonomy menu section " +
		"output format language build cache theme partial render hook data param " +
		"function method variable archetype bundle front matter summary toc"
	typos := "revrese proxxy heaedrs templtes shortcdoe taxonmy paginaton configration " +
		"certifcate redirekt matchr modulle imgae resorce sectoin langauge"
	return map[string]string{
		"phrases90":       phrases,
		"phrasesFrequent": frequentPhrases(pages, 990),
		"phrasesDup":      strings.Repeat(`"reverse proxy" `, 60),
		"phrasesCommon":   `"page file" "file page" "page content" "content page" "site page" "page site"`,
		"nonASCII":        `"größe überall" "données" ＭＥＮＵ ÜBER straße café naïve résumé 日本語 ドキュメント`,
		"nonASCIIone":     `"überall page"`,
		"manyTerms":       many,
		"typos":           typos,
		"question":        long[:1000],
	}
}

// queryCosts times every kind of query in interleaved rounds and keeps
// each kind's fastest round: on a shared machine, load comes and goes, and
// the minimum is the query's own cost. "normal" cycles through costNormal.
func queryCosts(ix *Index, rounds int, per time.Duration) map[string]time.Duration {
	kinds := map[string][]string{"normal": costNormal}
	for name, q := range costAdversarial(ix.pages) {
		kinds[name] = []string{q}
	}
	best := map[string]time.Duration{}
	for range rounds {
		for name, qs := range kinds {
			n, start := 0, time.Now()
			for n < 3 || time.Since(start) < per {
				ix.Search(Query{Text: qs[n%len(qs)]})
				n++
			}
			d := time.Since(start) / time.Duration(n)
			if b, ok := best[name]; !ok || d < b {
				best[name] = d
			}
		}
	}
	return best
}

// costReport formats the ratios of queryCosts to the normal query, worst
// first, and returns the worst ratio.
func costReport(costs map[string]time.Duration) (string, float64) {
	var names []string
	for n := range costs {
		if n != "normal" {
			names = append(names, n)
		}
	}
	ratio := func(n string) float64 { return float64(costs[n]) / float64(costs["normal"]) }
	sort.Slice(names, func(i, j int) bool { return ratio(names[i]) > ratio(names[j]) })
	parts := []string{fmt.Sprintf("normal %v/query", costs["normal"])}
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%s %.1fx", n, ratio(n)))
	}
	return strings.Join(parts, ", "), ratio(names[0])
}

// TestQueryCostBounded is the issue 9 attack on the Hugo docs: no query
// costs more than a generous multiple of an ordinary one (the target, at
// 10k pages, is 10x: see BenchmarkQueryCost10k). On 3a85611 the
// one-phrase non-ASCII query cost about 20x here and 100x at 10k pages.
func TestQueryCostBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("timing comparison; skipped in -short")
	}
	if raceEnabled {
		t.Skip("timing comparison: the race detector distorts per-path costs; .ci/run runs this test without -race")
	}
	ix := Build(loadHugoPages(t))
	rep, worst := costReport(queryCosts(ix, 9, 20*time.Millisecond))
	t.Log(rep)
	if worst > 12 {
		t.Errorf("a hostile query costs %.0fx a normal one: %s", worst, rep)
	}
}

// BenchmarkQueryCost10k runs the normal and adversarial queries on the
// 10k-page generated corpus, one sub-benchmark each, then logs each kind's
// cost relative to the normal queries, measured interleaved (issue 9
// target: worst <= 10x).
//
//	go test -run '^$' -bench QueryCost10k -v ./caddymcp/search/
func BenchmarkQueryCost10k(b *testing.B) {
	ix := Build(scalePages(b, 10000))
	run := func(name string, qs ...string) {
		b.Run(name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				ix.Search(Query{Text: qs[i%len(qs)]})
				i++
			}
		})
	}
	run("normal", costNormal...)
	adv := costAdversarial(ix.pages)
	for _, n := range slices.Sorted(maps.Keys(adv)) {
		run(n, adv[n])
	}
	rep, _ := costReport(queryCosts(ix, 5, 50*time.Millisecond))
	b.Log("interleaved, fastest of 5 rounds: " + rep)
}

// scalePages is the n-page corpus of ../shared/corpora/scale/make_scale.py
// (deterministic), generated once into the temp dir.
func scalePages(b testing.TB, n int) []source.Page {
	b.Helper()
	script := "../../../shared/corpora/scale/make_scale.py"
	if _, err := os.Stat(script); err != nil {
		b.Skipf("scale corpus generator missing (needs ../shared/corpora beside the repository): %v", err)
	}
	path := filepath.Join(os.TempDir(), fmt.Sprintf("caddymcp-search-scale-%d.json", n))
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		tmp := path + ".tmp"
		if out, err := exec.Command("python3", script, "-n", fmt.Sprint(n), "-o", tmp).CombinedOutput(); err != nil {
			b.Skipf("cannot generate the scale corpus: %v %s", err, out)
		}
		if err := os.Rename(tmp, path); err != nil {
			b.Fatal(err)
		}
	}
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	pages, err := loader.ParseIndexJSON(f, source.Spec{Kind: source.KindIndexJSON, Location: path})
	if err != nil {
		b.Fatal(err)
	}
	return pages
}

// loadHugoPages loads the Hugo docs in testdata for internal tests.
func loadHugoPages(tb testing.TB) []source.Page {
	tb.Helper()
	f, err := os.Open("../../testdata/hugo/index.json")
	if err != nil {
		tb.Skipf("test corpus missing: %v", err)
	}
	defer f.Close()
	pages, err := loader.ParseIndexJSON(f, source.Spec{Kind: source.KindIndexJSON, Location: "testdata/hugo/index.json"})
	if err != nil {
		tb.Fatal(err)
	}
	return pages
}

// TestPhraseBudget: quoted phrases are de-duplicated, at most maxPhrases
// are enforced, their words fit the term budget, phrases of stop words only
// are plain words, and a phrase with a word no page has ends the query at
// once (issue 9: on 3a85611 all 90 phrases of a 990-byte query were
// scanned for in every candidate section).
func TestPhraseBudget(t *testing.T) {
	t.Parallel()
	ix := Build([]source.Page{
		page("x.org/a", "Reverse proxy", "en", "The reverse proxy forwards requests. Load balancing spreads them. Über alles."),
		page("x.org/b", "Static files", "en", "A file server serves static files from the root."),
	})
	pq := ix.parse(costAdversarial(ix.pages)["phrases90"], ix.langs)
	if len(pq.phrases) > maxPhrases || len(pq.terms) > maxQueryTerms {
		t.Errorf("90 phrases: %d enforced, %d terms", len(pq.phrases), len(pq.terms))
	}
	for _, ph := range pq.phrases {
		for _, l := range ph.leaves {
			if !slices.ContainsFunc(pq.terms, func(t qterm) bool { return t.surface == l }) {
				t.Errorf("phrase %v: %q is not a query term", ph.leaves, l)
			}
		}
	}
	pq = ix.parse(strings.Repeat(`"reverse proxy" `, 60), ix.langs)
	if len(pq.phrases) != 1 {
		t.Errorf("60 copies of a phrase: %d phrases", len(pq.phrases))
	}
	if pq = ix.parse(`"to a" "of the"`, ix.langs); len(pq.phrases) != 0 {
		t.Errorf("stop-word phrases enforced: %v", pq.phrases)
	}
	if r := ix.Search(Query{Text: `"reverse proxy" "zzyzx forwards"`}); r.Total != 0 || !ix.parse(`"zzyzx forwards"`, ix.langs).none {
		t.Errorf("phrase with an unknown word: %d hits", r.Total)
	}
	for _, q := range []string{`"reverse proxy"`, `"REVERSE Proxy"`, `"proxy forwards"`, `"the reverse proxy"`, `"über alles"`, `"ÜBER alles"`, `"load balancing spreads"`} {
		if r := ix.Search(Query{Text: q}); r.Total != 1 {
			t.Errorf("%s: %d hits, want 1", q, r.Total)
		}
	}
	if r := ix.Search(Query{Text: `"proxy reverse"`}); r.Total != 0 {
		t.Errorf(`"proxy reverse" matched out of order`)
	}
}

// frequentPhrases quotes the corpus's most frequent adjacent word pairs,
// as many as fit in n bytes: phrases that match in many sections, the
// worst case for phrase checking.
func frequentPhrases(pages []source.Page, n int) string {
	count := map[string]int{}
	for i := range pages {
		for _, sec := range pages[i].Sections {
			var prev string
			scanTokens(sec.Text, func(raw string, _, _ int) {
				w := strings.ToLower(raw)
				if prev != "" {
					count[prev+" "+w]++
				}
				prev = w
			})
		}
	}
	pairs := slices.Collect(maps.Keys(count))
	sort.Slice(pairs, func(i, j int) bool {
		if count[pairs[i]] != count[pairs[j]] {
			return count[pairs[i]] > count[pairs[j]]
		}
		return pairs[i] < pairs[j]
	})
	var b strings.Builder
	for _, p := range pairs {
		if b.Len()+len(p)+3 > n {
			break
		}
		b.WriteString(`"` + p + `" `)
	}
	return b.String()
}

// TestFoldedQueryBounded: NFKC folding expands some characters (U+FDFA is
// 18 letters); the query limit holds after folding too.
func TestFoldedQueryBounded(t *testing.T) {
	t.Parallel()
	q := strings.Repeat("\uFDFA", maxQueryBytes/3)
	if got := len(foldQuery(q)); got > maxQueryBytes {
		t.Fatalf("folded query is %d bytes, limit %d", got, maxQueryBytes)
	}
	ix := Build(testPages())
	if pq := ix.parse(q, ix.langs); len(pq.terms) > maxQueryTerms {
		t.Fatalf("%d terms", len(pq.terms))
	}
}
