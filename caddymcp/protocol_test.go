package caddymcp

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// streamableRevisions are the protocol revisions served on the streamable
// HTTP endpoint; 2024-11-05 is tested over legacy SSE.
var streamableRevisions = []string{"2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28"}

// newStreamableClient starts an mcp-go client pinned to rev.
func newStreamableClient(t *testing.T, ctx context.Context, url string, hc *http.Client, rev string, topts ...transport.StreamableHTTPCOption) *client.Client {
	t.Helper()
	tr, err := transport.NewStreamableHTTP(url, append([]transport.StreamableHTTPCOption{transport.WithHTTPBasicClient(hc)}, topts...)...)
	if err != nil {
		t.Fatal(err)
	}
	c := client.NewClient(tr, client.WithProtocolVersion(rev))
	if err := c.Start(ctx); err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// newSSEClient starts an mcp-go legacy HTTP+SSE client (2024-11-05); opts
// add transport options such as headers.
func newSSEClient(t *testing.T, ctx context.Context, url string, hc *http.Client, opts ...transport.ClientOption) *client.Client {
	t.Helper()
	tr, err := transport.NewSSE(url, append([]transport.ClientOption{transport.WithHTTPClient(hc)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	c := client.NewClient(tr, client.WithProtocolVersion("2024-11-05"))
	if err := c.Start(ctx); err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// initialize runs the handshake (or discovery for 2026-07-28) and checks
// the negotiated revision.
func initialize(t *testing.T, ctx context.Context, c *client.Client, rev string) *mcp.InitializeResult {
	t.Helper()
	req := mcp.InitializeRequest{}
	req.Params.ProtocolVersion = rev
	req.Params.ClientInfo = mcp.Implementation{Name: "caddymcp-test", Version: "1"}
	res, err := c.Initialize(ctx, req)
	if err != nil {
		t.Fatalf("initialize %s: %v", rev, err)
	}
	if res.ProtocolVersion != rev {
		t.Fatalf("negotiated %q, want %q", res.ProtocolVersion, rev)
	}
	return res
}

// exercise lists the tools and calls search and fetch, checking the
// ChatGPT-shaped answers.
func exercise(t *testing.T, ctx context.Context, c *client.Client) {
	t.Helper()
	tools, err := c.ListTools(ctx, mcp.ListToolsRequest{})
	if err != nil {
		t.Fatalf("tools/list: %v", err)
	}
	names := map[string]bool{}
	for _, tool := range tools.Tools {
		names[tool.Name] = true
	}
	if !names["search"] || !names["fetch"] {
		t.Fatalf("tools/list = %v, want search and fetch", names)
	}

	var sr struct {
		Results []struct{ ID, Title, URL string } `json:"results"`
	}
	callJSON(t, ctx, c, "search", map[string]any{"query": "sprocket_count"}, &sr)
	if len(sr.Results) == 0 {
		t.Fatal("search found nothing for sprocket_count")
	}
	top := sr.Results[0]
	if !strings.Contains(top.Title+top.URL, "Gizmos") && !strings.Contains(top.URL, "gizmos") && !strings.Contains(top.URL, "troubleshooting") {
		t.Fatalf("search top hit = %+v", top)
	}

	var fr struct{ ID, Title, Text, URL string }
	callJSON(t, ctx, c, "fetch", map[string]any{"id": top.ID}, &fr)
	if fr.ID != top.ID || !strings.Contains(fr.Text, "sprocket_count") || fr.URL == "" {
		t.Fatalf("fetch(%q) = %+v", top.ID, fr)
	}
}

// callJSON calls a tool whose single text content is JSON and decodes it.
func callJSON(t *testing.T, ctx context.Context, c *client.Client, name string, args map[string]any, out any) {
	t.Helper()
	req := mcp.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	res, err := c.CallTool(ctx, req)
	if err != nil {
		t.Fatalf("tools/call %s: %v", name, err)
	}
	if res.IsError || len(res.Content) != 1 {
		t.Fatalf("tools/call %s: error=%v content=%+v", name, res.IsError, res.Content)
	}
	text, ok := res.Content[0].(mcp.TextContent)
	if !ok {
		t.Fatalf("tools/call %s: content is %T", name, res.Content[0])
	}
	if err := json.Unmarshal([]byte(text.Text), out); err != nil {
		t.Fatalf("tools/call %s: %v in %s", name, err, text.Text)
	}
}

// runAllRevisions exercises every streamable revision and legacy SSE
// against a running site with the given client.
func runAllRevisions(t *testing.T, s *site, hc *http.Client) {
	for _, rev := range streamableRevisions {
		t.Run("streamable-"+rev, func(t *testing.T) {
			ctx := testCtx(t)
			c := newStreamableClient(t, ctx, s.base+"/mcp", hc, rev)
			initialize(t, ctx, c, rev)
			exercise(t, ctx, c)
		})
	}
	t.Run("sse-2024-11-05", func(t *testing.T) { runSSE(t, hc, s.base+"/sse") })
}

// runSSE exercises the legacy HTTP+SSE transport at url.
func runSSE(t *testing.T, hc *http.Client, url string) {
	ctx := testCtx(t)
	c := newSSEClient(t, ctx, url, hc)
	initialize(t, ctx, c, "2024-11-05")
	exercise(t, ctx, c)
}

// runBothTransports exercises streamable HTTP (2025-06-18) at base/mcp and
// legacy SSE at base/sse.
func runBothTransports(t *testing.T, hc *http.Client, base string) {
	t.Run("streamable", func(t *testing.T) {
		ctx := testCtx(t)
		c := newStreamableClient(t, ctx, base+"/mcp", hc, "2025-06-18")
		initialize(t, ctx, c, "2025-06-18")
		exercise(t, ctx, c)
	})
	t.Run("sse", func(t *testing.T) { runSSE(t, hc, base+"/sse") })
}

// TestProtocolsHTTP1 serves every protocol revision over plain HTTP/1.1.
func TestProtocolsHTTP1(t *testing.T) {
	s := startSite(t, false, "mcp {\n\t\tsource INDEX\n\t}", "")
	runAllRevisions(t, s, s.httpClient(t))
}

// TestProtocolsHTTP2 serves every revision over HTTP/2 with TLS from
// Caddy's internal CA, and checks the protocol really was HTTP/2.
func TestProtocolsHTTP2(t *testing.T) {
	s := startSite(t, true, "mcp {\n\t\tsource INDEX\n\t}", "")
	hc := s.httpClient(t)
	resp, err := hc.Get(s.base + "/hello.txt")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.ProtoMajor != 2 {
		t.Fatalf("protocol %s, want HTTP/2", resp.Proto)
	}
	runAllRevisions(t, s, hc)
}

// TestProtocolsEncode serves every revision behind `encode gzip zstd`: the
// event streams must still flush through the compressing writer.
func TestProtocolsEncode(t *testing.T) {
	s := startSite(t, false, "mcp {\n\t\tsource INDEX\n\t}", "encode gzip zstd")
	hc := s.httpClient(t)
	// Prove responses really are compressed.
	req, _ := http.NewRequest(http.MethodPost, s.base+"/mcp",
		strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`+strings.Repeat(" ", 10)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := hc.Transport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding = %q, want gzip (is encode in front of mcp?)", resp.Header.Get("Content-Encoding"))
	}
	runAllRevisions(t, s, hc)
}
