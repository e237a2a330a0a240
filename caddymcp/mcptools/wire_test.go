package mcptools

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// post sends one JSON-RPC message to a streamable HTTP endpoint and
// returns the JSON of the answer (unwrapping an SSE event if needed).
func post(t *testing.T, url, session, body string) (string, http.Header) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("MCP-Protocol-Version", mcp.ProtocolVersion20250618)
	if session != "" {
		req.Header.Set("Mcp-Session-Id", session)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		t.Fatalf("%s: %d %s", body, res.StatusCode, b)
	}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(nil, 1<<22)
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				return d, res.Header
			}
		}
	}
	return string(b), res.Header
}

// TestWireShape checks the ChatGPT shapes as bytes on the wire, the way a
// connector sees them.
func TestWireShape(t *testing.T) {
	e := newEnv(t, nil, "")
	ts := httptest.NewServer(server.NewStreamableHTTPServer(e.srv))
	defer ts.Close()
	_, h := post(t, ts.URL, "", `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"wire","version":"1"}}}`)
	sid := h.Get("Mcp-Session-Id")
	post(t, ts.URL, sid, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)

	got, _ := post(t, ts.URL, sid, `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"search","arguments":{"query":"upstream addresses"}}}`)
	item := `{"id":"docs.example.com/docs/reverse_proxy#upstream-addresses","title":"reverse_proxy directive — Upstream addresses","url":"https://docs.example.com/docs/reverse_proxy/#upstream-addresses"}`
	if !strings.Contains(got, `"structuredContent":{"results":[`+item) {
		t.Errorf("search structuredContent on the wire:\n%s", got)
	}
	if !strings.Contains(got, `"content":[{"type":"text","text":"{\"results\":[{\"id\":\"docs.example.com/docs/reverse_proxy#upstream-addresses\",\"title\":`) ||
		strings.Count(got, `"type":"text"`) != 1 || strings.Contains(got, `"isError"`) {
		t.Errorf("search content on the wire:\n%s", got)
	}

	got, _ = post(t, ts.URL, sid, `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"fetch","arguments":{"id":"docs.example.com/docs/reverse_proxy#headers"}}}`)
	if !strings.Contains(got, `"structuredContent":{"id":"docs.example.com/docs/reverse_proxy#headers","title":"reverse_proxy directive — Headers","text":"`+contentHeader+`\n\n## Headers\n\nheader_up sets request headers sent upstream.","url":"https://docs.example.com/docs/reverse_proxy/#headers","metadata":{`) {
		t.Errorf("fetch structuredContent on the wire:\n%s", got)
	}

	got, _ = post(t, ts.URL, sid, `{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"read_page","arguments":{"id":"nope","start_index":-5}}}`)
	if !strings.Contains(got, `"isError":true`) || strings.Contains(got, `"error":`) {
		t.Errorf("bad arguments must be a tool error, not a JSON-RPC error:\n%s", got)
	}
}
