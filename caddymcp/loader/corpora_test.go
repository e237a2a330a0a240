package loader

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// corporaDir is the shared test corpora, present on the build machine only.
const corporaDir = "../../../shared/corpora"

func needCorpora(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(corporaDir, "README.md")); err != nil {
		t.Skipf("needs the shared corpora at %s (../shared beside the repository); not present", corporaDir)
	}
	if testing.Short() {
		t.Skip("corpus measurement skipped in -short mode")
	}
}

type corpus struct {
	name, base string
}

var corpora = []corpus{
	{"caddy-docs", "https://caddyserver.com/docs/"},
	{"hugo-docs", "https://gohugo.io/"},
}

// loaded caches loadBoth: the corpora are big and the tests run under -race.
var (
	loadedMu sync.Mutex
	loaded   = map[string][2][]source.Page{}
)

func loadBoth(t *testing.T, c corpus) (idx, md []source.Page) {
	t.Helper()
	loadedMu.Lock()
	defer loadedMu.Unlock()
	if v, ok := loaded[c.name]; ok {
		return v[0], v[1]
	}
	ctx := context.Background()
	idx, err := LoadSpec(ctx, source.Spec{Location: filepath.Join(corporaDir, c.name+".index.json")})
	if err != nil {
		t.Fatal(err)
	}
	md, err = LoadSpec(ctx, source.Spec{Kind: source.KindMarkdown, Location: filepath.Join(corporaDir, c.name), BaseURL: c.base})
	if err != nil {
		t.Fatal(err)
	}
	loaded[c.name] = [2][]source.Page{idx, md}
	return idx, md
}

// TestMarkdownPermalinksMatchIndex checks that the Markdown trees yield the
// permalinks the published index.json has (the corpora README's rules).
func TestMarkdownPermalinksMatchIndex(t *testing.T) {
	needCorpora(t)
	for _, c := range corpora {
		idx, md := loadBoth(t, c)
		mdIDs := pagesByID(md)
		found, urlSame := 0, 0
		var missing []string
		for _, p := range idx {
			m, ok := mdIDs[p.ID]
			if !ok {
				missing = append(missing, p.URL)
				continue
			}
			found++
			if m.URL == p.URL {
				urlSame++
			}
		}
		rate := float64(found) / float64(len(idx))
		t.Logf("%s: %d index pages, %d Markdown pages; %d/%d (%.1f%%) index permalinks produced by the Markdown loader, %d with identical URL; %d Markdown-only pages (index skips short pages)",
			c.name, len(idx), len(md), found, len(idx), 100*rate, urlSame, len(md)-found)
		if len(missing) > 0 {
			t.Logf("%s: missing e.g. %v", c.name, missing[:min(5, len(missing))])
		}
		if rate < 0.98 {
			t.Errorf("%s: permalink match %.3f < 0.98", c.name, rate)
		}
	}
}

// TestHeadingHeuristicOnCorpora measures the plain-text heading detection of
// ParseIndexJSON against the real Markdown headings of the same pages.
func TestHeadingHeuristicOnCorpora(t *testing.T) {
	needCorpora(t)
	for _, c := range corpora {
		idx, md := loadBoth(t, c)
		mdByID := pagesByID(md)
		var tp, fp, fn, anchorsOK, pages int
		for _, p := range idx {
			m := mdByID[p.ID]
			if m == nil {
				continue
			}
			pages++
			truth := map[string]string{} // heading -> anchor
			count := map[string]int{}
			for _, s := range m.Sections[1:] {
				count[s.Heading]++
				if _, ok := truth[s.Heading]; !ok {
					truth[s.Heading] = s.Anchor
				}
			}
			for _, s := range p.Sections[1:] {
				if count[s.Heading] > 0 {
					count[s.Heading]--
					tp++
					if truth[s.Heading] == s.Anchor {
						anchorsOK++
					}
				} else {
					fp++
				}
			}
			for _, n := range count {
				fn += n
			}
		}
		prec := float64(tp) / float64(max(1, tp+fp))
		rec := float64(tp) / float64(max(1, tp+fn))
		t.Logf("%s: %d pages; headings precision %.3f recall %.3f (tp %d fp %d fn %d); anchors equal to Markdown-derived for %d/%d detected",
			c.name, pages, prec, rec, tp, fp, fn, anchorsOK, tp)
		if prec < 0.6 || rec < 0.6 {
			t.Errorf("%s: heading detection regressed: P %.3f R %.3f", c.name, prec, rec)
		}
	}
}

// TestMarkdownTextMatchesIndex compares the words of Markdown-derived text
// with the index.json contents of the same page, a check on the Markdown to
// text conversion.
func TestMarkdownTextMatchesIndex(t *testing.T) {
	needCorpora(t)
	for _, c := range corpora {
		idx, md := loadBoth(t, c)
		mdByID := pagesByID(md)
		var sum float64
		n := 0
		for _, p := range idx {
			m := mdByID[p.ID]
			if m == nil {
				continue
			}
			a, b := wordSet(p.Text()), wordSet(m.Text())
			inter := 0
			for w := range a {
				if b[w] {
					inter++
				}
			}
			union := len(a) + len(b) - inter
			if union > 0 {
				sum += float64(inter) / float64(union)
				n++
			}
		}
		mean := sum / float64(max(n, 1))
		t.Logf("%s: mean word-set Jaccard(index text, Markdown text) = %.3f over %d pages", c.name, mean, n)
		if mean < 0.8 {
			t.Errorf("%s: Markdown text diverges from index text: %.3f", c.name, mean)
		}
	}
}

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '.')
	}) {
		m[strings.Trim(w, ".")] = true
	}
	return m
}

// TestAnchorsResolveInPageLinks checks the slug rules: in-page links
// ("](#upstream-addresses)") written by the docs authors should name an
// anchor our Markdown loader produced for that page.
func TestAnchorsResolveInPageLinks(t *testing.T) {
	needCorpora(t)
	linkRe := regexpMust(`\]\(#([^)\s]+)\)`)
	for _, c := range corpora {
		_, md := loadBoth(t, c)
		byFile := pagesByID(md)
		total, ok := 0, 0
		var bad []string
		_ = filepath.WalkDir(filepath.Join(corporaDir, c.name), func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".md") {
				return nil
			}
			rel, _ := filepath.Rel(filepath.Join(corporaDir, c.name), p)
			fm := frontMatter{}
			data, _ := os.ReadFile(p)
			raw, format, _ := splitFrontMatter(data)
			fm, _ = parseFrontMatter(raw, format)
			id, _ := source.IDAndPath(joinBase(c.base, hugoPath(filepath.ToSlash(rel), fm)))
			pg := byFile[id]
			if pg == nil {
				return nil
			}
			anchors := map[string]bool{}
			for _, s := range pg.Sections {
				anchors[s.Anchor] = true
			}
			for _, m := range linkRe.FindAllStringSubmatch(string(data), -1) {
				if strings.ContainsAny(m[1], "_") && c.name == "caddy-docs" {
					continue // <span id="lb_policy"> targets, not headings
				}
				total++
				if anchors[m[1]] {
					ok++
				} else if len(bad) < 8 {
					bad = append(bad, rel+"#"+m[1])
				}
			}
			return nil
		})
		t.Logf("%s: %d/%d in-page heading links resolve to a produced anchor; unresolved e.g. %v", c.name, ok, total, bad)
		if total > 0 && float64(ok)/float64(total) < 0.8 {
			t.Errorf("%s: only %d/%d in-page links resolve", c.name, ok, total)
		}
	}
}
func regexpMust(s string) *regexp.Regexp { return regexp.MustCompile(s) }

// pagesByID indexes pages by ID (pointers into the slice).
func pagesByID(pages []source.Page) map[string]*source.Page {
	m := make(map[string]*source.Page, len(pages))
	for i := range pages {
		m[pages[i].ID] = &pages[i]
	}
	return m
}
