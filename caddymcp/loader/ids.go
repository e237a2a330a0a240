package loader

import (
	"net/url"
	"strings"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
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

// firstSegment is the first path segment, the default section.
func firstSegment(path string) string {
	if i := strings.IndexByte(path, '/'); i >= 0 {
		return path[:i]
	}
	return path
}

// finishPage fills ID, Path, source.Section and Lang defaults from the URL.
func finishPage(p *source.Page) {
	p.ID, p.Path = source.IDAndPath(p.URL)
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
		p.Sections = []source.Section{{}}
	}
}
