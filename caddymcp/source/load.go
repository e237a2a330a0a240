package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// ErrRemote is returned by LoadSpec for http(s) locations: fetching is the
// corpus package's job (it owns timeouts, caching and refresh), which then
// hands the bytes to ParseIndexJSON or ParseLLMSTxt.
var ErrRemote = errors.New("remote sources are loaded by corpus")

// IsRemote reports whether a location is an http(s) URL.
func IsRemote(location string) bool {
	l := strings.ToLower(location)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// Load loads every spec in order and merges the pages. When two pages share
// an ID, the first one wins, so the order of specs is the precedence order.
// Any failing spec fails the whole load: a half-loaded index would silently
// hide documentation.
func Load(ctx context.Context, specs []Spec) ([]Page, error) {
	var all []Page
	seen := make(map[string]bool)
	for _, spec := range specs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		pages, err := LoadSpec(ctx, spec)
		if err != nil {
			return nil, err
		}
		for _, p := range pages {
			if seen[p.ID] {
				continue
			}
			seen[p.ID] = true
			all = append(all, p)
		}
	}
	return all, nil
}

// LoadSpec loads one local source. Remote (http/https) locations return an
// error wrapping ErrRemote.
func LoadSpec(ctx context.Context, spec Spec) (pages []Page, err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	defer func() {
		// A loader bug on odd input must not take down the server.
		if r := recover(); r != nil {
			pages, err = nil, fmt.Errorf("source %s: internal error: %v", spec, r)
		}
	}()
	if IsRemote(spec.Location) {
		return nil, fmt.Errorf("source %s: %w", spec, ErrRemote)
	}
	kind, err := inferKind(spec)
	if err != nil {
		return nil, err
	}
	switch kind {
	case KindIndexJSON:
		pages, err = loadFile(spec, ParseIndexJSON)
	case KindMarkdown:
		pages, err = loadMarkdown(spec)
	case KindSiteRoot:
		pages, err = loadSiteRoot(spec)
	case KindLLMSTxt:
		pages, err = loadFile(spec, ParseLLMSTxt)
	default:
		return nil, fmt.Errorf("source %s: unknown kind %q", spec, kind)
	}
	if err != nil {
		return nil, err
	}
	return dedupe(tagSource(pages, spec)), nil
}

// tagSource records spec as the Source of every page.
func tagSource(pages []Page, spec Spec) []Page {
	src := spec.String()
	for i := range pages {
		pages[i].Source = src
	}
	return pages
}

// Parse parses the bytes of a file-like source, e.g. one the corpus package
// fetched from a URL: spec.Kind, else the location's file name, picks the
// parser (llms*.txt is llms_txt, *.html a single HTML page, anything else
// index_json). Every page's Source is spec.String().
func Parse(r io.Reader, spec Spec) (pages []Page, err error) {
	defer func() {
		if v := recover(); v != nil {
			pages, err = nil, fmt.Errorf("source %s: internal error: %v", spec, v)
		}
	}()
	kind := spec.Kind
	if kind == "" {
		kind = kindFromName(spec.Location)
	}
	switch kind {
	case KindIndexJSON:
		pages, err = ParseIndexJSON(r, spec)
	case KindLLMSTxt:
		pages, err = ParseLLMSTxt(r, spec)
	case KindHTML:
		var p Page
		p, err = ParseHTML(r, spec.Location)
		if err != nil {
			return nil, fmt.Errorf("source %s: %w", spec, err)
		}
		pages = []Page{p}
	default:
		return nil, fmt.Errorf("source %s: kind %q cannot be parsed from a single file", spec, kind)
	}
	if err != nil {
		return nil, err
	}
	return tagSource(pages, spec), nil
}

// KindHTML is a single HTML page, e.g. one fetched from a URL. Only Parse
// accepts it: it is no configurable source kind, since a local directory
// of HTML files is KindSiteRoot. A page that asks not to be indexed makes
// Parse fail with an error wrapping ErrNotIndexable, which callers should
// treat as "no pages", not as a failure.
const KindHTML Kind = "html"

// kindFromName infers a file's kind from its name (URL query ignored).
func kindFromName(location string) Kind {
	name := location
	if i := strings.IndexAny(name, "?#"); i >= 0 {
		name = name[:i]
	}
	base := strings.ToLower(path.Base(filepath.ToSlash(name)))
	switch {
	case strings.HasPrefix(base, "llms") && strings.HasSuffix(base, ".txt"):
		return KindLLMSTxt
	case strings.HasSuffix(base, ".html") || strings.HasSuffix(base, ".htm"):
		return KindHTML
	}
	return KindIndexJSON
}

// inferKind resolves an empty Kind from the location: a directory is a site
// root (which itself prefers index.json, then Markdown, then HTML), llms.txt
// file names are llms_txt, anything else is index_json.
func inferKind(spec Spec) (Kind, error) {
	if spec.Kind != "" {
		return spec.Kind, nil
	}
	fi, err := os.Stat(spec.Location)
	if err != nil {
		return "", fmt.Errorf("source %s: %w", spec, err)
	}
	if fi.IsDir() {
		return KindSiteRoot, nil
	}
	if k := kindFromName(spec.Location); k != KindHTML && !isMarkdown(spec.Location) {
		return k, nil
	}
	return "", fmt.Errorf("source %s: a single HTML or Markdown file is not a source; give its directory", spec)
}

func loadFile(spec Spec, parse func(r io.Reader, spec Spec) ([]Page, error)) ([]Page, error) {
	f, err := os.Open(spec.Location)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", spec, err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("source %s: is a directory, want a file", spec)
	}
	return parse(f, spec)
}

// dedupe keeps the first page of each ID.
func dedupe(pages []Page) []Page {
	seen := make(map[string]bool, len(pages))
	out := pages[:0]
	for _, p := range pages {
		if seen[p.ID] {
			continue
		}
		seen[p.ID] = true
		out = append(out, p)
	}
	return out
}
