package clustertest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// sessionRevision is the protocol revision the session tests pin: the
// newest one with protocol-level sessions (2026-07-28, mcp-go's default,
// has none) and what most deployed clients speak.
const sessionRevision = "2025-06-18"

// connect starts mcp-go's client through the edge over one transport
// ("streamable" or "sse") and initializes it.
func (c *cluster) connect(t *testing.T, ctx context.Context, kind string, log *backendLog) *client.Client {
	t.Helper()
	hc := c.httpClient(log)
	var cl *client.Client
	switch kind {
	case "streamable":
		tr, err := transport.NewStreamableHTTP(c.base+"/mcp", transport.WithHTTPBasicClient(hc))
		if err != nil {
			t.Fatal(err)
		}
		cl = client.NewClient(tr, client.WithProtocolVersion(sessionRevision))
	case "sse":
		tr, err := transport.NewSSE(c.base+"/sse", transport.WithHTTPClient(hc))
		if err != nil {
			t.Fatal(err)
		}
		cl = client.NewClient(tr, client.WithProtocolVersion("2024-11-05"))
	}
	if err := cl.Start(ctx); err != nil {
		t.Fatalf("%s: start: %v", kind, err)
	}
	t.Cleanup(func() { cl.Close() })
	req := mcp.InitializeRequest{}
	req.Params.ClientInfo = mcp.Implementation{Name: "clustertest", Version: "1"}
	req.Params.ProtocolVersion = sessionRevision
	if kind == "sse" {
		req.Params.ProtocolVersion = "2024-11-05"
	}
	if _, err := cl.Initialize(ctx, req); err != nil {
		t.Fatalf("%s: initialize: %v", kind, err)
	}
	return cl
}

// callJSON calls tool and decodes its structured content, or else its
// single text content, as JSON.
func callJSON(ctx context.Context, c *client.Client, tool string, args map[string]any, out any) error {
	req := mcp.CallToolRequest{}
	req.Params.Name = tool
	req.Params.Arguments = args
	res, err := c.CallTool(ctx, req)
	if err != nil {
		return err
	}
	if res.IsError || len(res.Content) != 1 {
		return &toolError{tool: tool, res: res}
	}
	if res.StructuredContent != nil { // search_docs: text for people, JSON here
		b, err := json.Marshal(res.StructuredContent)
		if err != nil {
			return err
		}
		return json.Unmarshal(b, out)
	}
	text, ok := mcp.AsTextContent(res.Content[0])
	if !ok {
		return &toolError{tool: tool, res: res}
	}
	if err := json.Unmarshal([]byte(text.Text), out); err != nil {
		return fmt.Errorf("%s: %w in %.300q", tool, err, text.Text)
	}
	return nil
}

type toolError struct {
	tool string
	res  *mcp.CallToolResult
}

func (e *toolError) Error() string {
	b, _ := json.Marshal(e.res)
	return e.tool + ": tool error: " + string(b)
}

// docsHits is the shape of search_docs answers the tests read.
type docsHits struct {
	Total        int    `json:"total"`
	Offset       int    `json:"offset"`
	NextCursor   string `json:"next_cursor"`
	IndexChanged bool   `json:"index_changed"`
	Results      []struct {
		ID string `json:"id"`
	} `json:"results"`
}

// exercise runs the client's part of every scenario: search, fetch, and
// three pages of search_docs, each page's cursor used on the next call.
func exercise(t *testing.T, ctx context.Context, c *client.Client) {
	t.Helper()
	var found struct {
		Results []struct{ ID, URL string } `json:"results"`
	}
	if err := callJSON(ctx, c, "search", map[string]any{"query": "multilingual features"}, &found); err != nil {
		t.Fatal(err)
	}
	if len(found.Results) == 0 {
		t.Fatal("search: no results")
	}
	var page struct{ ID, Text string }
	if err := callJSON(ctx, c, "fetch", map[string]any{"id": found.Results[0].ID}, &page); err != nil {
		t.Fatal(err)
	}
	if page.ID != found.Results[0].ID || page.Text == "" {
		t.Fatalf("fetch %q: id %q, %d bytes of text", found.Results[0].ID, page.ID, len(page.Text))
	}
	args := map[string]any{"query": "template", "limit": 3}
	seen := map[string]bool{}
	for i := range 3 {
		var r docsHits
		if err := callJSON(ctx, c, "search_docs", args, &r); err != nil {
			t.Fatal(err)
		}
		// A cursor made by one backend is used on another: the same
		// sources give the same index identity, so no index_changed.
		if r.IndexChanged || r.Offset != 3*i || len(r.Results) != 3 || r.NextCursor == "" {
			t.Fatalf("search_docs page %d: %+v", i+1, r)
		}
		for _, h := range r.Results {
			if seen[h.ID] {
				t.Fatalf("page %d repeats %s", i+1, h.ID)
			}
			seen[h.ID] = true
		}
		args["cursor"] = r.NextCursor
	}
}

// mcpPosts keeps the log entries of MCP POSTs (not the SSE GET).
func mcpPosts(e logEntry) bool {
	return e.method == "POST" && (e.path == "/mcp" || strings.HasPrefix(e.path, "/message/"))
}
