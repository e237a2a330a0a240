package loader

import (
	"context"
	"fmt"
	"io"
	"path"
	"regexp"
	"strings"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

var (
	// llmsLinkRe matches "- [name](url "title"): notes". The name may hold
	// backslash escapes ("Install \[beta\]", as llmstxt.Render writes it);
	// the URL may be "<...>" or hold one level of balanced parentheses
	// ("https://en.wikipedia.org/wiki/Go_(language)").
	llmsLinkRe   = regexp.MustCompile(`^\s*[-*+]\s+\[((?:[^\]\\]|\\.)+)\]\(\s*(<[^<>\n]*>|(?:[^()\s]|\([^()\s]*\))+)[^)]*\)\s*(?::\s*(.*))?$`)
	llmsSourceRe = regexp.MustCompile(`(?i)^\s*(?:source|url|permalink)\s*:\s*<?(\S+?)>?\s*$`)
	// h1Re matches "# Title" with an optional closing sequence, which
	// needs a blank before it: "# C#" is the title "C#".
	h1Re = regexp.MustCompile(`^#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$`)
)

// ParseLLMSTxt parses the llms.txt format (https://llmstxt.org).
//
// An llms-full.txt (many Markdown documents concatenated) is split at
// top-level "# " headings outside code fences; each document becomes a source.Page
// whose URL is taken from a "Source: <url>" (or "URL:") line right after the
// heading, else baseURL + a slug of the title.
//
// A plain llms.txt (one H1 title, a "> " summary, "## " sections of
// "- [name](url): notes" links) becomes one source.Page per link, whose text is
// only the notes and section name. Limitation: the linked documents are not
// fetched, so such pages are findable by title and notes only.
func ParseLLMSTxt(r io.Reader, spec source.Spec) ([]source.Page, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("source %s: read: %w", spec, err)
	}
	return parseLLMSTxt(context.Background(), data, spec)
}

func parseLLMSTxt(ctx context.Context, data []byte, spec source.Spec) ([]source.Page, error) {
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	docs := splitH1(ctx, text)
	var pages []source.Page
	full := strings.Contains(strings.ToLower(path.Base(spec.Location)), "full")
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if !full && len(docs) <= 1 && looksLikeLinkList(text) {
		pages = llmsLinks(text, spec)
	} else {
		pages = llmsDocs(ctx, docs, spec)
	}
	for i := range pages {
		pages[i].Source = spec.String()
	}
	if len(pages) == 0 {
		return nil, fmt.Errorf("source %s: no usable pages (no \"# \" documents or \"- [name](url)\" links found)", spec)
	}
	return dedupe(pages), nil
}

// llmsDoc is one "# Title" document of an llms-full.txt.
type llmsDoc struct {
	title string
	body  []string
}

// splitH1 splits text at "# " lines outside code fences. Text before the
// first H1 is dropped (it has no title).
func splitH1(ctx context.Context, text string) []llmsDoc {
	var docs []llmsDoc
	fence := ""
	for i, l := range strings.Split(text, "\n") {
		if i&4095 == 0 && ctx.Err() != nil {
			return nil
		}
		if m := fenceRe.FindStringSubmatch(l); m != nil {
			switch {
			case fence == "":
				fence = m[2]
			case strings.HasPrefix(strings.TrimSpace(l), fence) && strings.Trim(strings.TrimSpace(l), fence[:1]) == "":
				fence = ""
			}
		}
		if fence == "" {
			if m := h1Re.FindStringSubmatch(l); m != nil {
				docs = append(docs, llmsDoc{title: strings.TrimSpace(inlineText(m[1]))})
				continue
			}
		}
		if len(docs) > 0 {
			docs[len(docs)-1].body = append(docs[len(docs)-1].body, l)
		}
	}
	return docs
}

func looksLikeLinkList(text string) bool {
	for _, l := range strings.Split(text, "\n") {
		if llmsLinkRe.MatchString(l) {
			return true
		}
	}
	return false
}

func llmsDocs(ctx context.Context, docs []llmsDoc, spec source.Spec) []source.Page {
	slug := anchorFor(spec.BaseURL)
	var pages []source.Page
	for i, d := range docs {
		if i&63 == 0 && ctx.Err() != nil {
			return nil
		}
		body := d.body
		link := ""
		// A source line, if any, comes within the first few lines.
		for i := 0; i < len(body) && i < 5; i++ {
			if m := llmsSourceRe.FindStringSubmatch(body[i]); m != nil {
				link = m[1]
				body = append(body[:i:i], body[i+1:]...)
				break
			}
		}
		if link == "" {
			s := Anchorize(d.title)
			if s == "" {
				continue
			}
			link = joinBase(spec.BaseURL, "/"+s+"/")
		} else {
			link = resolveURL(spec.BaseURL, link)
		}
		secs := markdownSections(strings.Join(body, "\n"), mdContext{slug: slug, ctx: ctx})
		p := source.Page{Title: d.title, URL: link, Sections: secs}
		if strings.TrimSpace(p.Text()) == "" && p.Title == "" {
			continue
		}
		finishPage(&p)
		pages = append(pages, p)
	}
	return pages
}

func llmsLinks(text string, spec source.Spec) []source.Page {
	section := ""
	var pages []source.Page
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "## ") {
			section = strings.TrimSpace(strings.TrimPrefix(l, "## "))
			continue
		}
		m := llmsLinkRe.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		name, notes := strings.TrimSpace(inlineText(m[1])), strings.TrimSpace(inlineText(m[3]))
		lead := notes
		if section != "" {
			lead = strings.TrimSpace(notes + "\n\n" + section)
		}
		p := source.Page{
			Title:    name,
			URL:      resolveURL(spec.BaseURL, strings.TrimSuffix(strings.TrimPrefix(m[2], "<"), ">")),
			Summary:  notes,
			Sections: []source.Section{{Text: lead}},
		}
		finishPage(&p)
		if section != "" && !strings.EqualFold(section, "optional") {
			p.Section = section
		}
		pages = append(pages, p)
	}
	return pages
}
