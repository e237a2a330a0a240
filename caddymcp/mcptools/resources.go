package mcptools

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// Resource URIs.
const (
	TOCURI          = "docs://toc"
	TOCPartTemplate = "docs://toc/{part}"
	PageTemplate    = "docs://pages/{+path}"
)

// Resource bounds: a page resource is cut at ResourceMaxChars characters
// (read_page reads the rest) and the table of contents comes in parts of
// TOCPartSize pages.
const (
	ResourceMaxChars = 50_000
	TOCPartSize      = 200
)

func (st *state) registerResources(s *server.MCPServer) {
	s.AddResource(mcp.NewResource(TOCURI, "toc",
		mcp.WithResourceTitle("Table of contents"),
		mcp.WithResourceDescription(fmt.Sprintf("All documentation pages grouped by section, with titles, URLs and docs:// URIs, in parts of %d pages (docs://toc/2, ...). To find something specific, use the search_docs tool instead.", TOCPartSize)),
		mcp.WithMIMEType("text/markdown"),
	), st.readTOC)
	s.AddResourceTemplate(mcp.NewResourceTemplate(TOCPartTemplate, "toc-part",
		mcp.WithTemplateTitle("Table of contents (part)"),
		mcp.WithTemplateDescription("Part N (1-based) of the table of contents; docs://toc is part 1."),
		mcp.WithTemplateMIMEType("text/markdown"),
	), st.readTOC)
	s.AddResourceTemplate(mcp.NewResourceTemplate(PageTemplate, "page",
		mcp.WithTemplateTitle("Documentation page"),
		mcp.WithTemplateDescription(fmt.Sprintf("One documentation page as Markdown (title, URL, last-modified, then the text), by its URL path, e.g. docs://pages/docs/install. Cut at %d characters; the read_page tool reads long pages in parts.", ResourceMaxChars)),
		mcp.WithTemplateMIMEType("text/markdown"),
	), st.readPageResource)
}

// errResourceNotReady is returned while no index exists.
var errResourceNotReady = errors.New(errNotReady)

// encodePath percent-encodes a page path for a docs:// URI, segment by
// segment; the template matcher decodes it back.
func encodePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// templateArg returns a template variable; mcp-go passes them as []string.
func templateArg(req mcp.ReadResourceRequest, name string) string {
	switch v := req.Params.Arguments[name].(type) {
	case string:
		return v
	case []string:
		return strings.Join(v, ",")
	}
	return ""
}

// pageAt returns the page a docs://pages/{+path} URI names.
func pageAt(c *indexCache, path string) (*source.Page, error) {
	path = strings.Trim(path, "/")
	_, byPath := c.pagesSorted()
	if p, ok := byPath[path]; ok {
		return p, nil
	}
	return nil, notFound(fmt.Sprintf("no documentation page at path %q; list pages with %s or find them with the search_docs tool", clip(path, maxRefChars), TOCURI))
}

// tocPart parses the part of a docs://toc/{part} URI ("" is part 1) and
// returns it with the number of parts.
func tocPart(c *indexCache, s string) (part, parts int, err error) {
	pages, _ := c.pagesSorted()
	parts = max(1, (len(pages)+TOCPartSize-1)/TOCPartSize)
	if s == "" {
		return 1, parts, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > parts {
		return 0, parts, notFound(fmt.Sprintf("no table-of-contents part %q: parts are 1 to %d", clip(s, maxEchoChars), parts))
	}
	return n, parts, nil
}

func (st *state) readPageResource(_ context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
	v, ok := st.snapshot()
	if !ok {
		return nil, errResourceNotReady
	}
	c := v.indexCache
	p, err := pageAt(c, templateArg(req, "path"))
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n# %s\n\nurl: %s\nid: %s\n", contentHeader, p.Title, pageURL(p), p.ID)
	if lm := lastMod(p); lm != "" {
		fmt.Fprintf(&b, "lastmod: %s\n", lm)
	}
	b.WriteString("\n")
	full := c.sectionText(p, 0, len(p.Sections))
	text, end := full.slice(0, ResourceMaxChars)
	total := full.runes
	b.WriteString(text)
	if end < total {
		fmt.Fprintf(&b, "\n\n[Cut at character %d of %d. Read the rest with the read_page tool: {\"id\": %q, \"start_index\": %d}.]\n", end, total, p.ID, end)
	}
	return []mcp.ResourceContents{mcp.TextResourceContents{URI: req.Params.URI, MIMEType: "text/markdown", Text: b.String()}}, nil
}

func (st *state) readTOC(_ context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
	v, ok := st.snapshot()
	if !ok {
		return nil, errResourceNotReady
	}
	c := v.indexCache
	pages, _ := c.pagesSorted()
	part, parts, err := tocPart(c, templateArg(req, "part"))
	if err != nil {
		return nil, err
	}
	lo, hi := (part-1)*TOCPartSize, min(part*TOCPartSize, len(pages))
	counts := map[string]int{}
	var order []string
	for _, p := range pages {
		if counts[p.Section] == 0 {
			order = append(order, p.Section)
		}
		counts[p.Section]++
	}
	var b strings.Builder
	name := st.opts.Title
	if name == "" {
		name = st.opts.Name
	}
	fmt.Fprintf(&b, "# Table of contents: %s\n\n%d pages in %d sections. ", name, len(pages), len(order))
	if parts > 1 {
		fmt.Fprintf(&b, "This is part %d of %d (pages %d–%d). ", part, parts, lo+1, hi)
		if part < parts {
			fmt.Fprintf(&b, "Next part: docs://toc/%d. ", part+1)
		}
		b.WriteString("To find something specific, use the search_docs tool instead of reading every part.")
	}
	b.WriteString("\n")
	if part == 1 && len(order) > 1 {
		b.WriteString("\nSections: ")
		var s []string
		for _, sec := range order {
			s = append(s, fmt.Sprintf("%s (%d)", sectionName(sec), counts[sec]))
		}
		b.WriteString(strings.Join(capList(s, maxTOCSections, len(s)), ", "))
		b.WriteString("\n")
	}
	prev := "\x00"
	for _, p := range pages[lo:hi] {
		if p.Section != prev {
			fmt.Fprintf(&b, "\n## %s (%d pages)\n\n", sectionName(p.Section), counts[p.Section])
			prev = p.Section
		}
		writeTOCEntry(&b, p)
	}
	return []mcp.ResourceContents{mcp.TextResourceContents{URI: req.Params.URI, MIMEType: "text/markdown", Text: b.String()}}, nil
}

func sectionName(s string) string {
	if s == "" {
		return "(no section)"
	}
	return clip(s, maxTitleChars)
}

func writeTOCEntry(b *strings.Builder, p *source.Page) {
	title := clip(strings.Join(strings.Fields(p.Title), " "), maxTitleChars)
	if title == "" {
		title = p.ID
	}
	fmt.Fprintf(b, "- [%s](%s) — docs://pages/%s\n", title, pageURL(p), encodePath(p.Path))
}
