package source

import (
	"net/url"
	"strings"
)

// IDAndPath derives Page.ID and Page.Path from a permalink: the ID drops
// the scheme, query, fragment and trailing slash; the Path is the URL path
// without leading and trailing slashes. It is the one place that turns a
// URL into a page ID: loaders use it to name pages, the index to look a
// URL up.
func IDAndPath(permalink string) (id, path string) {
	u, err := url.Parse(permalink)
	if err != nil || u.Opaque != "" {
		// Unparsable, or an ID with a port and no scheme
		// ("localhost:1313/docs", which parses as scheme "localhost").
		s := permalink
		if i := strings.IndexAny(s, "?#"); i >= 0 {
			s = s[:i]
		}
		s = strings.TrimPrefix(strings.TrimPrefix(s, "https://"), "http://")
		s = strings.Trim(s, "/")
		p := s
		if i := strings.IndexByte(p, '/'); i >= 0 {
			p = p[i+1:]
		}
		return s, p
	}
	path = strings.Trim(u.Path, "/")
	id = u.Host
	if path != "" {
		if id != "" {
			id += "/"
		}
		id += path
	}
	return id, path
}

// Merge concatenates page lists in precedence order: when two pages share
// an ID, the first one wins. It is the one precedence rule, used within a
// source and across the sources of a corpus.
func Merge(lists ...[]Page) []Page {
	n := 0
	for _, l := range lists {
		n += len(l)
	}
	out := make([]Page, 0, n)
	seen := make(map[string]bool, n)
	for _, l := range lists {
		for _, p := range l {
			if seen[p.ID] {
				continue
			}
			seen[p.ID] = true
			out = append(out, p)
		}
	}
	return out
}
