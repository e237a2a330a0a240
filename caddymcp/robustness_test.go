package caddymcp

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/mcptools"
)

// sourceStatus reads docs://status and returns the first source's pages
// and last error.
func sourceStatus(t *testing.T, ctx context.Context, c *client.Client) (pages int, lastErr string) {
	t.Helper()
	req := mcp.ReadResourceRequest{}
	req.Params.URI = mcptools.StatusURI
	rr, err := c.ReadResource(ctx, req)
	if err != nil || len(rr.Contents) != 1 {
		t.Fatalf("read %s: %v", mcptools.StatusURI, err)
	}
	tc, _ := rr.Contents[0].(mcp.TextResourceContents)
	var doc struct {
		Sources []struct {
			Pages     int    `json:"pages"`
			LastError string `json:"last_error"`
		} `json:"sources"`
	}
	if err := json.Unmarshal([]byte(tc.Text), &doc); err != nil || len(doc.Sources) == 0 {
		t.Fatalf("status %q: %v", tc.Text, err)
	}
	return doc.Sources[0].Pages, doc.Sources[0].LastError
}

// TestBrokenEditKeepsIndex: a watched local source edited into invalid
// JSON while Caddy runs keeps serving its last good pages, docs://status
// reports the error, and fixing the file clears it.
func TestBrokenEditKeepsIndex(t *testing.T) {
	s := startSite(t, false, "mcp {\n\t\tsource INDEX\n\t\twatch 50ms\n\t}", "")
	ctx := testCtx(t)
	c := newStreamableClient(t, ctx, s.base+"/mcp", s.httpClient(t), "2025-06-18")
	initialize(t, ctx, c, "2025-06-18")
	good, err := os.ReadFile(s.index)
	if err != nil {
		t.Fatal(err)
	}

	if err := os.WriteFile(s.index, []byte(`[{"title": "half written`), 0o644); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, ctx, c, func(pages int, lastErr string) bool {
		return strings.Contains(lastErr, "JSON input")
	})
	if pages, _ := sourceStatus(t, ctx, c); pages != len(testPages) {
		t.Errorf("status pages = %d after a broken edit, want the last good %d", pages, len(testPages))
	}
	exercise(t, ctx, c) // search and fetch still answer from the last good index

	if err := os.WriteFile(s.index, good, 0o644); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, ctx, c, func(pages int, lastErr string) bool { return lastErr == "" && pages == len(testPages) })
}

// waitStatus polls docs://status until ok holds for the first source.
func waitStatus(t *testing.T, ctx context.Context, c *client.Client, ok func(pages int, lastErr string) bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		pages, lastErr := sourceStatus(t, ctx, c)
		if ok(pages, lastErr) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("status not reached within 5s: pages %d, last_error %q", pages, lastErr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
