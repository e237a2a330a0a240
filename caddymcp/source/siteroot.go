package source

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// LoadSiteRoot loads the directory a web server serves (Kind site_root), so
// that the docs index follows the site itself: dir/index.json when present
// (Hugo's JSON output), else the Markdown files under dir if there are any,
// else every *.html file (index.html is its folder's URL; 404.html, redirect
// stubs and noindex pages are skipped).
func LoadSiteRoot(dir, baseURL string) ([]Page, error) {
	return LoadSpec(context.Background(), Spec{Kind: KindSiteRoot, Location: dir, BaseURL: baseURL})
}

func loadSiteRoot(spec Spec) ([]Page, error) {
	dir := spec.Location
	if err := checkDir(spec); err != nil {
		return nil, err
	}
	if idx := filepath.Join(dir, "index.json"); isFile(idx) {
		return loadFile(Spec{Kind: KindIndexJSON, Location: idx, BaseURL: spec.BaseURL}, ParseIndexJSON)
	}
	var mdFiles, htmlFiles []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != dir && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		low := strings.ToLower(d.Name())
		switch {
		case isMarkdown(low):
			mdFiles = append(mdFiles, p)
		case strings.HasSuffix(low, ".html") || strings.HasSuffix(low, ".htm"):
			if low != "404.html" {
				htmlFiles = append(htmlFiles, p)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", spec, err)
	}
	if len(mdFiles) > 0 {
		return loadMarkdown(spec)
	}
	if len(htmlFiles) == 0 {
		return nil, fmt.Errorf("source %s: no index.json, Markdown or HTML files", spec)
	}
	sort.Strings(htmlFiles)
	var pages []Page
	for _, f := range htmlFiles {
		rel, _ := filepath.Rel(dir, f)
		urlPath := "/" + filepath.ToSlash(rel)
		if b := path.Base(urlPath); strings.EqualFold(b, "index.html") || strings.EqualFold(b, "index.htm") {
			urlPath = strings.TrimSuffix(urlPath, b)
		}
		p, err := parseHTMLFile(f, joinBase(spec.BaseURL, urlPath))
		if errors.Is(err, ErrNotIndexable) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("source %s: %w", spec, err)
		}
		if strings.TrimSpace(p.Text()) == "" {
			continue // nothing to search
		}
		if p.LastMod.IsZero() {
			if fi, err := os.Stat(f); err == nil {
				p.LastMod = fi.ModTime().UTC()
			}
		}
		pages = append(pages, p)
	}
	if len(pages) == 0 {
		return nil, fmt.Errorf("source %s: no usable pages (%d HTML files, all empty, redirects or noindex)", spec, len(htmlFiles))
	}
	return dedupe(pages), nil
}

func parseHTMLFile(name, pageURL string) (Page, error) {
	f, err := os.Open(name)
	if err != nil {
		return Page{}, err
	}
	defer f.Close()
	return ParseHTML(f, pageURL)
}

// checkDir fails unless the spec's location is a directory, naming the
// source (directory kinds: markdown and site_root).
func checkDir(spec Spec) error {
	fi, err := os.Stat(spec.Location)
	if err != nil {
		return fmt.Errorf("source %s: %w", spec, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("source %s: not a directory (kind %s reads a folder)", spec, spec.Kind)
	}
	return nil
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}
