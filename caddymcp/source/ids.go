package source

import (
	"net/url"
	"strings"
)

// resolveURL makes ref absolute against base when ref is relative and base is
// set; otherwise it returns ref unchanged.
func resolveURL(base, ref string) string {
	if base == "" {
		return ref
	}
	r, err := url.Parse(ref)
	if err != nil || r.IsAbs() {
		return ref
	}
	b, err := url.Parse(base)
	if err != nil {
		return ref
	}
	if !strings.HasSuffix(b.Path, "/") {
		// "https://x/docs" as a base means the docs folder, not a file in /.
		b.Path += "/"
	}
	// Standard RFC 3986 resolution: "/x" is relative to the host, "x" to
	// the base folder.
	return b.ResolveReference(r).String()
}

// idAndPath derives Page.ID and Page.Path from a permalink: the ID drops the
// scheme, query, fragment and trailing slash; the Path is the URL path without
// leading and trailing slashes.
func idAndPath(permalink string) (id, path string) {
	u, err := url.Parse(permalink)
	if err != nil {
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

// firstSegment is the first path segment, the default section.
func firstSegment(path string) string {
	if i := strings.IndexByte(path, '/'); i >= 0 {
		return path[:i]
	}
	return path
}

// finishPage fills ID, Path, Section and Lang defaults from the URL.
func finishPage(p *Page) {
	p.ID, p.Path = idAndPath(p.URL)
	if p.ID == "" {
		p.ID = "/" // the root page of a source without a base URL
	}
	if p.Section == "" {
		p.Section = firstSegment(p.Path)
	}
	if p.Lang == "" {
		p.Lang = "en"
	}
	if len(p.Sections) == 0 {
		p.Sections = []Section{{}}
	}
}
