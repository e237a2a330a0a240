package caddymcp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// TestShortError: errors shown to MCP clients keep the final reason and
// lose paths and URLs.
func TestShortError(t *testing.T) {
	for in, want := range map[string]string{
		"": "",
		"source auto:https://x.test/index.json?token=abc: HTTP 503 Service Unavailable":                                                "HTTP 503 Service Unavailable",
		"source auto:/srv/www/public: open /srv/www/public/docs/a.md: permission denied":                                               "permission denied",
		`source auto:https://u:pw@x.test/i.json: Get "https://u:pw@x.test/i.json": dial tcp 10.0.0.5:443: connect: connection refused`: "connection refused",
		"source index_json:/a/b.json: parsing /a/b.json failed":                                                                        "parsing … failed",
		"source llms_txt:x: fetching https://x.test/y?k=v timed out":                                                                   "fetching … timed out",
		"source x: " + strings.Repeat("é", 300):                                                                                        strings.Repeat("é", 120) + "…",
	} {
		if got := shortError(in); got != want {
			t.Errorf("shortError(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSourceKinds: inferred kinds name what the loaders read.
func TestSourceKinds(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "index.json")
	if err := os.WriteFile(file, []byte("[]"), 0o644); err != nil {
		t.Fatal(err)
	}
	got := sourceKinds([]source.Spec{
		{Location: dir}, {Location: file}, {Location: "https://x.test/llms-full.txt?v=1"},
		{Location: "https://x.test/search.json"}, {Location: dir, Kind: source.KindMarkdown},
	})
	want := "site_root index_json llms_txt index_json markdown"
	if strings.Join(got, " ") != want {
		t.Fatalf("kinds %v, want %s", got, want)
	}
}

// TestRelativeLinks: only sources that build links from file paths and
// have no base_url are flagged (Provision warns about them).
func TestRelativeLinks(t *testing.T) {
	withIndex, plain := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(withIndex, "index.json"), []byte("[]"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		spec source.Spec
		kind string
		want bool
	}{
		{source.Spec{Location: plain}, "markdown", true},
		{source.Spec{Location: plain}, "site_root", true},
		{source.Spec{Location: withIndex}, "site_root", false}, // index.json has permalinks
		{source.Spec{Location: plain, BaseURL: "https://docs.example.com/"}, "markdown", false},
		{source.Spec{Location: "https://docs.example.com/index.json"}, "index_json", false},
		{source.Spec{Location: filepath.Join(withIndex, "index.json")}, "index_json", false},
	} {
		if got := relativeLinks(tc.spec, tc.kind); got != tc.want {
			t.Errorf("%s as %s: %v, want %v", tc.spec, tc.kind, got, tc.want)
		}
	}
}
