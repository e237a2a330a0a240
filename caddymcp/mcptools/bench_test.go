package mcptools

import (
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

// Benchmarks of whole tool calls through the in-process client (JSON
// encoding both ways included), over the hand-made site.

func benchCall(b *testing.B, name string, args map[string]any) {
	e := &env{}
	sharedOnce.Do(func() { sharedIndex = buildIndex(testPages()) })
	e.ix.Store(sharedIndex)
	srv, err := New(Options{Index: e.ix.Load})
	if err != nil {
		b.Fatal(err)
	}
	c := startClient(b, srv, mcp.ProtocolVersion20250618)
	req := mcp.CallToolRequest{}
	req.Params.Name, req.Params.Arguments = name, args
	b.ResetTimer()
	for b.Loop() {
		r, err := c.CallTool(b.Context(), req)
		if err != nil || r.IsError {
			b.Fatal(err, r)
		}
	}
}

func BenchmarkSearchDocs(b *testing.B) {
	benchCall(b, ToolSearchDocs, map[string]any{"query": "install linux", "limit": 10})
}

func BenchmarkSearch(b *testing.B) {
	benchCall(b, ToolSearch, map[string]any{"query": "install linux"})
}

func BenchmarkReadPage1MBPart(b *testing.B) {
	benchCall(b, ToolReadPage, map[string]any{"id": bigPageID, "start_index": 500000, "max_length": MaxReadLength})
}
