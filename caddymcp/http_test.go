package caddymcp

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"strings"
	"testing"
	"time"
)

const initBody = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`

// post sends a JSON-RPC body to the streamable endpoint.
func post(t testing.TB, hc *http.Client, url, body string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	return send(t, hc, req, hdr)
}

// send sets the headers (a "Host" entry sets the request's host), does the
// request and returns the response with its whole body.
func send(t testing.TB, hc *http.Client, req *http.Request, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	for k, v := range hdr {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// rpcError decodes a JSON-RPC error body.
func rpcError(t *testing.T, body []byte) (int, string) {
	t.Helper()
	var e struct {
		JSONRPC string `json:"jsonrpc"`
		Error   struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &e); err != nil || e.JSONRPC != "2.0" {
		t.Fatalf("not a JSON-RPC error body: %q (%v)", body, err)
	}
	return e.Error.Code, e.Error.Message
}

// TestNonMCPPathsPassThrough: the rest of the site keeps working.
func TestNonMCPPathsPassThrough(t *testing.T) {
	s := startSite(t, false, "mcp {\n\t\tsource INDEX\n\t}", "")
	resp, err := s.httpClient(t).Get(s.base + "/hello.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(b) != "hello from file_server\n" {
		t.Fatalf("GET /hello.txt = %d %q", resp.StatusCode, b)
	}
}

// TestOrigin proves the Origin check (pitfall 2, second half): a present,
// not-allowed Origin gets 403 with a JSON-RPC error on every endpoint;
// absent, same-host and configured origins are served.
func TestOrigin(t *testing.T) {
	s := startSite(t, false, "mcp {\n\t\tsource INDEX\n\t\tallowed_origins https://chatgpt.com\n\t}", "")
	hc := s.httpClient(t)
	for _, tc := range []struct {
		origin string
		want   int
	}{
		{"", 200},
		{"https://chatgpt.com", 200},
		{s.base, 200}, // same host
		{"https://evil.example", 403},
		{"null", 403},
		{fmt.Sprintf("http://127.0.0.1:%d", s.port+1), 403}, // other port
	} {
		hdr := map[string]string{}
		if tc.origin != "" {
			hdr["Origin"] = tc.origin
		}
		resp, body := post(t, hc, s.base+"/mcp", initBody, hdr)
		if resp.StatusCode != tc.want {
			t.Errorf("Origin %q: status %d, want %d (%s)", tc.origin, resp.StatusCode, tc.want, body)
			continue
		}
		if tc.want == 403 {
			if code, msg := rpcError(t, body); code != -32600 || !strings.Contains(msg, "origin") {
				t.Errorf("Origin %q: error %d %q", tc.origin, code, msg)
			}
		}
	}
	// Browser clients of an allowed origin get CORS: the preflight is
	// answered, MCP headers may be sent, and the session id can be read.
	req, _ := http.NewRequest(http.MethodOptions, s.base+"/mcp", nil)
	req.Header.Set("Origin", "https://chatgpt.com")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "content-type,mcp-protocol-version")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "https://chatgpt.com" ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "MCP-Protocol-Version") {
		t.Errorf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
	resp, _ = post(t, hc, s.base+"/mcp", initBody, map[string]string{"Origin": "https://chatgpt.com"})
	if resp.Header.Get("Access-Control-Allow-Origin") != "https://chatgpt.com" ||
		!strings.Contains(resp.Header.Get("Access-Control-Expose-Headers"), "Mcp-Session-Id") {
		t.Errorf("CORS headers on POST: %v", resp.Header)
	}

	// The legacy endpoints are guarded too.
	req, _ = http.NewRequest(http.MethodGet, s.base+"/sse", nil)
	req.Header.Set("Origin", "https://evil.example")
	resp, err = hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("GET /sse with bad Origin: %d, want 403", resp.StatusCode)
	} else if code, _ := rpcError(t, body); code != -32600 {
		t.Errorf("GET /sse with bad Origin: JSON-RPC code %d", code)
	}
	resp, body = post(t, hc, s.base+"/message?sessionId=x", initBody, map[string]string{"Origin": "https://evil.example"})
	if resp.StatusCode != 403 {
		t.Errorf("POST /message with bad Origin: %d, want 403", resp.StatusCode)
	} else if code, _ := rpcError(t, body); code != -32600 {
		t.Errorf("POST /message with bad Origin: JSON-RPC code %d", code)
	}
}

// TestHostHeader proves pitfall 2 (first half): mcp-go rejects requests
// that arrive on a loopback address with a Host that is not localhost
// ("invalid Host header", 403). Behind Caddy that is every request for a
// real domain that is reverse-proxied or resolved to 127.0.0.1, so the
// check must be off (our Origin check does the spec's job).
func TestHostHeader(t *testing.T) {
	s := startSiteHost(t, "docs.example.com", false, "mcp {\n\t\tsource INDEX\n\t}", "")
	hc := s.httpClient(t) // dials 127.0.0.1 for docs.example.com
	runBothTransports(t, hc, s.base)
}

// TestBodyLimit proves pitfall 5: bodies over max_request_body get 413
// with a JSON-RPC error, with or without Content-Length, and the server
// keeps serving.
func TestBodyLimit(t *testing.T) {
	s := startSite(t, false, "mcp {\n\t\tsource INDEX\n\t\tmax_request_body 64KiB\n\t}", "")
	hc := s.httpClient(t)
	// A valid initialize, padded past the limit: without the cap it would
	// be read whole and answered 200.
	big := strings.Replace(initBody, `"capabilities":{}`, `"capabilities":{},"pad":"`+strings.Repeat("x", 100<<10)+`"`, 1)

	resp, body := post(t, hc, s.base+"/mcp", big, nil)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("with Content-Length: %d, want 413 (%.200s)", resp.StatusCode, body)
	}
	if code, msg := rpcError(t, body); code != -32600 || !strings.Contains(msg, "64 KiB") {
		t.Fatalf("413 body: %d %q", code, msg)
	}

	// Chunked: no Content-Length, so the limit must apply while reading.
	req, _ := http.NewRequest(http.MethodPost, s.base+"/message?sessionId=x", io.MultiReader(strings.NewReader(big)))
	req.Header.Set("Content-Type", "application/json")
	resp2, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := io.ReadAll(resp2.Body)
	resp2.Body.Close()
	if resp2.ContentLength != -1 && req.ContentLength != 0 {
		t.Logf("request was sent with Content-Length %d", req.ContentLength)
	}
	if resp2.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("chunked: %d, want 413 (%.200s)", resp2.StatusCode, b2)
	}
	rpcError(t, b2)

	// A body just under the limit is fine.
	resp, body = post(t, hc, s.base+"/mcp", initBody, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("small body after 413: %d %s", resp.StatusCode, body)
	}
}

// TestMalformedJSON: a parse error is answered as such and the server
// keeps serving.
func TestMalformedJSON(t *testing.T) {
	s := startSite(t, false, "mcp {\n\t\tsource INDEX\n\t}", "")
	hc := s.httpClient(t)
	resp, body := post(t, hc, s.base+"/mcp", `{"jsonrpc":"2.0","id":1,"method":`, nil)
	if resp.StatusCode != 400 {
		t.Fatalf("malformed: %d %s", resp.StatusCode, body)
	}
	if code, _ := rpcError(t, body); code != -32700 {
		t.Fatalf("malformed: code %d, want -32700 (parse error)", code)
	}
	resp, body = post(t, hc, s.base+"/mcp", initBody, nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"protocolVersion"`) {
		t.Fatalf("after malformed: %d %s", resp.StatusCode, body)
	}
}

// TestUnknownSession: a session id the server never issued gets 404, which
// tells clients to start a new session.
func TestUnknownSession(t *testing.T) {
	s := startSite(t, false, "mcp {\n\t\tsource INDEX\n\t}", "")
	hc := s.httpClient(t)
	list := `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`
	for _, id := range []string{"mcp-session-00000000-0000-4000-8000-000000000000", "bogus"} {
		resp, body := post(t, hc, s.base+"/mcp", list, map[string]string{
			"Mcp-Session-Id": id, "MCP-Protocol-Version": "2025-06-18",
		})
		if resp.StatusCode != 404 {
			t.Errorf("session %q: %d, want 404 (%s)", id, resp.StatusCode, body)
		}
	}
	// Legacy HTTP+SSE: a message for a session with no open stream (never
	// opened, ended or idled out) gets 404 too, with a JSON-RPC body.
	resp, body := post(t, hc, s.base+"/message?sessionId=0b7c8a1e-0000-4000-8000-000000000000", list, nil)
	if resp.StatusCode != 404 {
		t.Errorf("legacy unknown session: %d, want 404 (%s)", resp.StatusCode, body)
	} else if _, msg := rpcError(t, body); !strings.Contains(msg, "/sse") {
		t.Errorf("legacy unknown session: message %q does not say where to reconnect", msg)
	}
	// A real one works.
	resp, _ = post(t, hc, s.base+"/mcp", initBody, nil)
	id := resp.Header.Get("Mcp-Session-Id")
	if id == "" {
		t.Fatal("no session id from initialize")
	}
	resp, body = post(t, hc, s.base+"/mcp", list, map[string]string{"Mcp-Session-Id": id, "MCP-Protocol-Version": "2025-06-18"})
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"search"`) {
		t.Fatalf("known session: %d %s", resp.StatusCode, body)
	}
}

// rawGet sends a GET over a raw TCP connection and returns the response
// head and a reader positioned at the body, so headers are seen exactly as
// sent.
func rawGet(t testing.TB, s *site, path string, hdr map[string]string) (string, *bufio.Reader, net.Conn) {
	t.Helper()
	conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", s.port))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	req := fmt.Sprintf("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAccept: text/event-stream\r\n", path, s.port)
	for k, v := range hdr {
		req += k + ": " + v + "\r\n"
	}
	if _, err := io.WriteString(conn, req+"\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	var head strings.Builder
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("reading head: %v (%q)", err, head.String())
		}
		if line == "\r\n" {
			break
		}
		head.WriteString(line)
	}
	if strings.Contains(strings.ToLower(head.String()), "transfer-encoding: chunked") {
		br = bufio.NewReader(httputil.NewChunkedReader(br))
	}
	return head.String(), br, conn
}

// TestStreamsThroughCaddyWriters proves pitfalls 1 and 4 on HTTP/1.1: the
// SSE GET and the streamable GET stream through Caddy's wrapped writers
// (mcp-go needs http.Flusher: 500 / 405 without the wrapper), carry no
// hop-by-hop headers from mcp-go, and say X-Accel-Buffering: no. The SSE
// endpoint event is a path relative to the request's host.
func TestStreamsThroughCaddyWriters(t *testing.T) {
	s := startSite(t, false, "mcp {\n\t\tsource INDEX\n\t}", "")

	t.Run("sse", func(t *testing.T) {
		head, br, _ := rawGet(t, s, "/sse", nil)
		checkStreamHead(t, "GET /sse", head)
		ev, _ := br.ReadString('\n')
		data, _ := br.ReadString('\n')
		if ev != "event: endpoint\n" || !strings.HasPrefix(data, "data: /message?sessionId=") {
			t.Fatalf("first SSE event = %q %q, want an endpoint event with a relative path", ev, data)
		}
	})
	t.Run("streamable", func(t *testing.T) {
		resp, _ := post(t, s.httpClient(t), s.base+"/mcp", initBody, nil)
		id := resp.Header.Get("Mcp-Session-Id")
		head, _, _ := rawGet(t, s, "/mcp", map[string]string{"Mcp-Session-Id": id, "MCP-Protocol-Version": "2025-06-18"})
		checkStreamHead(t, "GET /mcp", head)
	})
}

func checkStreamHead(t *testing.T, what, head string) {
	t.Helper()
	if !strings.HasPrefix(head, "HTTP/1.1 200") {
		t.Fatalf("%s: %q", what, head)
	}
	lower := strings.ToLower(head)
	if strings.Contains(lower, "connection: keep-alive") || strings.Contains(lower, "keep-alive:") {
		t.Errorf("%s: hop-by-hop header in response:\n%s", what, head)
	}
	if !strings.Contains(lower, "x-accel-buffering: no") {
		t.Errorf("%s: no X-Accel-Buffering: no:\n%s", what, head)
	}
	if !strings.Contains(lower, "content-type: text/event-stream") {
		t.Errorf("%s: not an event stream:\n%s", what, head)
	}
}

// TestCustomPathsAndOff: endpoints move where configured, and a transport
// that is off leaves its paths to the next handler.
func TestCustomPathsAndOff(t *testing.T) {
	s := startSite(t, false, "mcp {\n\t\tsource INDEX\n\t\tendpoint /api/mcp\n\t\tsse off\n\t}", "")
	hc := s.httpClient(t)
	ctx := testCtx(t)
	c := newStreamableClient(t, ctx, s.base+"/api/mcp", hc, "2025-11-25")
	initialize(t, ctx, c, "2025-11-25")
	exercise(t, ctx, c)
	for _, path := range []string{"/mcp", "/sse", "/message"} {
		resp, err := hc.Get(s.base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 404 || resp.Header.Get("Content-Type") == "text/event-stream" {
			t.Errorf("GET %s with sse off: %d %s, want file_server's 404", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
}
