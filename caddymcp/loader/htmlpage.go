package loader

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// ErrNotIndexable is returned by ParseHTML for pages a site does not want
// indexed (meta refresh redirect stubs such as Hugo aliases, robots
// noindex); LoadSiteRoot drops them silently.
var ErrNotIndexable = errors.New("page is a redirect or noindex")

// skippedElems hold site chrome or non-text, not page content.
var skippedElems = map[atom.Atom]bool{
	atom.Nav: true, atom.Header: true, atom.Footer: true, atom.Aside: true,
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Form: true, atom.Svg: true, atom.Iframe: true, atom.Button: true,
	atom.Select: true, atom.Textarea: true, atom.Head: true,
}

// blockElems start and end on their own line in the text.
var blockElems = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.Section: true, atom.Article: true, atom.Main: true,
	atom.Ul: true, atom.Ol: true, atom.Li: true, atom.Dl: true, atom.Dt: true, atom.Dd: true,
	atom.Table: true, atom.Tr: true, atom.Blockquote: true, atom.Pre: true, atom.Br: true,
	atom.Hr: true, atom.Figure: true, atom.Figcaption: true, atom.Details: true, atom.Summary: true,
	atom.Body: true, atom.Thead: true, atom.Tbody: true,
}

var headingLevel = map[atom.Atom]int{atom.H1: 1, atom.H2: 2, atom.H3: 3, atom.H4: 4, atom.H5: 5, atom.H6: 6}

// ParseHTML extracts a source.Page from one HTML document: the title (<title>, else
// the first h1), the main text (the <main> or <article> element when there is
// one, else <body>) without navigation, headers, footers, asides, scripts and
// forms, split into Sections at h1-h6 whose id attribute is the Anchor (a
// slug of the text when absent). <pre> blocks are kept verbatim.
func ParseHTML(r io.Reader, pageURL string) (source.Page, error) {
	return parseHTML(context.Background(), r, pageURL)
}

func parseHTML(ctx context.Context, r io.Reader, pageURL string) (source.Page, error) {
	doc, err := html.Parse(r)
	if err != nil {
		return source.Page{}, fmt.Errorf("parse HTML %s: %w", pageURL, err)
	}
	p := source.Page{URL: pageURL}
	var body, mainEl, article *html.Node
	var walkHead func(n *html.Node)
	walkHead = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.DataAtom {
			case atom.Html:
				p.Lang = strings.ToLower(attr(n, "lang"))
			case atom.Title:
				if p.Title == "" {
					p.Title = collapseSpace(textOf(n))
				}
			case atom.Meta:
				name := strings.ToLower(attr(n, "name") + attr(n, "property"))
				content := attr(n, "content")
				switch {
				case name == "description" && p.Summary == "":
					p.Summary = strings.TrimSpace(content)
				case name == "robots" && strings.Contains(strings.ToLower(content), "noindex"):
					err = ErrNotIndexable
				case name == "article:modified_time":
					p.LastMod = parseTime(content)
				case strings.EqualFold(attr(n, "http-equiv"), "refresh"):
					err = ErrNotIndexable
				}
			case atom.Body:
				body = n
			case atom.Main:
				if mainEl == nil {
					mainEl = n
				}
			case atom.Article:
				if article == nil {
					article = n
				}
			}
			if strings.EqualFold(attr(n, "role"), "main") && mainEl == nil {
				mainEl = n
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walkHead(c)
		}
	}
	walkHead(doc)
	if err != nil {
		return source.Page{}, err
	}
	root := mainEl
	if root == nil {
		root = article
	}
	if root == nil {
		root = body
	}
	ex := &htmlExtractor{slug: anchorFor(pageURL), ids: newAnchorSet(), secs: []source.Section{{}}, ctx: ctx}
	if root != nil {
		ex.walk(root, false)
	}
	ex.flush()
	p.Sections = ex.secs
	if p.Title == "" {
		for _, s := range p.Sections {
			if s.Level == 1 {
				p.Title = s.Heading
				break
			}
		}
	}
	finishPage(&p)
	if p.Title == "" {
		p.Title = fallbackTitle(&p)
	}
	return p, nil
}

// htmlExtractor accumulates text and sections while walking the tree.
type htmlExtractor struct {
	ctx   context.Context // checked every 4096 nodes
	nodes int
	slug  func(string) string
	ids   *anchorSet
	secs  []source.Section
	buf   strings.Builder
}

func (e *htmlExtractor) newline() {
	s := e.buf.String()
	if s != "" && !strings.HasSuffix(s, "\n") {
		e.buf.WriteByte('\n')
	}
}

func (e *htmlExtractor) flush() {
	lines := strings.Split(e.buf.String(), "\n")
	e.secs[len(e.secs)-1].Text = tidy(lines)
	e.buf.Reset()
}

func (e *htmlExtractor) walk(n *html.Node, pre bool) {
	if e.nodes++; e.nodes&4095 == 0 && e.ctx.Err() != nil {
		return
	}
	switch n.Type {
	case html.TextNode:
		if pre {
			e.buf.WriteString(n.Data)
			return
		}
		t := collapseSpace(n.Data)
		if t == "" {
			if strings.TrimSpace(n.Data) == "" && n.Data != "" && !strings.HasSuffix(e.buf.String(), " ") && !strings.HasSuffix(e.buf.String(), "\n") {
				e.buf.WriteByte(' ')
			}
			return
		}
		if n.Data[0] == ' ' || n.Data[0] == '\n' || n.Data[0] == '\t' {
			if s := e.buf.String(); s != "" && !strings.HasSuffix(s, " ") && !strings.HasSuffix(s, "\n") {
				e.buf.WriteByte(' ')
			}
		}
		e.buf.WriteString(t)
		if last := n.Data[len(n.Data)-1]; last == ' ' || last == '\n' || last == '\t' {
			e.buf.WriteByte(' ')
		}
		return
	case html.ElementNode:
		if skippedElems[n.DataAtom] {
			return
		}
		if lv, ok := headingLevel[n.DataAtom]; ok {
			e.heading(n, lv)
			return
		}
		block := blockElems[n.DataAtom]
		if block {
			e.newline()
		}
		isPre := pre || n.DataAtom == atom.Pre
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			e.walk(c, isPre)
		}
		if block {
			e.newline()
			if n.DataAtom == atom.P || n.DataAtom == atom.Pre {
				e.buf.WriteByte('\n')
			}
		}
		if n.DataAtom == atom.Td || n.DataAtom == atom.Th {
			e.buf.WriteString("  ")
		}
	default:
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			e.walk(c, pre)
		}
	}
}

// heading starts a new section; the anchor is the heading's id, else an id
// on an anchor inside it (some generators put it there), else a slug.
func (e *htmlExtractor) heading(n *html.Node, level int) {
	// Heading permalink widgets ("#", "¶", "🔗") are not part of the title.
	text := strings.TrimSpace(strings.Trim(collapseSpace(textOf(n)), "#¶🔗§ "))
	if text == "" {
		return
	}
	if len(e.secs) >= maxSections {
		e.newline()
		e.buf.WriteString(text)
		e.newline()
		return
	}
	e.flush()
	id := attr(n, "id")
	if id == "" {
		var find func(*html.Node)
		find = func(c *html.Node) {
			for ; c != nil && id == ""; c = c.NextSibling {
				if c.Type == html.ElementNode {
					if v := attr(c, "id"); v != "" {
						id = v
					} else if v := attr(c, "name"); c.DataAtom == atom.A && v != "" {
						id = v
					}
					find(c.FirstChild)
				}
			}
		}
		find(n.FirstChild)
	}
	if id == "" {
		id = e.slug(text)
	}
	e.secs = append(e.secs, source.Section{Heading: text, Level: level, Anchor: e.ids.unique(id)})
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if strings.EqualFold(a.Key, key) {
			return a.Val
		}
	}
	return ""
}

// textOf is the text content of n, without skipped elements.
func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
			return
		}
		if n.Type == html.ElementNode && n.DataAtom != atom.Title && skippedElems[n.DataAtom] {
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

func collapseSpace(s string) string { return strings.Join(strings.Fields(s), " ") }
