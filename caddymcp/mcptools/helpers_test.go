package mcptools

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/search"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

var testTime = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func page(id, title, section, lang, version string, secs ...source.Section) source.Page {
	path := strings.TrimPrefix(id, "docs.example.com/")
	return source.Page{
		ID: id, Title: title, URL: "https://" + id + "/", Path: path,
		Section: section, Lang: lang, Version: version, LastMod: testTime,
		Sections: secs,
	}
}

func sec(level int, heading, anchor, text string) source.Section {
	return source.Section{Level: level, Heading: heading, Anchor: anchor, Text: text}
}

// bigPageID is a page of about 1 MB with many sections.
const bigPageID = "docs.example.com/docs/big"

func bigPage() source.Page {
	secs := []source.Section{sec(0, "", "", "Lead of the big page about gigantic configuration.")}
	para := strings.Repeat("The gigantic configuration reference explains <every> option & \"flag\" in detail. ", 12)
	for i := 1; len(secs) < 1100; i++ {
		secs = append(secs, sec(2, fmt.Sprintf("Option %d", i), fmt.Sprintf("option-%d", i), para))
	}
	return page(bigPageID, "Big reference", "docs", "en", "v2", secs...)
}

// testPages is a small hand-made site: two sections, two languages, two
// versions, nested headings, a 1 MB page and non-ASCII text.
func testPages() []source.Page {
	return []source.Page{
		page("docs.example.com/docs/install", "Install", "docs", "en", "v2",
			sec(0, "", "", "How to install the server on every platform."),
			sec(2, "Linux", "linux", "Use the package manager: apt install exampled."),
			sec(3, "Debian packages", "debian-packages", "Debian packages are signed."),
			sec(2, "Windows", "windows", "Download the zip and run exampled.exe."),
		),
		page("docs.example.com/docs/reverse_proxy", "reverse_proxy directive", "docs", "en", "v2",
			sec(0, "", "", "Proxies requests to one or more upstreams."),
			sec(2, "Upstream addresses", "upstream-addresses", "Upstreams are network addresses like localhost:8080."),
			sec(2, "Headers", "headers", "header_up sets request headers sent upstream."),
		),
		page("docs.example.com/docs/v1/install", "Install (v1)", "docs", "en", "v1",
			sec(0, "", "", "Old install guide: build from source."),
		),
		page("docs.example.com/de/docs/install", "Installation", "docs", "de", "v2",
			sec(0, "", "", "So installieren Sie den Server. Größe: klein."),
		),
		page("docs.example.com/blog/release", "Release notes", "blog", "en", "",
			sec(0, "", "", "The release adds install scripts and a reverse proxy cache."),
		),
		bigPage(),
	}
}

// env is a server over an index that tests can swap, and a client.
type env struct {
	ix  atomic.Pointer[search.Index]
	srv *server.MCPServer
	c   *client.Client
	ini *mcp.InitializeResult
}

var (
	sharedOnce  sync.Once
	sharedIndex *search.Index
)

// newEnv starts a server and a client; nil pages means testPages(), whose
// index is built once (the 1 MB page makes it slow under -race).
func newEnv(t *testing.T, pages []source.Page, protocol string, extra ...server.ServerOption) *env {
	t.Helper()
	e := &env{}
	if pages == nil {
		sharedOnce.Do(func() { sharedIndex = search.Build(testPages()) })
		e.ix.Store(sharedIndex)
	} else {
		e.ix.Store(search.Build(pages))
	}
	srv, err := New(Options{
		Name: "example-docs", Title: "Example Docs", Version: "1.2.3",
		Instructions: "These are the Example docs.",
		Snapshot:     func() (*search.Index, time.Time) { return e.ix.Load(), testTime },
		PublicURL:    "https://docs.example.com/mcp",
	}, extra...)
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	e.c = startClient(t, srv, protocol)
	return e
}

func startClient(t testing.TB, srv *server.MCPServer, protocol string) *client.Client {
	t.Helper()
	c, err := client.NewInProcessClient(srv)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	req := mcp.InitializeRequest{}
	req.Params.ProtocolVersion = protocol
	req.Params.ClientInfo = mcp.Implementation{Name: "test", Version: "1"}
	if _, err := c.Initialize(t.Context(), req); err != nil {
		t.Fatal(err)
	}
	return c
}

func (e *env) initialize(t *testing.T, protocol string) *mcp.InitializeResult {
	t.Helper()
	c, err := client.NewInProcessClient(e.srv)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	req := mcp.InitializeRequest{}
	req.Params.ProtocolVersion = protocol
	req.Params.ClientInfo = mcp.Implementation{Name: "test", Version: "1"}
	res, err := c.Initialize(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// call calls a tool and fails the test on a JSON-RPC error: bad arguments
// must come back as tool errors.
func call(t *testing.T, c *client.Client, name string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	req := mcp.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	res, err := c.CallTool(ctx, req)
	if err != nil {
		t.Fatalf("%s(%v): JSON-RPC error %v", name, args, err)
	}
	if n := resultChars(res); n > MaxResultChars {
		t.Fatalf("%s(%v): result has %d characters, over the %d cap", name, args, n, MaxResultChars)
	}
	return res
}

func text(t *testing.T, r *mcp.CallToolResult) string {
	t.Helper()
	if len(r.Content) != 1 {
		t.Fatalf("want exactly 1 content item, got %d", len(r.Content))
	}
	tc, ok := r.Content[0].(mcp.TextContent)
	if !ok {
		t.Fatalf("content is %T, want text", r.Content[0])
	}
	return tc.Text
}

// ok calls a tool that must succeed and decodes its structuredContent.
func ok[T any](t *testing.T, c *client.Client, name string, args map[string]any) (T, string) {
	t.Helper()
	r := call(t, c, name, args)
	txt := text(t, r)
	if r.IsError {
		t.Fatalf("%s(%v): unexpected tool error: %s", name, args, txt)
	}
	var v T
	if err := json.Unmarshal(r.RawStructuredContent, &v); err != nil {
		t.Fatalf("%s: structuredContent %q: %v", name, r.RawStructuredContent, err)
	}
	return v, txt
}

// fails calls a tool that must answer a tool error containing every want.
func fails(t *testing.T, c *client.Client, name string, args map[string]any, want ...string) string {
	t.Helper()
	r := call(t, c, name, args)
	txt := text(t, r)
	if !r.IsError {
		t.Fatalf("%s(%v): want a tool error, got %s", name, args, clip(txt, 300))
	}
	for _, w := range want {
		if !strings.Contains(txt, w) {
			t.Errorf("%s(%v): error %q lacks %q", name, args, txt, w)
		}
	}
	return txt
}

func buildIndex(pages []source.Page) *search.Index { return search.Build(pages) }

type searchIndex = search.Index

func unmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// runeCount is the length of s in characters, the unit of every limit.
func runeCount(s string) int { return utf8.RuneCountInString(s) }
