package caddymcp

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

// TestHandlePathPrefix: under `handle_path /docs/*` Caddy strips /docs
// before the handler runs. The legacy SSE `endpoint` event must still name
// /docs/message, or clients post outside the prefix and never get an
// answer; mcp-go's SSE client proves the round trip, and the streamable
// endpoint works at /docs/mcp.
func TestHandlePathPrefix(t *testing.T) {
	s := startSite(t, false, "handle_path /docs/* {\n\t\tmcp {\n\t\t\tsource INDEX\n\t\t}\n\t}", "")
	hc := s.httpClient(t)

	req, err := http.NewRequestWithContext(testCtx(t), http.MethodGet, s.base+"/docs/sse", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	ev := readEvent(t, bufio.NewReader(resp.Body))
	resp.Body.Close()
	if !strings.HasPrefix(ev, "/docs/message?sessionId=") {
		t.Fatalf("endpoint event data %q, want /docs/message?sessionId=...", ev)
	}

	runBothTransports(t, hc, s.base+"/docs")
}

// TestStrippedPrefix covers the prefix rule directly: only a removed
// leading part of the path counts; other rewrites keep the site root.
func TestStrippedPrefix(t *testing.T) {
	for _, tc := range []struct{ orig, now, want string }{
		{"/docs/sse", "/sse", "/docs"},
		{"/a/b/sse", "/sse", "/a/b"},
		{"/sse", "/sse", "/"},
		{"/events", "/sse", "/"}, // rewritten, not stripped
		{"/docs%20x/sse", "/sse", "/docs%20x"},
		{"/xsse", "/sse", "/"}, // not a suffix: no prefix to trust
	} {
		r := httptest.NewRequest(http.MethodGet, tc.now, nil)
		u, err := url.Parse(tc.orig)
		if err != nil {
			t.Fatal(err)
		}
		r = r.WithContext(context.WithValue(r.Context(), caddyhttp.OriginalRequestCtxKey, http.Request{URL: u}))
		if got := strippedPrefix(r); got != tc.want {
			t.Errorf("orig %s now %s: prefix %q, want %q", tc.orig, tc.now, got, tc.want)
		}
	}
	if got := strippedPrefix(httptest.NewRequest(http.MethodGet, "/sse", nil)); got != "/" {
		t.Errorf("no original request: %q, want /", got)
	}
}
