package loader

import (
	"context"
	"errors"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// markdownExts are the file name endings treated as Markdown.
var markdownExts = []string{".md", ".markdown", ".mdown"}

func isMarkdown(name string) bool {
	low := strings.ToLower(name)
	for _, e := range markdownExts {
		if strings.HasSuffix(low, e) {
			return true
		}
	}
	return false
}

// LoadMarkdownDir loads a tree of Markdown files with front matter, the way
// Hugo publishes a content directory: drafts, headless pages and pages with
// build.render: never (directly or by a section's cascade) are skipped;
// `_index.md` and `index.md` become their folder's URL; paths are lowercased;
// front matter `url` and `slug` take precedence. Permalinks are baseURL +
// path + "/" (baseURL may be empty, giving site-relative URLs).
func LoadMarkdownDir(dir, baseURL string) ([]source.Page, error) {
	return LoadSpec(context.Background(), source.Spec{Kind: source.KindMarkdown, Location: dir, BaseURL: baseURL})
}

func (t *tree) loadMarkdown() ([]source.Page, error) {
	files, err := t.walk(isMarkdown)
	if err != nil {
		return nil, err
	}
	// Section index files first so their cascade is known before their
	// children; then lexical order for stable output.
	sort.Slice(files, func(i, j int) bool {
		di, dj := path.Dir(files[i]), path.Dir(files[j])
		if di != dj {
			return di < dj
		}
		ii, ij := isIndexFile(files[i]), isIndexFile(files[j])
		if ii != ij {
			return ii
		}
		return files[i] < files[j]
	})
	l := &mdLoader{t: t, slug: anchorFor(t.spec.BaseURL), hidden: map[string]bool{}}
	var pages []source.Page
	skipped := 0
	for _, f := range files {
		if err := t.ctx.Err(); err != nil {
			return nil, err
		}
		p, ok, err := l.file(f)
		if err != nil {
			return nil, fmt.Errorf("source %s: %w", t.name, err)
		}
		if !ok {
			skipped++
			continue
		}
		pages = append(pages, p)
	}
	if len(pages) == 0 {
		return nil, fmt.Errorf("source %s: no usable pages (%d Markdown files, %d skipped as draft/headless/empty/outside the root)", t.name, len(files), skipped)
	}
	return dedupe(pages), nil
}

func isIndexFile(p string) bool {
	b := strings.ToLower(strings.TrimSuffix(path.Base(p), path.Ext(p)))
	return b == "_index" || b == "index"
}

// mdLoader holds per-tree state: which folders a cascade hides, and the
// included files read so far.
type mdLoader struct {
	t      *tree
	slug   func(string) string
	hidden map[string]bool // folder (slash path) -> descendants not rendered
	incs   map[string]string
}

func (l *mdLoader) isHidden(relDir string) bool {
	for d := relDir; ; d = path.Dir(d) {
		if l.hidden[d] {
			return true
		}
		if d == "." || d == "/" || d == "" {
			return false
		}
	}
}

// file loads one Markdown file (a slash path inside the root); ok is false
// for pages Hugo would not publish, that have neither title nor text, or
// that are not regular files inside the root.
func (l *mdLoader) file(rel string) (source.Page, bool, error) {
	data, fi, err := l.t.read(rel)
	if errors.Is(err, errSkip) {
		return source.Page{}, false, nil
	}
	if err != nil {
		return source.Page{}, false, err
	}
	relDir := path.Dir(rel)
	fmRaw, format, body := splitFrontMatter(data)
	fm, err := parseFrontMatter(fmRaw, format)
	if err != nil {
		return source.Page{}, false, fmt.Errorf("%s: %w", rel, err)
	}
	index := isIndexFile(rel)
	hiddenByParent := l.isHidden(relDir)
	if index && relDir != "." {
		// A section's own cascade applies to its descendants; the
		// parent's cascade applies to the section page itself.
		hiddenByParent = l.isHidden(path.Dir(relDir))
	}
	if index && fm.CascadeNoRender {
		l.hidden[relDir] = true
	}
	if fm.Draft || fm.Headless || fm.NoRender || hiddenByParent {
		return source.Page{}, false, nil
	}
	inc := &includer{read: l.include, max: l.t.max}
	secs := markdownSections(string(body), mdContext{slug: l.slug, include: inc, ctx: l.t.ctx})
	_, fileLang := splitLangSuffix(strings.TrimSuffix(rel, path.Ext(rel)))
	pg := source.Page{
		Title:   fm.Title,
		Summary: firstNonEmpty(fm.Description, fm.Summary),
		Section: fm.Section,
		Lang:    firstNonEmpty(fm.Lang, fileLang),
		Version: fm.Version,
		Tags:    fm.Tags,
		LastMod: fm.LastMod,
	}
	if pg.LastMod.IsZero() {
		pg.LastMod = fm.Date
	}
	if pg.LastMod.IsZero() {
		pg.LastMod = fi.ModTime().UTC()
	}
	if pg.Title == "" {
		for _, s := range secs {
			if s.Heading != "" {
				pg.Title = s.Heading
				break
			}
		}
	}
	if pg.Summary != "" && !strings.HasPrefix(secs[0].Text, pg.Summary) {
		// The site renders the description as the lead paragraph.
		secs[0].Text = strings.TrimSpace(pg.Summary + "\n\n" + secs[0].Text)
	}
	pg.Sections = secs
	if pg.Title == "" && strings.TrimSpace(pg.Text()) == "" {
		return source.Page{}, false, nil
	}
	pg.URL = joinBase(l.t.spec.BaseURL, hugoPath(rel, fm))
	finishPage(&pg)
	if pg.Title == "" {
		pg.Title = fallbackTitle(&pg)
	}
	return pg, true, nil
}

// hugoPath is the site-relative URL path Hugo gives a content file:
// "/methods/page/relpermalink/" for methods/page/RelPermalink.md.
func hugoPath(rel string, fm frontMatter) string {
	if fm.URL != "" {
		u := fm.URL
		if !strings.HasPrefix(u, "/") && !source.IsRemote(u) {
			u = "/" + u
		}
		return u
	}
	p := strings.TrimSuffix(rel, path.Ext(rel))
	lang := ""
	p, lang = splitLangSuffix(p)
	if lang != "" && lang != "en" {
		// Hugo's multilingual file names (page.fr.md): other than the
		// default language (en unless configured) live under /<lang>/.
		p = lang + "/" + p
	}
	dir, base := path.Split(p)
	if b := strings.ToLower(base); b == "_index" || b == "index" {
		base = ""
	}
	if fm.Slug != "" && base != "" {
		base = fm.Slug
	}
	p = strings.Trim(dir+base, "/")
	if p == "" {
		return "/"
	}
	return "/" + strings.ToLower(p) + "/"
}

// joinBase appends a site path to the base URL; unlike RFC 3986 resolution,
// "/x/" stays under the base's own path, as Hugo does for a baseURL with a
// path ("https://example.com/docs/" + "/x/" -> "https://example.com/docs/x/").
func joinBase(base, p string) string {
	if source.IsRemote(p) || base == "" {
		return p
	}
	return strings.TrimRight(base, "/") + p
}

// langSuffixRe matches a Hugo language code in a file name: "fr", "pt-br".
var langSuffixRe = regexp.MustCompile(`^[a-z]{2,3}(-[a-z]{2,4})?$`)

// splitLangSuffix splits "about/page.fr" into "about/page" and "fr".
func splitLangSuffix(p string) (string, string) {
	i := strings.LastIndexByte(p, '.')
	if i < 0 || strings.Contains(p[i:], "/") {
		return p, ""
	}
	if code := strings.ToLower(p[i+1:]); langSuffixRe.MatchString(code) {
		return p[:i], code
	}
	return p, ""
}
