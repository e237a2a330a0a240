package llmstxt

import (
	"regexp"
	"strings"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// groups returns the llms.txt section (group) of every page: the site's
// own structure, not a version string or the path prefix every page of a
// source shares.
//   - A page's group is its site section, unless that is a version: sites
//     that serve each version under its own path prefix
//     (docs.python.org/3.11/library/os.html, Read the Docs' /en/latest/...)
//     would otherwise put every page under one heading "3.11". The first
//     path segment after the version (and a language before it) names the
//     group; pages right under the version root share the unnamed group
//     ("Pages"), as one heading per top-level page would bury the rest.
//   - When every page of a source is in the same group, taken from the same
//     path segment (the site's base, like caddyserver.com/docs/), and the
//     folders below it make at least two groups, those folders are the
//     groups; pages right under the base keep the base's name.
func groups(pages []*source.Page) []string {
	out := make([]string, len(pages))
	at := make([]int, len(pages))
	bySource := map[string][]int{}
	for i, p := range pages {
		out[i], at[i] = group(p)
		bySource[p.Source] = append(bySource[p.Source], i)
	}
	for _, idx := range bySource {
		belowBase(pages, out, at, idx)
	}
	return out
}

// minBaseGroups is how many folders below a shared base it takes to group
// by them: one would just rename the single heading.
const minBaseGroups = 2

// belowBase regroups the pages idx of one source by the folder below their
// shared base, when there is one (see groups).
func belowBase(pages []*source.Page, out []string, at []int, idx []int) {
	base := out[idx[0]]
	next := make([]string, len(idx))
	folders := map[string]bool{}
	for k, i := range idx {
		if out[i] != base || at[i] < 0 {
			return
		}
		segs := pathSegments(pages[i])
		if j := at[i] + 1; j < len(segs)-1 {
			next[k] = segs[j]
			folders[segs[j]] = true
		} else {
			next[k] = base // a page right under the base
		}
	}
	if len(folders) < minBaseGroups {
		return
	}
	for k, i := range idx {
		out[i] = next[k]
	}
}

// group is a page's group before belowBase, and the index of the path
// segment it was taken from (-1: not from the path).
func group(p *source.Page) (string, int) {
	segs := pathSegments(p)
	fromPath := len(segs) > 0 && segs[0] == p.Section
	if !isVersion(p.Section, p) && !(fromPath && isLangBeforeVersion(segs, 0, p)) {
		if fromPath {
			return p.Section, 0
		}
		return p.Section, -1
	}
	i := 0
	for i < len(segs)-1 && (isVersion(segs[i], p) || isLangBeforeVersion(segs, i, p)) {
		i++
	}
	if i == 0 || i >= len(segs)-1 {
		// No version prefix in the path (the section came from elsewhere),
		// or a page at the version root.
		return "", -1
	}
	return segs[i], i
}

func pathSegments(p *source.Page) []string {
	if s := strings.Trim(p.Path, "/"); s != "" {
		return strings.Split(s, "/")
	}
	return nil
}

// versionLike matches what sites put in a path for a version: "v2",
// "V1.4", "3.11", "1.x", "2.0-rc1", "v1.2.3+build". A plain number is not
// one: it is as often a year or a chapter.
var versionLike = regexp.MustCompile(`^(?:[vV][0-9]+|[0-9]+\.(?:[0-9]+|[xX]))(?:\.(?:[0-9]+|[xX]))*(?:[-+][0-9A-Za-z.]+)?$`)

// isVersion reports whether a section or path segment names a version: it
// looks like one, is the page's own version, or is a name documentation
// hosts use for one.
func isVersion(s string, p *source.Page) bool {
	switch strings.ToLower(s) {
	case "":
		return false
	case "latest", "stable":
		return true
	}
	return s == p.Version || versionLike.MatchString(s)
}

// isLangBeforeVersion: segs[i] is the page's language and a version
// follows ("en/latest/...").
func isLangBeforeVersion(segs []string, i int, p *source.Page) bool {
	return p.Lang != "" && strings.EqualFold(segs[i], p.Lang) && i+1 < len(segs) && isVersion(segs[i+1], p)
}
