package loader

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// LoadSiteRoot loads the directory a web server serves (source.Kind site_root), so
// that the docs index follows the site itself: dir/index.json when present
// (Hugo's JSON output), else the Markdown files under dir if there are any,
// else every *.html file (index.html is its folder's URL; 404.html, redirect
// stubs and noindex pages are skipped).
func LoadSiteRoot(dir, baseURL string) ([]source.Page, error) {
	return LoadSpec(context.Background(), source.Spec{Kind: source.KindSiteRoot, Location: dir, BaseURL: baseURL})
}

func (t *tree) loadSiteRoot() ([]source.Page, error) {
	if fi, err := fs.Stat(t.fsys, "index.json"); err == nil && fi.Mode().IsRegular() {
		return t.loadFile("index.json", parseIndexJSON)
	}
	mdCount := 0
	htmlFiles, err := t.walk(func(low string) bool {
		if isMarkdown(low) {
			mdCount++
		}
		return (strings.HasSuffix(low, ".html") || strings.HasSuffix(low, ".htm")) && low != "404.html"
	})
	if err != nil {
		return nil, err
	}
	if mdCount > 0 {
		return t.loadMarkdown()
	}
	if len(htmlFiles) == 0 {
		return nil, fmt.Errorf("source %s: no index.json, Markdown or HTML files", t.name)
	}
	sort.Strings(htmlFiles)
	var pages []source.Page
	for _, rel := range htmlFiles {
		if err := t.ctx.Err(); err != nil {
			return nil, err
		}
		urlPath := "/" + rel
		if b := path.Base(urlPath); strings.EqualFold(b, "index.html") || strings.EqualFold(b, "index.htm") {
			urlPath = strings.TrimSuffix(urlPath, b)
		}
		data, fi, err := t.read(rel)
		if errors.Is(err, errSkip) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("source %s: %w", t.name, err)
		}
		p, err := parseHTML(t.ctx, bytes.NewReader(data), joinBase(t.spec.BaseURL, urlPath))
		if errors.Is(err, ErrNotIndexable) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("source %s: %w", t.name, err)
		}
		if strings.TrimSpace(p.Text()) == "" {
			continue // nothing to search
		}
		if p.LastMod.IsZero() {
			p.LastMod = fi.ModTime().UTC()
		}
		pages = append(pages, p)
	}
	if len(pages) == 0 {
		return nil, fmt.Errorf("source %s: no usable pages (%d HTML files, all empty, redirects, noindex or outside the root)", t.name, len(htmlFiles))
	}
	return dedupe(pages), nil
}
