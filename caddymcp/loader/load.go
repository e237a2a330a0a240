package loader

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"strings"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// Load loads every spec in order and merges the pages (source.Merge: the
// order of specs is the precedence order). Any failing spec fails the whole
// load: a half-loaded index would silently hide documentation.
func Load(ctx context.Context, specs []source.Spec) ([]source.Page, error) {
	lists := make([][]source.Page, 0, len(specs))
	for _, spec := range specs {
		pages, err := LoadSpec(ctx, spec)
		if err != nil {
			return nil, err
		}
		lists = append(lists, pages)
	}
	return source.Merge(lists...), nil
}

// LoadSpec resolves and loads one source with default options.
func LoadSpec(ctx context.Context, spec source.Spec) ([]source.Page, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	l, err := Resolve(spec, Options{})
	if err != nil {
		return nil, err
	}
	res, err := l.Load(ctx)
	return res.Pages, err
}

// Parse parses the bytes of a file-like source, e.g. one fetched from a
// URL: spec.Kind, else the location's file name, picks the parser
// (llms*.txt is llms_txt, *.html a single HTML page, anything else
// index_json). Every page's Source is spec.String().
func Parse(r io.Reader, spec source.Spec) ([]source.Page, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("source %s: read: %w", spec, err)
	}
	return withDeadline(context.Background(), DefaultParseTimeout, spec.String(), func(ctx context.Context) ([]source.Page, error) {
		return parseBytes(ctx, data, spec, cmpKind(spec.Kind, cmpKind(kindFromName(spec.Location), source.KindIndexJSON)))
	})
}

func cmpKind(k, def source.Kind) source.Kind {
	if k != "" {
		return k
	}
	return def
}

// parseBytes runs the parser of a file kind.
func parseBytes(ctx context.Context, data []byte, spec source.Spec, kind source.Kind) (pages []source.Page, err error) {
	switch kind {
	case source.KindIndexJSON:
		pages, err = parseIndexJSON(ctx, data, spec)
	case source.KindLLMSTxt:
		pages, err = parseLLMSTxt(ctx, data, spec)
	case source.KindHTML:
		var p source.Page
		p, err = parseHTML(ctx, bytes.NewReader(data), spec.Location)
		if err != nil {
			return nil, fmt.Errorf("source %s: %w", spec, err)
		}
		pages = []source.Page{p}
	default:
		return nil, fmt.Errorf("source %s: kind %q cannot be parsed from a single file", spec, kind)
	}
	if err != nil {
		return nil, err
	}
	for i := range pages {
		pages[i].Source = spec.String()
	}
	return pages, nil
}

// kindFromName is the kind a file name tells (URL query ignored): .json
// is index_json; .txt and Markdown are llms_txt (llms.txt, llms-full.txt,
// docs.txt); .html and .htm one HTML page; "" when the name says nothing.
// It is the one reading of names: local and remote sources both use it.
func kindFromName(location string) source.Kind {
	name := location
	if i := strings.IndexAny(name, "?#"); i >= 0 {
		name = name[:i]
	}
	base := strings.ToLower(path.Base(filepath.ToSlash(name)))
	switch ext := path.Ext(base); {
	case ext == ".json":
		return source.KindIndexJSON
	case ext == ".txt" || isMarkdown(base):
		return source.KindLLMSTxt
	case ext == ".html" || ext == ".htm":
		return source.KindHTML
	}
	return ""
}

// dedupe keeps the first page of each ID.
func dedupe(pages []source.Page) []source.Page { return source.Merge(pages) }
