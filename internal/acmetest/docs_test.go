package acmetest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	// The MCP docs handler (module http.handlers.mcp, directive `mcp`).
	_ "github.com/caddy-mcp/caddy-mcp/caddymcp"
)

// hugoIndex is the repository's Hugo search index fixture.
func hugoIndex() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "hugo", "index.json")
}

// docsSite returns a site block at addr serving the MCP docs handler over
// the Hugo fixture (streamable HTTP at /mcp, legacy SSE at /sse+/message).
func docsSite(addr string) string {
	return fmt.Sprintf("%s {\n\tmcp {\n\t\tsource %s\n\t}\n}\n", addr, hugoIndex())
}

// checkDocs proves the MCP docs server answers at base with client hc:
// search then fetch, over streamable HTTP and over legacy HTTP+SSE.
func checkDocs(t *testing.T, hc *http.Client, base string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	searchAndFetch(t, ctx, startStreamable(t, ctx, hc, base))
	searchAndFetch(t, ctx, startSSE(t, ctx, hc, base))
}

// startStreamable connects mcp-go's streamable HTTP client (its default,
// newest protocol revision) to base/mcp.
func startStreamable(t *testing.T, ctx context.Context, hc *http.Client, base string) *client.Client {
	t.Helper()
	tr, err := transport.NewStreamableHTTP(base+"/mcp", transport.WithHTTPBasicClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	return startClient(t, ctx, client.NewClient(tr), "streamable HTTP")
}

// startSSE connects mcp-go's legacy HTTP+SSE client (2024-11-05) to
// base/sse; the context must outlive the stream.
func startSSE(t *testing.T, ctx context.Context, hc *http.Client, base string) *client.Client {
	t.Helper()
	tr, err := transport.NewSSE(base+"/sse", transport.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	return startClient(t, ctx, client.NewClient(tr, client.WithProtocolVersion("2024-11-05")), "SSE")
}

func startClient(t *testing.T, ctx context.Context, c *client.Client, what string) *client.Client {
	t.Helper()
	if err := c.Start(ctx); err != nil {
		t.Fatalf("%s: start: %v", what, err)
	}
	t.Cleanup(func() { c.Close() })
	req := mcp.InitializeRequest{}
	req.Params.ClientInfo = mcp.Implementation{Name: "acmetest", Version: "1"}
	if _, err := c.Initialize(ctx, req); err != nil {
		t.Fatalf("%s: initialize: %v", what, err)
	}
	return c
}

// searchAndFetch calls the ChatGPT-shaped tools: search {query} returns
// {"results":[{id,title,url}]} as text; fetch {id} returns the page.
func searchAndFetch(t *testing.T, ctx context.Context, c *client.Client) {
	t.Helper()
	var found struct {
		Results []struct{ ID, Title, URL string } `json:"results"`
	}
	callJSON(t, ctx, c, "search", map[string]any{"query": "multilingual features"}, &found)
	if len(found.Results) == 0 || found.Results[0].ID == "" || found.Results[0].URL == "" {
		t.Fatalf("search: no usable result: %+v", found)
	}
	var page struct{ ID, Title, Text, URL string }
	callJSON(t, ctx, c, "fetch", map[string]any{"id": found.Results[0].ID}, &page)
	if page.ID != found.Results[0].ID || page.Text == "" || !strings.HasPrefix(page.URL, "http") {
		t.Fatalf("fetch %q: unexpected page: id=%q url=%q text=%d bytes", found.Results[0].ID, page.ID, page.URL, len(page.Text))
	}
}

// callJSON calls tool and decodes its single text content as JSON.
func callJSON(t *testing.T, ctx context.Context, c *client.Client, tool string, args map[string]any, out any) {
	t.Helper()
	req := mcp.CallToolRequest{}
	req.Params.Name = tool
	req.Params.Arguments = args
	res, err := c.CallTool(ctx, req)
	if err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	if res.IsError || len(res.Content) != 1 {
		t.Fatalf("%s: error=%v, %d content items", tool, res.IsError, len(res.Content))
	}
	text, ok := mcp.AsTextContent(res.Content[0])
	if !ok {
		t.Fatalf("%s: content is %T, want text", tool, res.Content[0])
	}
	if err := json.Unmarshal([]byte(text.Text), out); err != nil {
		t.Fatalf("%s: text is not the expected JSON: %v\n%s", tool, err, text.Text)
	}
}

func init() {
	if _, err := os.Stat(hugoIndex()); err != nil {
		panic("acmetest needs the Hugo fixture: " + err.Error())
	}
}
