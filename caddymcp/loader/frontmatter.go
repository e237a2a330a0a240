package loader

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"go.yaml.in/yaml/v3"
)

// frontMatter is the subset of Hugo front matter the loaders use.
type frontMatter struct {
	Title       string
	Description string
	Summary     string
	Section     string
	Lang        string
	URL         string
	Slug        string
	Version     string
	Tags        []string
	Date        time.Time
	LastMod     time.Time
	Draft       bool
	Headless    bool
	// NoRender is build.render: never (or false): Hugo never publishes the
	// page on its own.
	NoRender bool
	// CascadeNoRender is cascade.build.render: never on a section
	// _index.md: Hugo publishes none of the section's descendants.
	CascadeNoRender bool
}

// splitFrontMatter separates YAML ("---") or TOML ("+++") front matter from
// the body. A file without front matter has an empty fm.
func splitFrontMatter(data []byte) (fm []byte, format string, body []byte) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	for _, d := range []string{"---", "+++"} {
		if !bytes.HasPrefix(data, []byte(d)) {
			continue
		}
		rest := data[len(d):]
		nl := bytes.IndexByte(rest, '\n')
		if nl < 0 || strings.TrimSpace(string(rest[:nl])) != "" {
			continue
		}
		rest = rest[nl+1:]
		for off := 0; off <= len(rest); {
			end := bytes.IndexByte(rest[off:], '\n')
			line := rest[off:]
			if end >= 0 {
				line = rest[off : off+end]
			}
			if strings.TrimRight(string(line), " \t\r") == d {
				body := []byte(nil)
				if end >= 0 {
					body = rest[off+end+1:]
				}
				format := "yaml"
				if d == "+++" {
					format = "toml"
				}
				return rest[:off], format, body
			}
			if end < 0 {
				break
			}
			off += end + 1
		}
	}
	return nil, "", data
}

// parseFrontMatter decodes front matter leniently: unknown keys and values of
// unexpected types are ignored, since real sites put anything there.
func parseFrontMatter(fm []byte, format string) (frontMatter, error) {
	var out frontMatter
	if len(bytes.TrimSpace(fm)) == 0 {
		return out, nil
	}
	m := map[string]any{}
	var err error
	if format == "toml" {
		_, err = toml.Decode(string(fm), &m)
	} else {
		err = yaml.Unmarshal(fm, &m)
	}
	if err != nil {
		return out, fmt.Errorf("front matter: %w", err)
	}
	m = lowerKeys(m)
	out.Title = str(m["title"])
	out.Description = str(m["description"])
	out.Summary = str(m["summary"])
	out.Section = str(m["section"])
	out.Lang = firstNonEmpty(str(m["lang"]), str(m["language"]))
	out.URL = str(m["url"])
	out.Slug = str(m["slug"])
	out.Version = str(m["version"])
	out.Tags = strList(m["tags"])
	out.Date = anyTime(m["date"])
	out.LastMod = anyTime(m["lastmod"])
	out.Draft = truthy(m["draft"])
	out.Headless = truthy(m["headless"])
	if b, ok := m["build"].(map[string]any); ok {
		out.NoRender = noRender(lowerKeys(b)["render"])
	}
	if c, ok := m["cascade"].(map[string]any); ok {
		if b, ok := lowerKeys(c)["build"].(map[string]any); ok {
			out.CascadeNoRender = noRender(lowerKeys(b)["render"])
		}
	}
	return out, nil
}

func noRender(v any) bool {
	switch x := v.(type) {
	case string:
		return strings.EqualFold(x, "never") || strings.EqualFold(x, "false")
	case bool:
		return !x
	}
	return false
}

func lowerKeys(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[strings.ToLower(k)] = v
	}
	return out
}

func str(v any) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case nil:
		return ""
	case time.Time:
		return x.Format(time.RFC3339)
	case map[string]any, []any:
		return ""
	}
	return strings.TrimSpace(fmt.Sprint(v))
}

func strList(v any) []string {
	switch x := v.(type) {
	case []any:
		var out []string
		for _, e := range x {
			if s := str(e); s != "" {
				out = append(out, s)
			}
		}
		return out
	case string:
		var out []string
		for _, s := range strings.Split(x, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		return strings.EqualFold(x, "true")
	}
	return false
}

func anyTime(v any) time.Time {
	switch x := v.(type) {
	case time.Time:
		return x
	case string:
		return parseTime(x)
	}
	return time.Time{}
}
