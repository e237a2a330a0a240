package loader

import (
	"strings"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// titleSeps separate a page's own title from its site's name.
var titleSeps = []string{" — ", " – ", " | ", " - ", " · ", " :: ", " » "}

// Site titles: a part must be shared by at least siteTitleShare of the
// pages of a source, and the source must have minSitePages pages.
const (
	siteTitleShare = 0.6
	minSitePages   = 3
)

// stripSiteTitles removes from the titles the suffix or prefix that most
// pages of a source share (" — Python 3.11.2 documentation"): it names the
// site, not the page, wastes the title's weight in ranking and clutters
// results. It is kept in Page.SiteTitle. A title that is nothing but the
// shared part keeps it.
func stripSiteTitles(pages []source.Page) {
	if len(pages) < minSitePages {
		return
	}
	counts := map[string]int{}
	var mine []string
	for i := range pages {
		mine = siteTitleCandidates(pages[i].Title, mine[:0])
		for j, c := range mine {
			if !containsBefore(mine, j, c) {
				counts[c]++
			}
		}
	}
	best, n := "", 0
	for c, k := range counts {
		if k > n || k == n && c < best {
			best, n = c, k
		}
	}
	if float64(n) < siteTitleShare*float64(len(pages)) {
		return
	}
	part := best[1:]
	for i := range pages {
		p := &pages[i]
		var rest string
		if best[0] == 's' && strings.HasSuffix(p.Title, part) {
			rest = p.Title[:len(p.Title)-len(part)]
		} else if best[0] == 'p' && strings.HasPrefix(p.Title, part) {
			rest = p.Title[len(part):]
		}
		if rest = strings.TrimSpace(rest); rest != "" {
			p.Title, p.SiteTitle = rest, strings.TrimSpace(part)
		}
	}
}

// siteTitleCandidates appends the suffixes ("s" + " — Site") and prefixes
// ("p" + "Site | ") of a title that could be a site's name.
func siteTitleCandidates(title string, out []string) []string {
	for _, sep := range titleSeps {
		if i := strings.LastIndex(title, sep); i > 0 {
			out = append(out, "s"+title[i:])
		}
		if i := strings.Index(title, sep); i > 0 && i+len(sep) < len(title) {
			out = append(out, "p"+title[:i+len(sep)])
		}
	}
	return out
}

func containsBefore(list []string, j int, s string) bool {
	for _, x := range list[:j] {
		if x == s {
			return true
		}
	}
	return false
}
