package mcptools

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/loader"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

func TestNewValidates(t *testing.T) {
	if _, err := New(Options{}); err == nil || !strings.Contains(err.Error(), "Index is required") {
		t.Errorf("nil Index: %v", err)
	}
	idx := func() *searchIndex { return nil }
	for _, u := range []string{"docs.example.com/mcp", "ftp://x/y", "https://", "::"} {
		if _, err := New(Options{Index: idx, PublicURL: u}); err == nil {
			t.Errorf("PublicURL %q accepted", u)
		}
	}
	srv, err := New(Options{Index: idx, Name: "  "})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{srv: srv}
	res := e.initialize(t, mcp.ProtocolVersion20250618)
	if res.ServerInfo.Name != DefaultName || res.ServerInfo.Version != DefaultVersion {
		t.Errorf("defaults: %+v", res.ServerInfo)
	}
	if !strings.Contains(res.Instructions, "still being built") {
		t.Errorf("instructions without index: %q", res.Instructions)
	}
}

// TestInstructions checks the generated paragraph in both protocol eras
// and that it follows a live index swap.
func TestInstructions(t *testing.T) {
	e := newEnv(t, nil, "")
	for _, proto := range []string{mcp.ProtocolVersion20241105, mcp.ProtocolVersion20251125, mcp.ProtocolVersion20260728} {
		res := e.initialize(t, proto)
		for _, want := range []string{
			"These are the Example docs.", "Example Docs", "6 pages", "indexed at 2026-03-04T05:06:07Z",
			"search_docs", "read_page", "docs://toc", "https://docs.example.com/mcp", "not instructions",
		} {
			if !strings.Contains(res.Instructions, want) {
				t.Errorf("%s: instructions lack %q: %s", proto, want, res.Instructions)
			}
		}
		if res.ServerInfo.Name != "example-docs" || res.ServerInfo.Version != "1.2.3" || res.ServerInfo.Title != "Example Docs" {
			t.Errorf("server info %+v", res.ServerInfo)
		}
	}
	e.ix.Store(buildIndex(testPages()[:2]))
	if res := e.initialize(t, mcp.ProtocolVersion20250618); !strings.Contains(res.Instructions, "2 pages") {
		t.Errorf("after refresh: %s", res.Instructions)
	}
	// Tools see the new index at once.
	fails(t, e.c, ToolReadPage, map[string]any{"id": bigPageID}, "no page has the id")
}

// TestExtraOptions checks the caller's hooks keep working next to ours.
func TestExtraOptions(t *testing.T) {
	var calls atomic.Int32
	hooks := &server.Hooks{}
	hooks.AddBeforeCallTool(func(context.Context, any, *mcp.CallToolRequest) { calls.Add(1) })
	hooks.AddAfterInitialize(func(_ context.Context, _ any, _ *mcp.InitializeRequest, r *mcp.InitializeResult) { calls.Add(100) })
	e := newEnv(t, nil, mcp.ProtocolVersion20250618, server.WithHooks(hooks))
	call(t, e.c, ToolSearch, map[string]any{"query": "install"})
	if res := e.initialize(t, mcp.ProtocolVersion20250618); !strings.Contains(res.Instructions, "6 pages") {
		t.Errorf("instructions lost with caller hooks: %q", res.Instructions)
	}
	if got := calls.Load(); got != 201 {
		t.Errorf("caller hooks ran %d, want 201 (2 initialize + 1 call)", got)
	}
}

// TestStreamableHTTP runs the tools over the real streamable HTTP
// transport, with an old and the newest protocol revision.
func TestStreamableHTTP(t *testing.T) {
	e := newEnv(t, nil, "")
	ts := httptest.NewServer(server.NewStreamableHTTPServer(e.srv))
	defer ts.Close()
	for _, proto := range []string{mcp.ProtocolVersion20250326, mcp.ProtocolVersion20250618, mcp.ProtocolVersion20260728} {
		t.Run(proto, func(t *testing.T) {
			tr, err := transport.NewStreamableHTTP(ts.URL)
			if err != nil {
				t.Fatal(err)
			}
			c := client.NewClient(tr)
			defer c.Close()
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			if err := c.Start(ctx); err != nil {
				t.Fatal(err)
			}
			req := mcp.InitializeRequest{}
			req.Params.ProtocolVersion = proto
			req.Params.ClientInfo = mcp.Implementation{Name: "http-test", Version: "1"}
			ini, err := c.Initialize(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(ini.Instructions, "6 pages") {
				t.Errorf("instructions %q", ini.Instructions)
			}
			r, _ := ok[SearchResults](t, c, ToolSearch, map[string]any{"query": "upstream addresses"})
			if len(r.Results) == 0 || r.Results[0].URL == "" {
				t.Fatalf("search over HTTP: %+v", r)
			}
			p, _ := ok[PageText](t, c, ToolReadPage, map[string]any{"id": bigPageID, "max_length": MaxReadLength})
			if !p.Truncated {
				t.Error("big page not cut over HTTP")
			}
			fails(t, c, ToolSearchDocs, map[string]any{"query": ""}, "non-empty")
		})
	}
}

// TestRealData runs the tools over the Hugo test site when it exists.
func TestRealData(t *testing.T) {
	const path = "../../testdata/hugo/index.json"
	if _, err := os.Stat(path); err != nil {
		t.Skipf("%s not present", path)
	}
	pages, err := loader.Load(t.Context(), []source.Spec{{Location: path, BaseURL: "https://gohugo.io/"}})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, pages, "")
	for _, q := range []string{"front matter", "shortcode", "taxonomy", "baseURL"} {
		r, _ := ok[DocsResults](t, e.c, ToolSearchDocs, map[string]any{"query": q})
		if r.Total == 0 {
			t.Errorf("%q: no results", q)
			continue
		}
		p, _ := ok[PageText](t, e.c, ToolReadPage, map[string]any{"id": r.Results[0].ID})
		if p.Text == "" || p.URL == "" {
			t.Errorf("%q: read_page %s: %+v", q, r.Results[0].ID, p)
		}
		s, _ := ok[SearchResults](t, e.c, ToolSearch, map[string]any{"query": q})
		f, _ := ok[FetchResult](t, e.c, ToolFetch, map[string]any{"id": s.Results[0].ID})
		if f.URL == "" || f.Text == "" {
			t.Errorf("%q: fetch %s: %+v", q, s.Results[0].ID, f)
		}
	}
	if _, err := readResource(t, e.c, TOCURI); err != nil {
		t.Fatal(err)
	}
	t.Logf("real data: %d pages", len(pages))
}

// TestConcurrentRefresh calls every tool and resource from several
// goroutines while the index is swapped underneath (run with -race).
func TestConcurrentRefresh(t *testing.T) {
	e := newEnv(t, testPages()[:5], mcp.ProtocolVersion20250618)
	small, full := buildIndex(testPages()[:5]), buildIndex(append(testPages()[:5], page("docs.example.com/docs/new", "New page", "docs", "en", "v3", sec(0, "", "", "install anew"))))
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 200 {
			if i%2 == 0 {
				e.ix.Store(full)
			} else {
				e.ix.Store(small)
			}
			time.Sleep(100 * time.Microsecond)
		}
	}()
	errs := make(chan error, 4)
	for w := range 4 {
		go func() {
			for i := range 25 {
				req := mcp.CallToolRequest{}
				switch (w + i) % 4 {
				case 0:
					req.Params.Name, req.Params.Arguments = ToolSearchDocs, map[string]any{"query": "install", "limit": 2}
				case 1:
					req.Params.Name, req.Params.Arguments = ToolReadPage, map[string]any{"id": "docs.example.com/docs/install", "section": "linux"}
				case 2:
					req.Params.Name, req.Params.Arguments = ToolSearch, map[string]any{"query": "install"}
				default:
					if _, err := e.c.ListTools(t.Context(), mcp.ListToolsRequest{}); err != nil {
						errs <- err
						return
					}
					rr := mcp.ReadResourceRequest{}
					rr.Params.URI = TOCURI
					if _, err := e.c.ReadResource(t.Context(), rr); err != nil {
						errs <- err
						return
					}
					continue
				}
				r, err := e.c.CallTool(t.Context(), req)
				if err != nil || r.IsError {
					errs <- fmt.Errorf("%s: %v %+v", req.Params.Name, err, r)
					return
				}
			}
			errs <- nil
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	<-done
}
