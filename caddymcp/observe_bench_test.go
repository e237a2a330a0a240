package caddymcp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// BenchmarkObserveCost measures one search_docs call through the handler
// (streamable HTTP, JSON answer) with metrics, access-log fields and the
// query log off and on, on two workloads: the 3-page fixture with one
// repeated query (answered from the result cache: the cheapest call, so the
// largest share of overhead) and the Hugo docs (716 pages) with a query
// never seen before on every call. The ratio on/off is the per-call cost
// of observability (target: <= 1.05).
func BenchmarkObserveCost(b *testing.B) {
	hugo, err := filepath.Abs("../testdata/hugo/index.json")
	if err != nil {
		b.Fatal(err)
	}
	words := []string{"front matter dates", "shortcode templates", "image processing", "taxonomy terms", "menus", "render hooks", "page bundles", "hugo server"}
	for _, w := range []struct {
		name  string
		index string
		query func(i int) string
	}{
		{"cached", "", func(int) string { return "gizmo sprocket_count" }},
		{"hugo-unique", hugo, func(i int) string { return fmt.Sprintf("%s %d", words[i%len(words)], i) }},
	} {
		for _, mode := range []struct {
			name string
			off  bool
		}{{"off", true}, {"on", false}} {
			b.Run(w.name+"/"+mode.name, func(b *testing.B) {
				h, session := benchHandler(b, w.index, mode.off)
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					i++
					body := fmt.Appendf(nil, `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"search_docs","arguments":{"query":%q}}}`, w.query(i))
					rec := httptest.NewRecorder()
					if err := h.ServeHTTP(rec, benchRequest(body, session), nil); err != nil || rec.Code != 200 {
						b.Fatalf("%v %d %s", err, rec.Code, rec.Body)
					}
				}
			})
		}
	}
}

// benchRequest is a POST as Caddy's server hands it over: with the extra
// log fields in its context.
func benchRequest(body []byte, session string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/mcp", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Accept", "application/json, text/event-stream")
	r.Header.Set("MCP-Protocol-Version", "2025-06-18")
	if session != "" {
		r.Header.Set("Mcp-Session-Id", session)
	}
	ctx := context.WithValue(r.Context(), caddyhttp.ExtraLogFieldsCtxKey, new(caddyhttp.ExtraLogFields))
	return r.WithContext(ctx)
}

// benchHandler provisions a handler on idx (the fixture when empty) and
// opens a session.
func benchHandler(b *testing.B, idx string, off bool) (*Handler, string) {
	if idx == "" {
		idx = filepath.Join(b.TempDir(), "index.json")
		raw, _ := json.Marshal(testPages)
		if err := os.WriteFile(idx, raw, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	b.Cleanup(cancel)
	h := &Handler{Sources: []source.Spec{{Location: idx}}, Name: "bench", Watch: -1}
	h.QueryLog = true
	h.off = off
	if err := h.Provision(ctx); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = h.Cleanup() })
	init := []byte(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}`)
	rec := httptest.NewRecorder()
	if err := h.ServeHTTP(rec, benchRequest(init, ""), nil); err != nil || rec.Code != 200 {
		b.Fatalf("initialize: %v %d %s", err, rec.Code, rec.Body)
	}
	return h, rec.Header().Get("Mcp-Session-Id")
}
