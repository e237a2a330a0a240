package llmstxt

import (
	"regexp"
	"strings"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// group is the llms.txt section a page is listed under: its site section,
// unless that is a version. Sites that serve each version under its own
// path prefix (docs.python.org/3.11/library/os.html, Read the Docs'
// /en/latest/...) would otherwise put every page under one heading "3.11":
// the site's own structure starts below the version. Then the first path
// segment after the version (and a language before it) names the group,
// and pages right under the version root share the unnamed group
// ("Pages"), as one heading per top-level page would bury the real ones.
func group(p *source.Page) string {
	segs := strings.Split(strings.Trim(p.Path, "/"), "/")
	if !isVersion(p.Section, p) && !(strings.EqualFold(p.Section, segs[0]) && isLangBeforeVersion(segs, 0, p)) {
		return p.Section
	}
	i := 0
	for i < len(segs)-1 && (isVersion(segs[i], p) || isLangBeforeVersion(segs, i, p)) {
		i++
	}
	if i == 0 || i >= len(segs)-1 {
		// No version prefix in the path (the section came from elsewhere),
		// or a page at the version root.
		return ""
	}
	return segs[i]
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
