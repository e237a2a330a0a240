package caddymcp

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/jsonrpc"
)

// attack is one hostile request of the battery.
type attack struct {
	name    string
	method  string            // default POST
	path    string            // default /mcp
	hdr     map[string]string // "-" as a value removes the header
	session string            // "0326" / "0618": a live session of that revision
	body    string
	status  int
	code    int // JSON-RPC error code in the body; 0: not checked
}

// Bodies the battery reuses.
const (
	listBody = `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`
	ping     = `{"jsonrpc":"2.0","id":3,"method":"ping"}`
	notified = `{"jsonrpc":"2.0","method":"notifications/initialized"}`
)

func withID(id string) string { return `{"jsonrpc":"2.0","id":` + id + `,"method":"ping"}` }

// modernCall is a 2026-07-28 tools/call of search.
const modernCall = `{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"search","arguments":{"query":"gizmo"},` +
	`"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}`

func modernHdr(method, name string) map[string]string {
	h := map[string]string{"MCP-Protocol-Version": "2026-07-28", "Mcp-Method": method, "Mcp-Name": name}
	if method == "" {
		delete(h, "Mcp-Method")
	}
	if name == "" {
		delete(h, "Mcp-Name")
	}
	return h
}

// battery is the black-box table: hostile requests at the HTTP and
// JSON-RPC layers, each with the status and JSON-RPC code the spec (or
// HTTP) calls for.
var battery = []attack{
	// HTTP methods: 405 with Allow.
	{name: "PUT /mcp", method: "PUT", body: initBody, status: 405, code: -32600},
	{name: "PATCH /mcp", method: "PATCH", body: initBody, status: 405, code: -32600},
	{name: "PROPFIND /mcp", method: "PROPFIND", status: 405, code: -32600},
	{name: "FOO /mcp", method: "FOO", status: 405, code: -32600},
	{name: "PUT /sse", method: "PUT", path: "/sse", status: 405, code: -32600},
	{name: "POST /sse", method: "POST", path: "/sse", body: initBody, status: 405, code: -32600},
	{name: "DELETE /sse", method: "DELETE", path: "/sse", status: 405, code: -32600},
	{name: "GET /message", method: "GET", path: "/message?sessionId=x", status: 405, code: -32600},
	{name: "PUT /message", method: "PUT", path: "/message?sessionId=x", body: initBody, status: 405, code: -32600},
	{name: "OPTIONS /mcp without CORS", method: "OPTIONS", status: 204},
	// Content-Type: 415.
	{name: "text/plain", hdr: map[string]string{"Content-Type": "text/plain"}, body: initBody, status: 415, code: -32600},
	{name: "no Content-Type", hdr: map[string]string{"Content-Type": "-"}, body: initBody, status: 415, code: -32600},
	{name: "form", hdr: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, body: initBody, status: 415, code: -32600},
	{name: "multipart", hdr: map[string]string{"Content-Type": "multipart/form-data; boundary=x"}, body: initBody, status: 415, code: -32600},
	{name: "latin1", hdr: map[string]string{"Content-Type": "application/json; charset=iso-8859-1"}, body: initBody, status: 415, code: -32600},
	{name: "json-patch", hdr: map[string]string{"Content-Type": "application/json-patch+json"}, body: initBody, status: 415, code: -32600},
	{name: "garbage Content-Type", hdr: map[string]string{"Content-Type": ";;;"}, body: initBody, status: 415, code: -32600},
	{name: "text/plain on /message", path: "/message?sessionId=x", hdr: map[string]string{"Content-Type": "text/plain"}, body: initBody, status: 415, code: -32600},
	{name: "charset UTF-8 is fine", hdr: map[string]string{"Content-Type": "application/json; charset=UTF-8"}, body: initBody, status: 200},
	// Accept: 406 when neither answer format is acceptable.
	{name: "Accept text/html", hdr: map[string]string{"Accept": "text/html"}, body: initBody, status: 406, code: -32600},
	{name: "Accept image/png", hdr: map[string]string{"Accept": "image/png"}, body: initBody, status: 406, code: -32600},
	{name: "Accept q=0", hdr: map[string]string{"Accept": "application/json;q=0, text/event-stream;q=0"}, body: initBody, status: 406, code: -32600},
	{name: "Accept application/xml", hdr: map[string]string{"Accept": "application/xml"}, body: initBody, status: 406, code: -32600},
	{name: "Accept */*", hdr: map[string]string{"Accept": "*/*"}, body: initBody, status: 200},
	{name: "Accept json only", hdr: map[string]string{"Accept": "application/json"}, body: initBody, status: 200},
	{name: "no Accept", hdr: map[string]string{"Accept": "-"}, body: initBody, status: 200},
	// MCP-Protocol-Version: 400 when not a revision we serve.
	{name: "version 1999", session: "0618", hdr: map[string]string{"MCP-Protocol-Version": "1999-01-01"}, body: listBody, status: 400, code: -32600},
	{name: "version garbage on initialize", hdr: map[string]string{"MCP-Protocol-Version": "latest"}, body: initBody, status: 400, code: -32600},
	{name: "version on GET", method: "GET", session: "0618", hdr: map[string]string{"MCP-Protocol-Version": "2099-01-01"}, status: 400, code: -32600},
	{name: "version on DELETE", method: "DELETE", session: "0618", hdr: map[string]string{"MCP-Protocol-Version": "2024-13-45"}, status: 400, code: -32600},
	{name: "version on /sse", method: "GET", path: "/sse", hdr: map[string]string{"MCP-Protocol-Version": "x"}, status: 400, code: -32600},
	// Parse errors: -32700.
	{name: "empty body", body: "", status: 400, code: -32700},
	{name: "truncated", body: `{"jsonrpc":"2.0","id":1,"method":`, status: 400, code: -32700},
	{name: "not json", body: "hello", status: 400, code: -32700},
	{name: "trailing garbage", body: listBody + " x", status: 400, code: -32700},
	{name: "two messages", body: listBody + listBody, status: 400, code: -32700},
	{name: "bad utf-8", body: "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\xff\"}", status: 400, code: -32700},
	{name: "BOM", body: "\ufeff" + ping, status: 400, code: -32700},
	{name: "deep nesting", body: strings.Repeat("[", 12000) + strings.Repeat("]", 12000), status: 400, code: -32700},
	{name: "trailing garbage on /message", path: "/message?sessionId=x", body: ping + "}", status: 400, code: -32700},
	// Not a message: -32600.
	{name: "null", body: "null", status: 400, code: -32600},
	{name: "number", body: "42", status: 400, code: -32600},
	{name: "string", body: `"ping"`, status: 400, code: -32600},
	{name: "bool", body: "true", status: 400, code: -32600},
	{name: "empty batch", body: "[]", status: 400, code: -32600},
	// Member names are case-sensitive; no duplicates.
	{name: "METHOD", session: "0618", body: `{"jsonrpc":"2.0","id":5,"METHOD":"tools/list"}`, status: 400, code: -32600},
	{name: "Method", session: "0618", body: `{"jsonrpc":"2.0","id":5,"Method":"tools/list"}`, status: 400, code: -32600},
	{name: "JSONRPC", session: "0618", body: `{"JSONRPC":"2.0","id":5,"method":"tools/list"}`, status: 400, code: -32600},
	{name: "ID", session: "0618", body: `{"jsonrpc":"2.0","ID":5,"method":"tools/list"}`, status: 400, code: -32600},
	{name: "Params", session: "0618", body: `{"jsonrpc":"2.0","id":5,"method":"tools/call","Params":{"name":"search"}}`, status: 400, code: -32600},
	{name: "long s", session: "0618", body: `{"jsonrpc":"2.0","id":5,"method":"tools/call","paramſ":{"name":"search"}}`, status: 400, code: -32600},
	{name: "METHOD initialize", body: strings.Replace(initBody, `"method"`, `"METHOD"`, 1), status: 400, code: -32600},
	{name: "duplicate method", session: "0618", body: `{"jsonrpc":"2.0","id":5,"method":"ping","method":"tools/list"}`, status: 400, code: -32600},
	{name: "case-duplicate method", session: "0618", body: `{"jsonrpc":"2.0","id":5,"method":"ping","mETHOD":"tools/list"}`, status: 400, code: -32600},
	{name: "params NAME", session: "0618", body: `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"NAME":"search","arguments":{"query":"x"}}}`, status: 400, code: -32600},
	{name: "duplicate tool name", session: "0618", body: `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"search","name":"fetch"}}`, status: 400, code: -32600},
	{name: "duplicate argument", session: "0618", body: `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"search","arguments":{"query":"a","QUERY":"b"}}}`, status: 400, code: -32600},
	{name: "METHOD on /message", path: "/message?sessionId=x", body: `{"jsonrpc":"2.0","id":5,"METHOD":"tools/list"}`, status: 400, code: -32600},
	// jsonrpc member.
	{name: "no jsonrpc", session: "0618", body: `{"id":1,"method":"ping"}`, status: 400, code: -32600},
	{name: "jsonrpc 1.0", session: "0618", body: `{"jsonrpc":"1.0","id":1,"method":"ping"}`, status: 400, code: -32600},
	{name: "jsonrpc number", session: "0618", body: `{"jsonrpc":2.0,"id":1,"method":"ping"}`, status: 400, code: -32600},
	{name: "jsonrpc padded", session: "0618", body: `{"jsonrpc":"2.0 ","id":1,"method":"ping"}`, status: 400, code: -32600},
	// Ids: strings or integers only.
	{name: "id object", session: "0618", body: withID(`{}`), status: 400, code: -32600},
	{name: "id array", session: "0618", body: withID(`[1]`), status: 400, code: -32600},
	{name: "id true", session: "0618", body: withID(`true`), status: 400, code: -32600},
	{name: "id false", session: "0618", body: withID(`false`), status: 400, code: -32600},
	{name: "id 1.5", session: "0618", body: withID(`1.5`), status: 400, code: -32600},
	{name: "id 1e3", session: "0618", body: withID(`1e3`), status: 400, code: -32600},
	{name: "id -0.0", session: "0618", body: withID(`-0.0`), status: 400, code: -32600},
	{name: "id null", session: "0618", body: withID(`null`), status: 400, code: -32600},
	{name: "id 2^53+1", session: "0618", body: withID(`9007199254740993`), status: 400, code: -32600},
	{name: "id object on initialize", body: strings.Replace(initBody, `"id":1`, `"id":{"a":1}`, 1), status: 400, code: -32600},
	{name: "id 1.5 on /message", path: "/message?sessionId=x", body: withID(`1.5`), status: 400, code: -32600},
	{name: "id string", session: "0618", body: withID(`"req-1"`), status: 200},
	{name: "id negative", session: "0618", body: withID(`-7`), status: 200},
	// Method, params, result.
	{name: "method number", session: "0618", body: `{"jsonrpc":"2.0","id":1,"method":1}`, status: 400, code: -32600},
	{name: "method empty", session: "0618", body: `{"jsonrpc":"2.0","id":1,"method":""}`, status: 400, code: -32600},
	{name: "method null", session: "0618", body: `{"jsonrpc":"2.0","id":1,"method":null}`, status: 400, code: -32600},
	{name: "no method", session: "0618", body: `{"jsonrpc":"2.0","id":1}`, status: 400, code: -32600},
	{name: "result and error", session: "0618", body: `{"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1,"message":"x"}}`, status: 400, code: -32600},
	{name: "request with result", session: "0618", body: `{"jsonrpc":"2.0","id":1,"method":"ping","result":{}}`, status: 400, code: -32600},
	{name: "params array", session: "0618", body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":["search"]}`, status: 400, code: -32600},
	{name: "params string", session: "0618", body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":"search"}`, status: 400, code: -32600},
	{name: "tool name number", session: "0618", body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":7}}`, status: 400, code: -32600},
	{name: "response id object", session: "0618", body: `{"jsonrpc":"2.0","id":{},"result":{}}`, status: 400, code: -32600},
	// Batches, per revision.
	{name: "batch on 2025-06-18", session: "0618", body: "[" + ping + "," + listBody + "]", status: 400, code: -32600},
	{name: "batch with 2025-11-25 header", session: "0618", hdr: map[string]string{"MCP-Protocol-Version": "2025-11-25"}, body: "[" + ping + "]", status: 400, code: -32600},
	{name: "batch on /message", path: "/message?sessionId=x", body: "[" + ping + "]", status: 400, code: -32600},
	{name: "batch with initialize", body: "[" + initBody + "]", status: 400, code: -32600},
	{name: "batch too long", session: "0326", body: "[" + strings.Repeat(notified+",", jsonrpc.MaxBatch) + notified + "]", status: 400, code: -32600},
	{name: "batch on unknown session", session: "bogus", body: "[" + ping + "," + listBody + "]", status: 404},
	{name: "batch of notifications", session: "0326", body: "[" + notified + "," + notified + "]", status: 202},
	// 2026-07-28: Mcp-Method / Mcp-Name must agree with the body.
	{name: "modern Mcp-Name mismatch", hdr: modernHdr("tools/call", "fetch"), body: modernCall, status: 400, code: jsonrpc.CodeHeaderMismatch},
	{name: "modern Mcp-Method mismatch", hdr: modernHdr("tools/list", "search"), body: modernCall, status: 400, code: jsonrpc.CodeHeaderMismatch},
	{name: "modern no Mcp-Method", hdr: modernHdr("", "search"), body: modernCall, status: 400, code: jsonrpc.CodeHeaderMismatch},
	{name: "modern no Mcp-Name", hdr: modernHdr("tools/call", ""), body: modernCall, status: 400, code: jsonrpc.CodeHeaderMismatch},
	{name: "modern base64 name", hdr: modernHdr("tools/call", "=?base64?c2VhcmNo?="), body: modernCall, status: 200},
	// Origin, and the body cap.
	{name: "evil Origin", hdr: map[string]string{"Origin": "https://evil.example"}, body: initBody, status: 403, code: -32600},
	{name: "null Origin", hdr: map[string]string{"Origin": "null"}, body: initBody, status: 403, code: -32600},
	{name: "evil Origin llms.txt", method: "GET", path: "/llms.txt", hdr: map[string]string{"Origin": "https://evil.example"}, status: 403, code: -32600},
	{name: "evil Origin llms-full.txt", method: "GET", path: "/llms-full.txt", hdr: map[string]string{"Origin": "http://evil.example"}, status: 403, code: -32600},
	{name: "2 MiB body", body: `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":"` + strings.Repeat("a", 2<<20) + `"}}`, status: 413, code: -32600},
	{name: "valid notification", session: "0618", body: notified, status: 202},
}

// openSession initializes a streamable session of revision rev and
// returns its id.
func openSession(t *testing.T, hc *http.Client, base, rev string) string {
	t.Helper()
	resp, body := post(t, hc, base+"/mcp", strings.Replace(initBody, "2025-06-18", rev, 1), nil)
	id := resp.Header.Get("Mcp-Session-Id")
	if resp.StatusCode != 200 || id == "" {
		t.Fatalf("initialize %s: %d %s", rev, resp.StatusCode, body)
	}
	hdr := map[string]string{"Mcp-Session-Id": id}
	if rev != "2025-03-26" {
		hdr["MCP-Protocol-Version"] = rev
	}
	if resp, body := post(t, hc, base+"/mcp", notified, hdr); resp.StatusCode != 202 {
		t.Fatalf("initialized: %d %s", resp.StatusCode, body)
	}
	return id
}

// sendBounded is send with a deadline: a request that wrongly opens an
// event stream fails its row instead of hanging the test.
func sendBounded(t *testing.T, hc *http.Client, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(req.Context(), 3*time.Second)
	defer cancel()
	resp, err := hc.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// TestBattery runs the hostile requests against a real Caddy with the mcp
// handler, then checks that legitimate clients of every revision are still
// served.
func TestBattery(t *testing.T) {
	s := startSite(t, false, "mcp {\n\t\tsource INDEX\n\t}", "")
	hc := s.httpClient(t)
	sessions := map[string]string{
		"0326":  openSession(t, hc, s.base, "2025-03-26"),
		"0618":  openSession(t, hc, s.base, "2025-06-18"),
		"bogus": "mcp-session-00000000-0000-4000-8000-000000000000",
	}
	for _, a := range battery {
		method, path := a.method, a.path
		if method == "" {
			method = http.MethodPost
		}
		if path == "" {
			path = "/mcp"
		}
		req, err := http.NewRequest(method, s.base+path, strings.NewReader(a.body))
		if err != nil {
			t.Fatal(err)
		}
		if method == http.MethodPost {
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
		}
		if a.session != "" {
			req.Header.Set("Mcp-Session-Id", sessions[a.session])
			if a.session == "0618" {
				req.Header.Set("MCP-Protocol-Version", "2025-06-18")
			}
		}
		for k, v := range a.hdr {
			if v == "-" {
				req.Header.Del(k)
			} else if k == "Host" {
				req.Host = v
			} else {
				req.Header.Set(k, v)
			}
		}
		resp, body := sendBounded(t, hc, req)
		if resp.StatusCode != a.status {
			t.Errorf("%s: status %d, want %d (%.200s)", a.name, resp.StatusCode, a.status, body)
			continue
		}
		if resp.StatusCode == 405 && resp.Header.Get("Allow") == "" {
			t.Errorf("%s: 405 without Allow", a.name)
		}
		if a.code != 0 {
			var e struct {
				JSONRPC string `json:"jsonrpc"`
				Error   struct{ Code int }
			}
			if err := json.Unmarshal(body, &e); err != nil || e.JSONRPC != "2.0" || e.Error.Code != a.code {
				t.Errorf("%s: body %.120q, want a JSON-RPC error %d", a.name, body, a.code)
			}
		}
	}
	t.Run("legitimate clients after the battery", func(t *testing.T) { runAllRevisions(t, s, hc) })
}

// TestBatch2025_03_26: a 2025-03-26 server MUST accept JSON-RPC batches:
// one response per request, in an array, ids kept; a bad message gets its
// own error; notifications get none. (mcp-go alone answers -32700.)
func TestBatch2025_03_26(t *testing.T) {
	s := startSite(t, false, "mcp {\n\t\tsource INDEX\n\t}", "")
	hc := s.httpClient(t)
	id := openSession(t, hc, s.base, "2025-03-26")
	call := `{"jsonrpc":"2.0","id":"s","method":"tools/call","params":{"name":"search","arguments":{"query":"gizmo"}}}`
	resp, body := post(t, hc, s.base+"/mcp", "["+ping+","+notified+","+call+`,{"jsonrpc":"2.0","id":7,"METHOD":"x"}]`,
		map[string]string{"Mcp-Session-Id": id})
	if resp.StatusCode != 200 {
		t.Fatalf("batch: %d %s", resp.StatusCode, body)
	}
	var out []struct {
		ID     any             `json:"id"`
		Result json.RawMessage `json:"result"`
		Error  *struct{ Code int }
	}
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("batch answer is not an array: %v %s", err, body)
	}
	if len(out) != 3 || out[0].ID != float64(3) || out[0].Result == nil || out[1].ID != "s" ||
		!strings.Contains(string(out[1].Result), "Gizmos") || out[2].ID != float64(7) || out[2].Error == nil || out[2].Error.Code != -32600 {
		t.Fatalf("batch answer: %s", body)
	}
	// Accept: text/event-stream only gets the answer as one event.
	resp, body = post(t, hc, s.base+"/mcp", ping, map[string]string{"Mcp-Session-Id": id, "Accept": "text/event-stream"})
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" ||
		!strings.HasPrefix(string(body), "event: message\ndata: {") || !strings.HasSuffix(string(body), "}\n\n") {
		t.Fatalf("SSE-only Accept: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}
