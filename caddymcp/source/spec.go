package source

// Kind names a type of source.
type Kind string

const (
	// KindIndexJSON is a Hugo-style index.json: a JSON array of page objects.
	KindIndexJSON Kind = "index_json"
	// KindMarkdown is a directory tree of Markdown files with front matter.
	KindMarkdown Kind = "markdown"
)

// Spec describes one source as configured. Its String form is used in
// error messages and, for a list of specs, as the index cache key.
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
}

func (s Spec) String() string {
	k := string(s.Kind)
	if k == "" {
		k = "auto"
	}
	str := k + ":" + s.Location
	if s.BaseURL != "" {
		str += "@" + s.BaseURL
	}
	return str
}

const (
	// KindSiteRoot is the directory a web server serves: its index.json if
	// present, else its Markdown files, else its HTML files.
	KindSiteRoot Kind = "site_root"
	// KindLLMSTxt is an llms.txt or llms-full.txt file (https://llmstxt.org).
	KindLLMSTxt Kind = "llms_txt"
)
