package source

import (
	"strings"
	"testing"
)

// TestPublicLocation: URLs lose credentials, query and fragment; local
// paths keep their base name only (issue 9: status, instructions, admin
// API and logs never show the server's layout).
func TestPublicLocation(t *testing.T) {
	for in, want := range map[string]string{
		"./public/index.json": "index.json",
		"/srv/www/public/":    "public",
		"/var/www/current":    "current",
		"docs":                "docs",
		"https://user:pw@docs.example.com/index.json?token=abc#x": "https://docs.example.com/index.json",
		"http://docs.example.com/llms.txt":                        "http://docs.example.com/llms.txt",
	} {
		if got := PublicLocation(in); got != want {
			t.Errorf("PublicLocation(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSpecStringIsPublic: the name used in errors and logs hides secrets
// and paths; Key (the cache identity) keeps them apart.
func TestSpecStringIsPublic(t *testing.T) {
	a := Spec{Location: "https://u:secret@x.test/i.json?access_token=T"}
	b := Spec{Location: "https://x.test/i.json?access_token=U"}
	if s := a.String(); strings.Contains(s, "secret") || strings.Contains(s, "access_token") || s != "auto:https://x.test/i.json" {
		t.Errorf("String() = %q", s)
	}
	if l := (Spec{Kind: KindMarkdown, Location: "/home/op/site/content"}).String(); l != "markdown:content" {
		t.Errorf("local String() = %q", l)
	}
	if a.Key() == b.Key() {
		t.Error("Key does not tell sources with different tokens apart")
	}
}

func TestMerge(t *testing.T) {
	got := Merge([]Page{{ID: "a", Title: "1"}, {ID: "a", Title: "2"}}, []Page{{ID: "a", Title: "3"}, {ID: "b", Title: "4"}})
	if len(got) != 2 || got[0].Title != "1" || got[1].Title != "4" {
		t.Errorf("Merge = %+v", got)
	}
}

// TestIDAndPath: permalinks, IDs and paths give the same ID, so a page is
// found by any of them.
func TestIDAndPath(t *testing.T) {
	for in, want := range map[string]string{
		"https://d.test/docs/x/?q=1#a": "d.test/docs/x",
		"d.test/docs/x":                "d.test/docs/x",
		"/docs/x/":                     "docs/x",
		"http://localhost:1313/docs/":  "localhost:1313/docs",
		"localhost:1313/docs":          "localhost:1313/docs",
		"https://u:p@d.test/a%20b":     "d.test/a b",
	} {
		if id, _ := IDAndPath(in); id != want {
			t.Errorf("IDAndPath(%q) = %q, want %q", in, id, want)
		}
	}
}
