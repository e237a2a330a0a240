package mcptools

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
)

// readStatus reads docs://status and decodes it.
func readStatus(t *testing.T, c *client.Client) (statusDoc, string) {
	t.Helper()
	req := mcp.ReadResourceRequest{}
	req.Params.URI = StatusURI
	res, err := c.ReadResource(t.Context(), req)
	if err != nil || len(res.Contents) != 1 {
		t.Fatalf("read %s: %v %+v", StatusURI, err, res)
	}
	tc, ok := res.Contents[0].(mcp.TextResourceContents)
	if !ok || tc.MIMEType != "application/json" || tc.URI != StatusURI {
		t.Fatalf("contents %#v", res.Contents[0])
	}
	var doc statusDoc
	if err := json.Unmarshal([]byte(tc.Text), &doc); err != nil {
		t.Fatalf("%v\n%s", err, tc.Text)
	}
	return doc, tc.Text
}

// TestStatus: the instructions and docs://status list the sources with
// their page counts, last success and (bounded) last error, and follow
// changes without a new server.
func TestStatus(t *testing.T) {
	ix := buildIndex(testPages())
	ok1 := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	var sources atomic.Pointer[[]SourceInfo]
	set := func(list []SourceInfo) { sources.Store(&list) }
	set([]SourceInfo{
		{Location: "./public", Kind: "site_root", Pages: 5, LastSuccess: ok1},
		{Location: "https://example.com/llms.txt", Kind: "llms_txt", Pages: 1, LastSuccess: ok1.Add(-time.Hour),
			LastError: "HTTP 503\n Service   Unavailable " + strings.Repeat("x", 500)},
	})
	srv, err := New(Options{
		Name: "d", Index: func() *searchIndex { return ix },
		IndexedAt: func() time.Time { return testTime },
		Status: func() []SourceInfo {
			// A copy: the server may edit what it gets.
			return append([]SourceInfo(nil), *sources.Load()...)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{srv: srv}
	ins := e.initialize(t, mcp.ProtocolVersion20250618).Instructions
	for _, want := range []string{
		"indexed at 2026-03-04T05:06:07Z. Sources: public (site_root, 5 pages, last refreshed 2026-05-06T07:08:09Z); " +
			"https://example.com/llms.txt (llms_txt, 1 pages, last refreshed 2026-05-06T06:08:09Z; last refresh failed: HTTP 503).",
		"`docs://status`",
	} {
		if !strings.Contains(ins, want) {
			t.Errorf("instructions lack %q:\n%s", want, ins)
		}
	}

	c := startClient(t, srv, "")
	doc, raw := readStatus(t, c)
	if doc.IndexedAt != "2026-03-04T05:06:07Z" || doc.Pages != 6 || len(doc.Sources) != 2 {
		t.Fatalf("status %s", raw)
	}
	if s := doc.Sources[0]; s != (sourceDoc{Location: "public", Kind: "site_root", Pages: 5, LastSuccess: "2026-05-06T07:08:09Z"}) {
		t.Errorf("source 0 %+v", s)
	}
	if e := doc.Sources[1].LastError; e != "HTTP 503" {
		t.Errorf("last_error of a remote source is not just its status code: %q", e)
	}

	// A source that recovered, and one never loaded; many sources are
	// capped in the instructions but all listed in the resource.
	var many []SourceInfo
	for i := range 12 {
		many = append(many, SourceInfo{Location: fmt.Sprintf("docs/%d.json", i), Kind: "index_json", Pages: i})
	}
	set(many)
	ins = e.initialize(t, mcp.ProtocolVersion20250618).Instructions
	if !strings.Contains(ins, "Sources: 0.json (index_json, 0 pages, never loaded); ") || !strings.Contains(ins, "; 9.json (index_json, 9 pages, never loaded); … (2 more; see docs://status).") ||
		strings.Contains(ins, "10.json") || strings.Contains(ins, "failed") {
		t.Errorf("instructions with 12 sources:\n%s", ins)
	}
	if doc, raw = readStatus(t, c); len(doc.Sources) != 12 || doc.Sources[11].Location != "11.json" ||
		doc.Sources[11].LastSuccess != "" || strings.Contains(raw, "last_success") {
		t.Errorf("status with 12 sources: %s", raw)
	}
}

// TestStatusWithoutSources: without Options.Status (or an index), the
// resource still answers, with an empty source list.
func TestStatusWithoutSources(t *testing.T) {
	srv, err := New(Options{Index: func() *searchIndex { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	doc, raw := readStatus(t, startClient(t, srv, ""))
	if doc.Pages != 0 || doc.IndexedAt != "" || doc.Sources == nil || len(doc.Sources) != 0 || !strings.Contains(raw, `"sources": []`) {
		t.Errorf("status %s", raw)
	}
	if ins := (&env{srv: srv}).initialize(t, mcp.ProtocolVersion20250618).Instructions; strings.Contains(ins, "Sources:") {
		t.Errorf("instructions list sources without Status: %s", ins)
	}
}
