package search

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// page builds a test page; secs alternate heading, text (the first text is
// the lead).
func page(id, title, lang string, lead string, secs ...string) source.Page {
	p := source.Page{ID: id, Title: title, URL: "https://" + id, Lang: lang, Section: strings.Split(id, "/")[1]}
	p.Path = strings.SplitN(id, "/", 2)[1]
	p.Sections = append(p.Sections, source.Section{Text: lead})
	for i := 0; i+1 < len(secs); i += 2 {
		anchor := strings.ReplaceAll(strings.ToLower(secs[i]), " ", "-")
		p.Sections = append(p.Sections, source.Section{Heading: secs[i], Anchor: anchor, Level: 2, Text: secs[i+1]})
	}
	return p
}

func testPages() []source.Page {
	return []source.Page{
		page("example.com/docs/reverse_proxy", "reverse_proxy", "en",
			"Proxies requests to one or more backends with configurable transport, load balancing, health checking.",
			"Load balancing", "Load balancing is used whenever more than one upstream is defined. The lb_policy subdirective chooses the policy: random, round_robin, least_conn.",
			"Health checks", "Active health checks probe backends on a timer. Passive health checks watch real requests.",
			"Streaming", "By default the proxy buffers nothing and flushes responses immediately."),
		page("example.com/docs/file_server", "file_server", "en",
			"A static file server that supports real and virtual file systems. It can show a directory listing with browse.",
			"Examples", "Serve static files from the current directory: file_server browse. Use try_files or tryFiles to rewrite."),
		page("example.com/functions/relpermalink", "RelPermalink", "en",
			"Returns the relative permalink of the page. Use .Page.RelPermalink in templates.",
			"Usage", "{{ .Page.RelPermalink }} prints /posts/my-post/ for a post."),
		page("example.com/commands/hugo_server", "hugo server", "en",
			"Start the embedded web server. Pass --baseURL to override the base URL of the site while developing.",
			"Options", "The --port flag selects the port. Live reload watches files and rebuilds the site."),
		page("example.com/fr/configuration", "Configuration du serveur", "fr",
			"Les configurations des serveurs sont chargées au démarrage. Chaque serveur lit sa configuration."),
		page("example.com/docs/install", "Install", "en",
			"Install Caddy on Debian, Ubuntu and Raspbian with apt from the official repository.",
			"Docker", "Run the official Docker image to try the web server quickly."),
	}
}

func TestAPIBasics(t *testing.T) {
	ix := Build(testPages())
	if ix.Len() != 6 || len(ix.Pages()) != 6 || ix.Pages()[2].Title != "RelPermalink" {
		t.Fatalf("Len=%d Pages=%d", ix.Len(), len(ix.Pages()))
	}
	if p, ok := ix.Page("example.com/docs/install"); !ok || p.Title != "Install" {
		t.Fatalf("Page by id: %v %v", p, ok)
	}
	if _, ok := ix.Page("nope"); ok {
		t.Fatal("unknown id found")
	}
	for _, u := range []string{
		"https://example.com/docs/install", "https://example.com/docs/install/",
		"https://example.com/docs/install#docker", "http://example.com/docs/install?x=1",
		"/docs/install", "docs/install", "docs/install/", "HTTPS://Example.com/Docs/Install",
	} {
		if p, ok := ix.PageByURL(u); !ok || p.Title != "Install" {
			t.Errorf("PageByURL(%q) = %v, %v", u, p, ok)
		}
	}
	if _, ok := ix.PageByURL("https://example.com/docs/missing"); ok {
		t.Error("PageByURL found a missing page")
	}
	f := ix.Facets()
	if fmt.Sprint(f.Langs) != "[en fr]" || len(f.Sections) != 4 || len(f.Versions) != 0 {
		t.Errorf("facets %+v", f)
	}
}

func urls(r Result) []string {
	var out []string
	for _, h := range r.Hits {
		out = append(out, h.URL)
	}
	return out
}

// hitIs compares a hit with a URL: the section URL when want has an
// anchor, else the page URL.
func hitIs(h Hit, want string) bool {
	if strings.Contains(want, "#") {
		return h.URL == want
	}
	return h.Page.URL == want
}

func TestSearchRanking(t *testing.T) {
	ix := Build(testPages())
	cases := []struct{ q, want string }{
		{"load balancing policy", "https://example.com/docs/reverse_proxy#load-balancing"},
		{"lb_policy", "https://example.com/docs/reverse_proxy#load-balancing"},
		{"round robin", "https://example.com/docs/reverse_proxy#load-balancing"},
		{"health checks", "https://example.com/docs/reverse_proxy#health-checks"},
		{"directory listing", "https://example.com/docs/file_server"},
		{"tryFiles", "https://example.com/docs/file_server#examples"},
		{"try files", "https://example.com/docs/file_server#examples"},
		{".Page.RelPermalink", "https://example.com/functions/relpermalink"},
		{"relpermalink", "https://example.com/functions/relpermalink"},
		{"permalink", "https://example.com/functions/relpermalink"},
		{"--baseURL", "https://example.com/commands/hugo_server"},
		{"base url", "https://example.com/commands/hugo_server"},
		{"installing on ubuntu", "https://example.com/docs/install"},
		{"how do I install caddy?", "https://example.com/docs/install"},
		{"configurations", "https://example.com/fr/configuration"}, // French stemming: configuration(s) → configur
	}
	for _, c := range cases {
		r := ix.Search(Query{Text: c.q})
		if len(r.Hits) == 0 || !hitIs(r.Hits[0], c.want) {
			t.Errorf("%q: got %v, want first %s", c.q, urls(r), c.want)
		}
		if r.Fuzzy {
			t.Errorf("%q: exact query reported as fuzzy", c.q)
		}
	}
}

func TestTokenizer(t *testing.T) {
	var got []string
	var buf []byte
	scanTokens("Use `lb_policy`, .Page.RelPermalink and tryFiles; --baseURL HTTPServer v2.11 end.", func(raw string, s, e int) {
		buf = expand(raw, buf, func(x []byte, r role) { got = append(got, fmt.Sprintf("%s/%d", x, r)) })
	})
	want := "use/0 lb_policy/1 lb/2 policy/2 page.relpermalink/1 page/2 relpermalink/2 rel/2 permalink/2 and/0 tryfiles/0 try/2 files/2 baseurl/0 base/2 url/2 httpserver/0 http/2 server/2 v2.11/1 v2/2 11/2 end/0"
	if strings.Join(got, " ") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(got, " "), want)
	}
}

func TestPhrase(t *testing.T) {
	ix := Build(testPages())
	r := ix.Search(Query{Text: `"health checks"`})
	if r.Total != 1 || r.Hits[0].URL != "https://example.com/docs/reverse_proxy#health-checks" {
		t.Fatalf("phrase: %v total %d", urls(r), r.Total)
	}
	// Both words occur on the page but never next to each other in this order.
	if r := ix.Search(Query{Text: `"checks health"`}); r.Total != 0 {
		t.Fatalf("reversed phrase matched: %v", urls(r))
	}
	// The phrase restricts; other words still rank.
	if r := ix.Search(Query{Text: `"web server" docker`}); len(r.Hits) == 0 || r.Hits[0].URL != "https://example.com/docs/install#docker" {
		t.Fatalf("phrase+term: %v", urls(r))
	}
	// Phrase across identifier pieces: lb_policy = lb policy.
	if r := ix.Search(Query{Text: `"lb policy"`}); r.Total != 1 {
		t.Fatalf("identifier phrase: %v", urls(r))
	}
}

func TestTypos(t *testing.T) {
	ix := Build(testPages())
	for q, want := range map[string]string{
		"helth checks":   "https://example.com/docs/reverse_proxy#health-checks",
		"reverse_proxxy": "https://example.com/docs/reverse_proxy",
		"direcotry":      "https://example.com/docs/file_server",
		"instal debain":  "https://example.com/docs/install",
	} {
		r := ix.Search(Query{Text: q})
		if !r.Fuzzy || len(r.Hits) == 0 || !hitIs(r.Hits[0], want) || len(r.Corrected) == 0 {
			t.Errorf("%q: fuzzy=%v %v, want %s", q, r.Fuzzy, urls(r), want)
		}
	}
	if r := ix.Search(Query{Text: "helth checks"}); fmt.Sprint(r.Corrected) != "map[helth:health]" {
		t.Errorf("corrected: %v", r.Corrected)
	}
	// No typo matching for known words, nor wild guesses for short ones.
	if r := ix.Search(Query{Text: "xq"}); r.Total != 0 || r.Fuzzy {
		t.Errorf("xq: %v", urls(r))
	}
	if got, want := EditDistance("proxxy", "proxy", 2), 1; got != want {
		t.Errorf("EditDistance = %d", got)
	}
	if got := EditDistance("teh", "the", 2); got != 1 {
		t.Errorf("transposition = %d", got)
	}
	if got := EditDistance("abcdef", "uvwxyz", 2); got != 3 {
		t.Errorf("bounded = %d", got)
	}
}

func TestFiltersAndPaging(t *testing.T) {
	ix := Build(testPages())
	r := ix.Search(Query{Text: "serveur server", Lang: "fr"})
	if r.Total != 1 || r.Hits[0].Page.Lang != "fr" {
		t.Fatalf("lang filter: %v", urls(r))
	}
	r = ix.Search(Query{Text: "server", Section: "commands"})
	if r.Total != 1 || r.Hits[0].Page.Section != "commands" {
		t.Fatalf("section filter: %v", urls(r))
	}
	if r := ix.Search(Query{Text: "server", Version: "v9"}); r.Total != 0 {
		t.Fatalf("version filter: %v", urls(r))
	}
	all := ix.Search(Query{Text: "server web file", Limit: 100})
	if all.Total < 3 || len(all.Hits) != all.Total {
		t.Fatalf("total %d hits %d", all.Total, len(all.Hits))
	}
	var paged []string
	for off := 0; off < all.Total; off += 2 {
		r := ix.Search(Query{Text: "server web file", Offset: off, Limit: 2})
		if r.Total != all.Total || len(r.Hits) > 2 {
			t.Fatalf("page at %d: total %d, %d hits", off, r.Total, len(r.Hits))
		}
		paged = append(paged, urls(r)...)
	}
	if fmt.Sprint(paged) != fmt.Sprint(urls(all)) {
		t.Fatalf("paging differs:\n%v\n%v", paged, urls(all))
	}
	for i, h := range all.Hits {
		if h.Page == nil || h.Score <= 0 || h.URL != h.Page.SectionURL(h.SectionIndex) {
			t.Fatalf("bad hit %+v", h)
		}
		if i > 0 && h.Score > all.Hits[i-1].Score {
			t.Fatalf("scores not decreasing: %v then %v", all.Hits[i-1].Score, h.Score)
		}
	}
	if r := ix.Search(Query{Text: "  ,,  "}); r.Total != 0 || r.Hits == nil {
		t.Fatalf("empty query: %+v", r)
	}
}

func TestPerPageLimit(t *testing.T) {
	var secs []string
	for i := 0; i < 8; i++ {
		secs = append(secs, fmt.Sprintf("Part %d", i), "caching caching headers")
	}
	pages := []source.Page{
		page("example.com/a/big", "Big", "en", "caching", secs...),
		page("example.com/a/small", "Small", "en", "caching headers"),
	}
	r := Build(pages).Search(Query{Text: "caching headers"})
	n := 0
	for _, h := range r.Hits {
		if h.Page.ID == "example.com/a/big" {
			n++
		}
	}
	if n > 2 || len(r.Hits) < 2 {
		t.Fatalf("one page filled the list: %v", urls(r))
	}
}

func TestSnippet(t *testing.T) {
	long := strings.Repeat("filler words here. ", 40) + "The lb_policy subdirective picks a load balancing policy. " + strings.Repeat("more filler text. ", 40)
	ix := Build([]source.Page{page("example.com/a/x", "X", "en", long)})
	r := ix.Search(Query{Text: "load balancing lb_policy"})
	if len(r.Hits) != 1 {
		t.Fatal(urls(r))
	}
	sn := r.Hits[0].Snippet
	plain := strings.ReplaceAll(sn, "**", "")
	if len(plain) > snippetLen+10 {
		t.Errorf("snippet too long (%d): %q", len(plain), sn)
	}
	for _, want := range []string{"**lb_policy**", "**load**", "**balancing**", "… "} {
		if !strings.Contains(sn, want) {
			t.Errorf("snippet %q lacks %q", sn, want)
		}
	}
	if !strings.HasSuffix(sn, " …") || strings.Contains(plain, "fille ") {
		t.Errorf("snippet not cut at words: %q", sn)
	}
}

// TestNoSnippets checks that NoSnippets only drops the snippets: the same
// hits, scores, URLs and totals, in the same order.
func TestNoSnippets(t *testing.T) {
	ix := Build(testPages())
	for _, q := range []Query{{Text: "install linux"}, {Text: "\"reverse proxy\"", Limit: 3}, {Text: "instal"}, {Text: "server", Offset: 1}, {Text: "health checks", Lang: "en"}} {
		with := ix.Search(q)
		q.NoSnippets = true
		without := ix.Search(q)
		if len(with.Hits) == 0 || len(with.Hits) != len(without.Hits) || with.Total != without.Total || with.Fuzzy != without.Fuzzy {
			t.Fatalf("%+v: %d/%d hits, total %d/%d", q, len(with.Hits), len(without.Hits), with.Total, without.Total)
		}
		for i, h := range without.Hits {
			if h.Snippet != "" {
				t.Errorf("%+v: hit %d has a snippet %q", q, i, h.Snippet)
			}
			if with.Hits[i].Snippet == "" {
				t.Errorf("%+v: hit %d has no snippet without NoSnippets", q, i)
			}
			h.Snippet = with.Hits[i].Snippet
			if h != with.Hits[i] {
				t.Errorf("%+v: hit %d differs:\n%+v\n%+v", q, i, h, with.Hits[i])
			}
		}
	}
}

func TestConcurrentSearch(t *testing.T) {
	ix := Build(testPages())
	want := urls(ix.Search(Query{Text: "server files health"}))
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				if got := urls(ix.Search(Query{Text: "server files health"})); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("concurrent result differs: %v", got)
					return
				}
				ix.Search(Query{Text: "helth proxxy", Limit: 3})
			}
		}()
	}
	wg.Wait()
}

func TestEmptyIndex(t *testing.T) {
	ix := Build(nil)
	if r := ix.Search(Query{Text: "x"}); r.Total != 0 || ix.Len() != 0 {
		t.Fatal("empty index")
	}
}

func TestSummaryTagsAndPath(t *testing.T) {
	p := page("example.com/guides/zeta-widgets", "Guide", "en", "Body text about gadgets.")
	p.Summary = "Quasar summary words."
	p.Tags = []string{"nebula"}
	dup := page("example.com/guides/other", "Other", "en", "Lead repeats its summary. More text.")
	dup.Summary = "Lead repeats its summary."
	ix := Build([]source.Page{p, dup})
	for _, q := range []string{"quasar", "nebula", "widgets"} {
		if r := ix.Search(Query{Text: q}); r.Total != 1 || r.Hits[0].Page.ID != p.ID {
			t.Errorf("%q: %v", q, urls(r))
		}
	}
	if r := ix.Search(Query{Text: "quasar"}); !strings.Contains(r.Hits[0].Snippet, "**Quasar**") {
		t.Errorf("summary snippet: %q", r.Hits[0].Snippet)
	}
	if summaryMissing(&dup) || !summaryMissing(&p) {
		t.Error("summaryMissing")
	}
}

func TestTypoDoesNotOverrideExact(t *testing.T) {
	pages := []source.Page{
		page("example.com/a/serve", "Serve", "en", "How to serve files."),
		page("example.com/a/server", "Server", "en", "The server server server runs."),
	}
	ix := Build(pages)
	r := ix.Search(Query{Text: "serve"})
	if r.Fuzzy || r.Total != 1 || r.Hits[0].Page.ID != "example.com/a/serve" {
		t.Fatalf("exact word fuzzied: fuzzy=%v %v", r.Fuzzy, urls(r))
	}
	// An unknown word is corrected; known words in the same query stay exact.
	r = ix.Search(Query{Text: "serer files"})
	if !r.Fuzzy || len(r.Hits) == 0 {
		t.Fatalf("typo not corrected: %v", urls(r))
	}
}

func TestCurlyQuotesAndUnicode(t *testing.T) {
	pages := []source.Page{
		page("example.com/a/fr", "Déploiement", "fr", "Le déploiement continu des sites statiques. Ça marche très bien."),
		page("example.com/a/en", "Deploy", "en", "Continuous deployment of static sites works well."),
	}
	ix := Build(pages)
	if r := ix.Search(Query{Text: "\u201cstatic sites\u201d"}); r.Total != 1 || r.Hits[0].Page.ID != "example.com/a/en" {
		t.Fatalf("curly-quoted phrase: %v", urls(r))
	}
	r := ix.Search(Query{Text: "déploiements statique"})
	if len(r.Hits) == 0 || r.Hits[0].Page.ID != "example.com/a/fr" {
		t.Fatalf("french stems: %v", urls(r))
	}
	if !strings.Contains(r.Hits[0].Snippet, "**déploiement**") {
		t.Errorf("non-ASCII snippet mark: %q", r.Hits[0].Snippet)
	}
	if r := ix.Search(Query{Text: "\"ÇA MARCHE\""}); r.Total != 1 {
		t.Fatalf("non-ASCII phrase, other case: %v", urls(r))
	}
}

// TestCommonTermPruning checks the large-corpus path of accumulate on a
// small corpus by lowering its thresholds: common terms only re-score
// candidates, and a query of only common (or unknown) words still finds
// everything.
func TestCommonTermPruning(t *testing.T) {
	var pages []source.Page
	for i := 0; i < 200; i++ {
		text := fmt.Sprintf("Shared words everywhere. Filler %d.", i)
		if i%50 == 7 {
			text += " A rare marker word, shared again."
		}
		pages = append(pages, page(fmt.Sprintf("example.com/p/%d", i), fmt.Sprintf("Page %d", i), "en", text))
	}
	ix := Build(pages)
	exhaustive := ix.Search(Query{Text: "shared marker", Limit: 3})
	tune := defaultTuning
	tune.commonMinDF, tune.commonFrac = 10, 0.05
	ix = buildTuned(pages, tune)
	pruned := ix.Search(Query{Text: "shared marker", Limit: 3})
	if pruned.Total != 4 || exhaustive.Total != 200 {
		t.Fatalf("totals: pruned %d, exhaustive %d", pruned.Total, exhaustive.Total)
	}
	if fmt.Sprint(urls(pruned)) != fmt.Sprint(urls(exhaustive)) {
		t.Fatalf("pruning changed the top hits:\n%v\n%v", urls(pruned), urls(exhaustive))
	}
	for i := range pruned.Hits {
		if d := pruned.Hits[i].Score - exhaustive.Hits[i].Score; d > 1e-3 || d < -1e-3 {
			t.Fatalf("score %d differs: %v vs %v", i, pruned.Hits[i].Score, exhaustive.Hits[i].Score)
		}
	}
	for _, q := range []string{"shared", "shared everywhere", "shared qqqqqqqqqq"} {
		if r := ix.Search(Query{Text: q}); r.Total != 200 {
			t.Errorf("%q: total %d, want 200", q, r.Total)
		}
	}
	// Pooled state (bitmaps included) is clean after those queries.
	if again := ix.Search(Query{Text: "shared marker", Limit: 3}); fmt.Sprint(urls(again), again.Total) != fmt.Sprint(urls(pruned), pruned.Total) {
		t.Fatalf("second run differs: %v", urls(again))
	}
}

// TestFullwidthQuery: a query typed with fullwidth Latin letters (CJK
// input methods) finds what the plain letters find (NFKC folding).
func TestFullwidthQuery(t *testing.T) {
	t.Parallel()
	ix := Build(testPages())
	plain := ix.Search(Query{Text: "load balancing"})
	wide := ix.Search(Query{Text: "ＬＯＡＤ　ｂａｌａｎｃｉｎｇ"})
	if len(plain.Hits) == 0 || fmt.Sprint(urls(plain)) != fmt.Sprint(urls(wide)) {
		t.Fatalf("fullwidth query: %v, plain: %v", urls(wide), urls(plain))
	}
	if r := ix.Search(Query{Text: `"ｌｏａｄ ｂａｌａｎｃｉｎｇ"`}); len(r.Hits) == 0 {
		t.Error("fullwidth phrase found nothing")
	}
}

// TestSpreadCapped: a page of many weak matches (a long table split into a
// section per row group, each naming the query word once) must not outrank
// a page whose one section is about the query, on the strength of the
// spread part alone.
func TestSpreadCapped(t *testing.T) {
	r := Build(spreadPages()).Search(Query{Text: "shortcode"})
	if len(r.Hits) == 0 || r.Hits[0].Page.ID != "example.com/content/shortcodes" {
		t.Fatalf("weak matches in many sections won: %v", urls(r))
	}
}

func spreadPages() []source.Page {
	var secs []string
	for i := 0; i < 150; i++ {
		secs = append(secs, fmt.Sprintf("Group %d", i),
			fmt.Sprintf("ico shortcode ico shortcode top bell%d luggage%d hotel%d top", i, i, i))
	}
	pages := []source.Page{
		page("example.com/quick/emojis", "Emojis", "en", "A table of emoji names.", secs...),
		page("example.com/content/shortcodes", "Writing templates", "en", "How to write templates.",
			"Notation", "A shortcode is called with its name. The shortcode notation with % asks for further processing of the shortcode content.",
			"Other", "Unrelated text about layouts and partials."),
	}
	for i := 0; i < 3000; i++ {
		pages = append(pages, page(fmt.Sprintf("example.com/filler/p%d", i), fmt.Sprintf("Filler %d", i), "en",
			"Layouts, partials and templates render the site; configuration sets the base URL."))
	}
	return pages
}
