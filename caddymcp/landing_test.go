package caddymcp

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
)

// getHTML GETs path as a browser would.
func getHTML(t *testing.T, s *site, path string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.base+path, nil)
	req.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
	resp, body := send(t, s.httpClient(t), req, nil)
	return resp, string(body)
}

// TestLandingPage: a browser GET of the endpoint gets the page, with this
// server's URL in every client snippet, a strict CSP, and escaped text.
func TestLandingPage(t *testing.T) {
	s := newSiteDir(t)
	// A hostile page: markup in its title and text must come out as text.
	hostile := append(append([]map[string]any{}, testPages...), map[string]any{
		"title":     `<script>alert("t")</script> Gizmo <b>XSS</b>`,
		"permalink": `https://docs.example.com/x/"><script>alert(1)</script>`,
		"contents":  `The gizmo <img src=x onerror=alert(2)> handbook.`,
	})
	b, _ := json.Marshal(hostile)
	if err := os.WriteFile(s.index, b, 0o644); err != nil {
		t.Fatal(err)
	}
	s.port = freePort(t)
	load(t, s.caddyfile(false, "mcp {\n\t\tsource "+s.index+"\n\t\tname widgets\n\t}", ""))
	t.Cleanup(func() { _ = caddy.Stop() })

	resp, page := getHTML(t, s, "/mcp")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "script-src") {
		t.Errorf("CSP %q is not strict", csp)
	}
	u := s.base + "/mcp"
	for _, want := range []string{
		"<h1>widgets</h1>",
		"claude mcp add --transport http widgets " + u,
		"gemini mcp add --transport http widgets " + u,
		`&#34;servers&#34;: {`, `&#34;type&#34;: &#34;http&#34;`, // VS Code
		`&#34;mcpServers&#34;: {`, `&#34;httpUrl&#34;: &#34;` + u, // Gemini
		`&#34;url&#34;: &#34;` + u, // Cursor, VS Code
		"4 pages",
		`<form method="get" role="search">`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}

	if strings.Contains(page, s.dir) {
		t.Errorf("the page shows the source's local path %s", s.dir)
	}

	_, results := getHTML(t, s, "/mcp?q="+url.QueryEscape(`gizmo <script>alert(3)</script>`))
	if strings.Contains(results, "<script") || strings.Contains(results, "<img") || !strings.Contains(results, `/x/%22%3e%3cscript`) {
		t.Fatalf("unescaped markup in the results page:\n%s", results)
	}
	for _, want := range []string{"&lt;script&gt;alert(3)", "Configuring Gizmos", "&lt;b&gt;XSS&lt;/b&gt;", "<mark>"} {
		if !strings.Contains(results, want) {
			t.Errorf("results page lacks %q", want)
		}
	}

	// MCP clients are not affected: a POST is still JSON-RPC.
	r2, body := post(t, s.httpClient(t), u, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`, nil)
	if r2.StatusCode != 200 || strings.Contains(string(body), "<html") {
		t.Fatalf("POST: %d %s", r2.StatusCode, body)
	}
}

// TestLandingOff: `landing off` leaves the endpoint to MCP.
func TestLandingOff(t *testing.T) {
	s := startSite(t, false, "mcp {\n\t\tsource INDEX\n\t\tlanding off\n\t}", "")
	// mcp-go may answer with an event stream: look at the headers only.
	req, _ := http.NewRequestWithContext(testCtx(t), http.MethodGet, s.base+"/mcp", nil)
	req.Header.Set("Accept", "text/html")
	resp, err := s.httpClient(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || resp.Header.Get("Content-Security-Policy") != "" {
		t.Fatalf("landing off still served the page: %d %v", resp.StatusCode, resp.Header)
	}
}

// TestLandingPrefix: behind handle_path, the snippets carry the prefix.
func TestLandingPrefix(t *testing.T) {
	s := startSite(t, false, "handle_path /docs/* {\n\t\tmcp {\n\t\t\tsource INDEX\n\t\t}\n\t}", "")
	_, page := getHTML(t, s, "/docs/mcp")
	if want := "claude mcp add --transport http docs " + s.base + "/docs/mcp"; !strings.Contains(page, want) {
		t.Fatalf("page lacks %q:\n%s", want, page)
	}
}
