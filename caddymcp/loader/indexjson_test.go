package loader

import (
	"strings"
	"testing"
	"time"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

func TestParseIndexJSONFields(t *testing.T) {
	in := `[
	 {"title": "Rel", "permalink": "/guide/intro/", "contents": "Hello.", "lastmod": "2024-05-01T10:00:00Z",
	  "section": "guides", "lang": "de", "description": "Desc", "tags": ["a", " b "], "version": 2.7, "extra": {"x": 1}},
	 {"title": "Folder", "permalink": "sub/page", "contents": "Text", "date": "2023-01-02", "summary": "Sum", "tags": "x, y", "version": "v1"},
	 {"title": "Abs", "permalink": "https://other.example/p?q=1#frag", "contents": "Abs text"},
	 {"title": "", "permalink": "/notitle/", "contents": "First line as title\nmore"}
	]`
	pages, err := ParseIndexJSON(strings.NewReader(in), source.Spec{Location: "x.json", BaseURL: "https://docs.example.com/docs/"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		got, want any
	}{
		{pages[0].URL, "https://docs.example.com/guide/intro/"},
		{pages[0].ID, "docs.example.com/guide/intro"},
		{pages[0].Path, "guide/intro"},
		{pages[0].Section, "guides"},
		{pages[0].Lang, "de"},
		{pages[0].Summary, "Desc"},
		{strings.Join(pages[0].Tags, "|"), "a|b"},
		{pages[0].Version, "2.7"},
		{pages[0].LastMod, time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)},
		{pages[1].URL, "https://docs.example.com/docs/sub/page"},
		{pages[1].Section, "docs"},
		{pages[1].Lang, "en"},
		{pages[1].Summary, "Sum"},
		{strings.Join(pages[1].Tags, "|"), "x|y"},
		{pages[1].Version, "v1"},
		{pages[1].LastMod, time.Date(2023, 1, 2, 0, 0, 0, 0, time.UTC)},
		{pages[2].ID, "other.example/p"},
		{pages[2].Path, "p"},
		{pages[3].Title, "First line as title"},
	}
	for i, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("case %d: got %v, want %v", i, tc.got, tc.want)
		}
	}
}

// A Caddy-like page: title line, lead, a hand-written TOC, then headings as
// bare lines glued to their neighbours.
const caddyLike = `reverse_proxy
Proxies requests to one or more backends.

Syntax
Upstreams
  Upstream addresses
Load balancing
Syntax
reverse_proxy [<matcher>] [<upstreams...>] {
	# backends
	to <upstreams...>
}
Upstreams
<upstreams...> is a list of upstreams (backends) to which to proxy.
Upstream addresses
Static upstream addresses can take the form of a URL that contains only scheme and host/port.

localhost:4000
127.0.0.1:4000
Load balancing
Load balancing is used whenever more than one upstream is defined.

Short list item one
Short list item two
Short list item three
`

func TestSplitPlainTextCaddyTOC(t *testing.T) {
	secs := splitPlainText(caddyLike, DashAnchorize)
	var got []string
	for _, s := range secs[1:] {
		got = append(got, s.Heading+"/"+s.Anchor+"/"+string(rune('0'+s.Level)))
	}
	want := []string{
		"reverse_proxy/reverse-proxy/1", "Syntax/syntax/2", "Upstreams/upstreams/2",
		"Upstream addresses/upstream-addresses/3", "Load balancing/load-balancing/2",
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("headings\n got %v\nwant %v", got, want)
	}
	if strings.Contains(secs[0].Text, "Upstream addresses") {
		t.Errorf("TOC lines kept in lead: %q", secs[0].Text)
	}
	if !strings.Contains(secs[2].Text, "# backends") || !strings.Contains(secs[2].Text, "\tto <upstreams...>") {
		t.Errorf("code not verbatim in Syntax section: %q", secs[2].Text)
	}
}

func TestSplitPlainTextShapes(t *testing.T) {
	tests := []struct {
		name, in string
		heads    []string
	}{
		{"heading between paragraphs", "Intro paragraph that ends properly.\nInstallation\nRun the installer and follow the prompts on the screen.", []string{"Installation"}},
		{"list of short lines is not headings", "Choose one:\nApples\nPears\nPlums\n\nDone.", nil},
		{"code lines are not headings", "Example:\n\n{{ range .Pages }}\nfoo = 'bar'\n{{ end }}\n\nMore text here that is prose.", nil},
		{"definition term", "Options are below.\n\ncodeFences\n(bool) Whether to highlight code fences. Default is true.", nil},
		{"sentence is not a heading", "This line is a sentence.\nAnother sentence follows here.", nil},
		{"heading after blank before prose", "Lead.\n\nGetting started\nFirst, install the program on your machine and run it.", []string{"Getting started"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, s := range splitPlainText(tc.in, Anchorize)[1:] {
				got = append(got, s.Heading)
			}
			if strings.Join(got, "|") != strings.Join(tc.heads, "|") {
				t.Errorf("got %q, want %q", got, tc.heads)
			}
		})
	}
}

func TestAnchorize(t *testing.T) {
	tests := []struct {
		f        func(string) string
		in, want string
	}{
		{Anchorize, "Upstream addresses", "upstream-addresses"},
		{Anchorize, "Food & Drink", "food--drink"},
		{Anchorize, "The http transport", "the-http-transport"},
		{Anchorize, "snake_case option", "snake_case-option"},
		{Anchorize, "What is a taxonomy?", "what-is-a-taxonomy"},
		{DashAnchorize, "client_ip_headers", "client-ip-headers"},
		{DashAnchorize, "A/AAAA", "aaaaa"},
		{DashAnchorize, "Arch Linux, Manjaro, Parabola", "arch-linux-manjaro-parabola"},
		{DashAnchorize, "GET /config/[path]", "get-configpath"},
	}
	for _, tc := range tests {
		if got := tc.f(tc.in); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.in, got, tc.want)
		}
	}
	a := newAnchorSet()
	if got := []string{a.unique("x"), a.unique("x"), a.unique("x-1"), a.unique("x")}; strings.Join(got, ",") != "x,x-1,x-1-1,x-2" {
		t.Errorf("unique: %v", got)
	}
}

// TestParseIndexJSONErrors: the one-pass decode falls back to the detailed
// messages for every kind of bad input, including ones encoding/json would
// accept into a slice of structs (a null entry, a null document).
func TestParseIndexJSONErrors(t *testing.T) {
	ok := `{"title": "A", "permalink": "/a/", "contents": "x"}`
	tests := []struct{ in, want string }{
		{"[" + ok + ", null]", "entry 1 is null, want an object"},
		{"[" + ok + ", " + ok + ", [1]]", "entry 2 is an array, want an object"},
		{"[" + ok + ", {\"title\": 5}]", "entry 1: json: cannot unmarshal number"},
		{"[" + ok + "]\n]", "invalid JSON: invalid character ']' after top-level value (line 2, "},
		{"null", "JSON value is null, want an array"},
		{"  \n", "invalid JSON: unexpected end of JSON input"},
		{"[" + ok + ",\n {\"title\": \"B\"\n", "invalid JSON: unexpected end of JSON input"},
		{`[{"title": "no link"}]`, "no usable pages (1 entry, without"},
	}
	for _, tc := range tests {
		_, err := ParseIndexJSON(strings.NewReader(tc.in), source.Spec{Location: "x.json"})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%.40q: error %v, want %q", tc.in, err, tc.want)
		}
	}
	pages, err := ParseIndexJSON(strings.NewReader(" \n["+ok+"]\n"), source.Spec{Location: "x.json"})
	if err != nil || len(pages) != 1 || pages[0].Source != "auto:x.json" {
		t.Errorf("padded array: %v %+v", err, pages)
	}
}
