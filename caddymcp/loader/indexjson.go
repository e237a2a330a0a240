package loader

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// indexEntry is one object of a Hugo-style index.json. Unknown fields are
// ignored; fields that sites spell differently have several candidates.
type indexEntry struct {
	Title       string          `json:"title"`
	Permalink   string          `json:"permalink"`
	URL         string          `json:"url"`
	Contents    string          `json:"contents"`
	Content     string          `json:"content"`
	LastMod     string          `json:"lastmod"`
	Date        string          `json:"date"`
	Section     string          `json:"section"`
	Lang        string          `json:"lang"`
	Summary     string          `json:"summary"`
	Description string          `json:"description"`
	Tags        json.RawMessage `json:"tags"`
	Version     json.RawMessage `json:"version"`
}

// ParseIndexJSON parses a Hugo-style index.json: a JSON array of objects with
// title, permalink, contents, lastmod|date, section, lang,
// summary|description, tags and version. Relative permalinks are resolved
// against spec.BaseURL. The plain-text contents are split into Sections at
// the lines that look like headings (see splitPlainText).
func ParseIndexJSON(r io.Reader, spec source.Spec) ([]source.Page, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("source %s: read: %w", spec, err)
	}
	return parseIndexJSON(context.Background(), data, spec)
}

func parseIndexJSON(ctx context.Context, data []byte, spec source.Spec) ([]source.Page, error) {
	entries, err := decodeEntries(data, spec)
	if err != nil {
		return nil, err
	}
	pages := make([]source.Page, 0, len(entries))
	src := spec.String()
	for i, e := range entries {
		if i&63 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if p, ok := e.page(spec); ok {
			p.Source = src
			pages = append(pages, p)
		}
	}
	switch {
	case len(entries) == 0:
		return nil, fmt.Errorf("source %s: no usable pages (the array is empty)", spec)
	case len(pages) == 0 && len(entries) == 1:
		return nil, fmt.Errorf("source %s: no usable pages (1 entry, without title/contents or permalink)", spec)
	case len(pages) == 0:
		return nil, fmt.Errorf("source %s: no usable pages (%d entries, all without title/contents or permalink)", spec, len(entries))
	}
	return dedupe(pages), nil
}

// decodeEntries decodes the array in one pass. Only when that fails does it
// decode again, value by value, to say precisely what is wrong (line and
// column, "not an array", which entry is not an object): encoding/json's
// own errors for a wrong type are terse, but paying for the detail on every
// load made parsing a 10k-page index three decodes long.
func decodeEntries(data []byte, spec source.Spec) ([]*indexEntry, error) {
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) > 0 && t[0] == '[' {
		var entries []*indexEntry
		if json.Unmarshal(data, &entries) == nil && !slices.Contains(entries, nil) {
			return entries, nil
		}
	}
	return nil, explainIndexJSON(data, spec)
}

// explainIndexJSON returns the error for data that did not decode as an
// array of page objects.
func explainIndexJSON(data []byte, spec source.Spec) error {
	var raw json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("source %s: invalid JSON: %s", spec, describeJSONError(data, err))
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '[' {
		return fmt.Errorf("source %s: JSON value is %s, want an array of page objects", spec, jsonKind(raw))
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return fmt.Errorf("source %s: invalid JSON: %s", spec, describeJSONError(data, err))
	}
	for i, item := range items {
		item = bytes.TrimSpace(item)
		if len(item) == 0 || item[0] != '{' {
			return fmt.Errorf("source %s: entry %d is %s, want an object", spec, i, jsonKind(item))
		}
		var e indexEntry
		if err := json.Unmarshal(item, &e); err != nil {
			return fmt.Errorf("source %s: entry %d: %v", spec, i, err)
		}
	}
	// Unreachable unless encoding/json disagrees with itself.
	return fmt.Errorf("source %s: not an array of page objects", spec)
}

// page converts an entry; ok is false when it has no permalink or neither a
// title nor contents, since such an entry can be neither found nor linked.
func (e *indexEntry) page(spec source.Spec) (source.Page, bool) {
	link := strings.TrimSpace(firstNonEmpty(e.Permalink, e.URL))
	contents := firstNonEmpty(e.Contents, e.Content)
	title := strings.TrimSpace(e.Title)
	if link == "" || (title == "" && strings.TrimSpace(contents) == "") {
		return source.Page{}, false
	}
	p := source.Page{
		Title:   title,
		URL:     resolveURL(spec.BaseURL, link),
		Summary: strings.TrimSpace(firstNonEmpty(e.Summary, e.Description)),
		Section: strings.TrimSpace(e.Section),
		Lang:    strings.TrimSpace(e.Lang),
		Version: scalarString(e.Version),
		Tags:    stringList(e.Tags),
		LastMod: parseTime(firstNonEmpty(e.LastMod, e.Date)),
	}
	p.Sections = splitPlainText(contents, anchorFor(p.URL))
	finishPage(&p)
	if p.Title == "" {
		p.Title = fallbackTitle(&p)
	}
	return p, true
}

// fallbackTitle is the first heading, else the first short line, else the
// last path segment.
func fallbackTitle(p *source.Page) string {
	for _, s := range p.Sections {
		if s.Heading != "" {
			return s.Heading
		}
	}
	for _, s := range p.Sections {
		for _, l := range strings.Split(s.Text, "\n") {
			if l = strings.TrimSpace(l); l != "" && len(l) <= 80 {
				return l
			}
			if l != "" {
				break
			}
		}
	}
	if i := strings.LastIndexByte(p.Path, '/'); i >= 0 {
		return p.Path[i+1:]
	}
	if p.Path != "" {
		return p.Path
	}
	return p.ID
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

// timeLayouts are the date forms seen in front matter and index files.
var timeLayouts = []string{
	time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05", "2006-01-02",
}

// parseTime parses a date leniently; zero when absent or unparseable.
func parseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

// scalarString accepts a JSON string or number (versions like 2.7 or "v2").
func scalarString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// stringList accepts a JSON array of strings or a single comma-separated
// string.
func stringList(raw json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	var list []string
	if json.Unmarshal(raw, &list) != nil {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil
		}
		list = strings.Split(s, ",")
	}
	out := list[:0]
	for _, t := range list {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// jsonKind names the type of a JSON value for error messages.
func jsonKind(raw []byte) string {
	if len(raw) == 0 {
		return "empty"
	}
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}

// describeJSONError adds line and column to a syntax error, which
// encoding/json reports only as a byte offset.
func describeJSONError(data []byte, err error) string {
	var off int64 = -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	}
	if off < 0 {
		return err.Error()
	}
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := off - int64(bytes.LastIndexByte(data[:off], '\n'))
	return fmt.Sprintf("%v (line %d, column %d, offset %d)", err, line, col, off)
}
