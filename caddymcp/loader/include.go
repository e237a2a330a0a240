package loader

import (
	"path"
	"strings"
)

// Bounds on Hugo include shortcodes, per page (nested includes count):
// without them 40 includes of 40 includes of 40 turn 4 KB on disk into
// 64 MB of page text.
const (
	maxIncludes     = 64
	maxIncludeDepth = 3
	maxIncludeBytes = 4 << 20
)

// includer resolves the include shortcodes of one page.
type includer struct {
	read  func(rel string) (string, bool) // reads a content file of the tree
	max   int64                           // bytes the includes may add
	count int
	bytes int64
}

// get returns the body of an include target, or false when the target is
// not a content file inside the tree or the page's budget is spent.
func (in *includer) get(target string) (string, bool) {
	if in.count >= maxIncludes {
		return "", false
	}
	rel, ok := includePath(target)
	if !ok {
		return "", false
	}
	body, ok := in.read(rel)
	if !ok || in.bytes+int64(len(body)) > min(in.max, maxIncludeBytes) {
		return "", false
	}
	in.count++
	in.bytes += int64(len(body))
	return body, true
}

// includePath turns an include target into a slash path relative to the
// tree's root: '\' separates too (as filepath.Join would on Windows);
// "..", hidden segments (".git", ".env"), drive letters and anything but a
// Markdown file are refused (a name without extension means name.md, as
// Hugo's docs write it).
func includePath(target string) (string, bool) {
	var segs []string
	for _, s := range strings.Split(strings.ReplaceAll(target, "\\", "/"), "/") {
		switch {
		case s == "" || s == ".":
			continue
		case s == ".." || hiddenName(s) || strings.ContainsAny(s, ":\x00"):
			return "", false
		}
		segs = append(segs, s)
	}
	if len(segs) == 0 {
		return "", false
	}
	rel := strings.Join(segs, "/")
	if !isMarkdown(rel) {
		if path.Ext(rel) != "" && !strings.Contains(path.Ext(rel), " ") {
			return "", false
		}
		rel += ".md"
	}
	return rel, true
}

// include reads an include target for the page being converted; bodies
// are read once per load.
func (l *mdLoader) include(rel string) (string, bool) {
	if body, ok := l.incs[rel]; ok {
		return body, true
	}
	data, _, err := l.t.read(rel)
	if err != nil {
		return "", false
	}
	_, _, body := splitFrontMatter(data)
	if l.incs == nil {
		l.incs = map[string]string{}
	}
	l.incs[rel] = string(body)
	return string(body), true
}
