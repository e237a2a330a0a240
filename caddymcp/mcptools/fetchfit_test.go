package mcptools

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/server"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// escapesID is a page whose text is FetchMaxChars of "<&>": each character
// is six on the wire in structuredContent, so an uncut fetch would be ~140k.
const escapesID = "docs.example.com/docs/escapes"

func escapesPage() source.Page {
	return page(escapesID, "Escapes", "docs", "en", "v2",
		sec(0, "", "", strings.Repeat("<&>", FetchMaxChars/3+1)[:FetchMaxChars]))
}

// TestFetchShrinksToFit: fetch of an escape-heavy page succeeds under the
// cap, measured on the wire, and its metadata continues at the right place.
func TestFetchShrinksToFit(t *testing.T) {
	pg := escapesPage()
	e := newEnv(t, []source.Page{pg}, "")
	full := pg.Text()

	// On the wire: the text item's characters plus structuredContent as
	// encoded by mcp-go (escapes and all).
	ts := httptest.NewServer(server.NewStreamableHTTPServer(e.srv))
	defer ts.Close()
	_, h := post(t, ts.URL, "", `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"wire","version":"1"}}}`)
	sid := h.Get("Mcp-Session-Id")
	post(t, ts.URL, sid, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	got, _ := post(t, ts.URL, sid, fmt.Sprintf(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"fetch","arguments":{"id":%q}}}`, escapesID))
	var msg struct {
		Result struct {
			Content           []struct{ Text string } `json:"content"`
			StructuredContent json.RawMessage         `json:"structuredContent"`
			IsError           bool                    `json:"isError"`
		} `json:"result"`
	}
	if err := json.Unmarshal([]byte(got), &msg); err != nil || len(msg.Result.Content) != 1 {
		t.Fatalf("fetch on the wire (%v): %s", err, clip(got, 500))
	}
	if msg.Result.IsError {
		t.Fatalf("fetch failed: %s", msg.Result.Content[0].Text)
	}
	wire := runeCount(msg.Result.Content[0].Text) + utf8.RuneCount(msg.Result.StructuredContent)
	if wire > MaxResultChars {
		t.Errorf("fetch answer is %d characters on the wire, over %d", wire, MaxResultChars)
	}

	// The same through the client: the text is a cut prefix, and the
	// metadata says exactly where read_page continues.
	f, _ := ok[FetchResult](t, e.c, ToolFetch, map[string]any{"id": escapesID})
	md := f.Metadata
	n, _ := md["returned_length"].(float64)
	body, _ := strings.CutPrefix(f.Text, contentHeader+"\n\n")
	body, _, _ = strings.Cut(body, "\n\n[Truncated at")
	if md["truncated"] != true || md["total_length"] != float64(FetchMaxChars) || n < 5000 || n >= FetchMaxChars ||
		runeCount(body) != int(n) || !strings.HasPrefix(full, body) {
		t.Fatalf("metadata %v, text of %d characters", md, runeCount(body))
	}
	want := fmt.Sprintf(`read_page {"id": %q, "start_index": %d}`, escapesID, int(n))
	if md["continue_with"] != want || !strings.Contains(f.Text, fmt.Sprintf("[Truncated at %d of %d characters. The rest: %s.]", int(n), FetchMaxChars, want)) {
		t.Errorf("continue_with %q, want %q", md["continue_with"], want)
	}
	// Reading on from there (read_page shrinks too) yields the rest exactly.
	var rest strings.Builder
	for start := int(n); ; {
		p, _ := ok[PageText](t, e.c, ToolReadPage, map[string]any{"id": escapesID, "start_index": start})
		rest.WriteString(p.Text)
		if !p.Truncated {
			break
		}
		if p.EndIndex <= start {
			t.Fatalf("read_page at %d made no progress", start)
		}
		start = p.EndIndex
	}
	if body+rest.String() != full {
		t.Errorf("fetch + read_page differ from the page (%d+%d vs %d characters)", runeCount(body), runeCount(rest.String()), runeCount(full))
	}
	t.Logf("fetch returned %d of %d characters, %d on the wire", int(n), FetchMaxChars, wire)
}
