package source

import (
	"net/url"
	"path"
	"path/filepath"
	"strings"
)

// Kind names a type of source.
type Kind string

const (
	// KindIndexJSON is a Hugo-style index.json: a JSON array of page objects.
	KindIndexJSON Kind = "index_json"
	// KindMarkdown is a directory tree of Markdown files with front matter.
	KindMarkdown Kind = "markdown"
	// KindSiteRoot is the directory a web server serves: its index.json if
	// present, else its Markdown files, else its HTML files.
	KindSiteRoot Kind = "site_root"
	// KindLLMSTxt is an llms.txt or llms-full.txt file (https://llmstxt.org).
	KindLLMSTxt Kind = "llms_txt"
	// KindHTML is a single HTML page, e.g. one fetched from a URL. It is no
	// configurable source kind, since a local directory of HTML files is
	// KindSiteRoot; a remote URL ending in .html (or served as text/html)
	// is read as one.
	KindHTML Kind = "html"
)

// ConfigKinds are the kinds a configuration may name.
var ConfigKinds = []Kind{KindIndexJSON, KindMarkdown, KindSiteRoot, KindLLMSTxt}

// Redirect policies of a remote source (Spec.FollowRedirects).
const (
	// RedirectsSameOrigin follows redirects within the configured URL's
	// origin only (an http -> https upgrade of the same host included).
	RedirectsSameOrigin = "same_origin"
	// RedirectsAny follows redirects to other hosts too, but never from
	// https to http, nor to a loopback, private or link-local address
	// unless the configured URL itself is one.
	RedirectsAny = "any"
	// RedirectsOff follows no redirect: a 3xx is an error.
	RedirectsOff = "off"
)

// Spec describes one source as configured. Its String form is the source's
// public name (errors, logs, status); Key is its full identity.
type Spec struct {
	// Kind is the source type. Empty means: infer from Location
	// (a directory is KindSiteRoot, which loads its index.json if any,
	// else its Markdown files (as KindMarkdown), else its HTML files;
	// llms*.txt files are KindLLMSTxt; other files are KindIndexJSON).
	Kind Kind `json:"kind,omitempty"`
	// Location is a file path, directory path or URL.
	Location string `json:"location"`
	// BaseURL is the public site URL used to build permalinks for sources
	// that have none (Markdown trees), e.g. "https://docs.example.com/".
	BaseURL string `json:"base_url,omitempty"`
	// FollowRedirects is the redirect policy of a remote source:
	// same_origin (default), any (other hosts too; never https -> http,
	// never to loopback, private or link-local addresses unless the
	// configured URL is one), or off.
	FollowRedirects string `json:"follow_redirects,omitempty"`
}

// String is the source's public name: kind and PublicLocation, never an
// absolute path, credentials or a query. It is what errors, logs, the
// status and the admin API show.
func (s Spec) String() string {
	k := string(s.Kind)
	if k == "" {
		k = "auto"
	}
	return k + ":" + PublicLocation(s.Location)
}

// Key is the source's full identity (absolute location, base URL and
// options): the cache key of an index. It may hold secrets; never show it.
func (s Spec) Key() string {
	k := string(s.Kind)
	if k == "" {
		k = "auto"
	}
	str := k + ":" + s.Location
	if s.BaseURL != "" {
		str += "@" + s.BaseURL
	}
	if s.FollowRedirects != "" {
		str += " redirects=" + s.FollowRedirects
	}
	return str
}

// PublicLocation is a location fit for anyone to read: a URL without user
// info, query or fragment (where access tokens live), a local path by its
// base name only (the absolute path says how the server is laid out).
func PublicLocation(loc string) string {
	if !IsRemote(loc) {
		b := filepath.Base(filepath.Clean(loc))
		if b == "." || b == string(filepath.Separator) {
			return b
		}
		return path.Base(filepath.ToSlash(b))
	}
	u, err := url.Parse(loc)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	return u.String()
}

// IsRemote reports whether a location is an http(s) URL.
func IsRemote(location string) bool {
	l := strings.ToLower(location)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}
