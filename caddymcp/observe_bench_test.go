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
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/jsonrpc"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// BenchmarkObserveCost measures one search_docs call through the handler
// (streamable HTTP, JSON answer) with metrics, access-log fields and the
// query log off and on, on two workloads: the 3-page fixture with one
// repeated query (answered from the result cache: the cheapest call, so the
// largest share of overhead) and the Hugo docs (716 pages) with a query
// never seen before on every call. The ratio on/off is the per-call cost
// of observability (target: <= 1.05); each iteration makes one call of
// each.
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
		// Both handlers in one loop, alternating which goes first, so the
		// load of a shared machine falls on both alike; the ratio is
		// reported as the metric on/off.
		b.Run(w.name, func(b *testing.B) {
			off, offSession := benchHandler(b, w.index, true)
			on, onSession := benchHandler(b, w.index, false)
			call := func(h *Handler, session string, i int) time.Duration {
				body := fmt.Appendf(nil, `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"search_docs","arguments":{"query":%q}}}`, w.query(i))
				req := benchRequest(body, session)
				rec := httptest.NewRecorder()
				start := time.Now()
				err := h.ServeHTTP(rec, req, nil)
				d := time.Since(start)
				if err != nil || rec.Code != 200 {
					b.Fatalf("%v %d %s", err, rec.Code, rec.Body)
				}
				return d
			}
			var tOff, tOn time.Duration
			n := 0
			for b.Loop() {
				n++
				if n%2 == 0 {
					tOff += call(off, offSession, n)
					tOn += call(on, onSession, n)
				} else {
					tOn += call(on, onSession, n)
					tOff += call(off, offSession, n)
				}
			}
			b.ReportMetric(float64(tOff.Nanoseconds())/float64(n), "off-ns/call")
			b.ReportMetric(float64(tOn.Nanoseconds())/float64(n), "on-ns/call")
			b.ReportMetric(float64(tOn)/float64(tOff), "on/off")
		})
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
func benchHandler(b testing.TB, idx string, off bool) (*Handler, string) {
	if idx == "" {
		idx = filepath.Join(b.TempDir(), "index.json")
		raw, _ := json.Marshal(testPages)
		if err := os.WriteFile(idx, raw, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	// A running Caddy config gives the context the storage the signed
	// session ids keep their key in (a bare caddy.Context has none).
	s := newSiteDir(b)
	s.port = freePort(b)
	load(b, s.caddyfile(false, "", ""))
	b.Cleanup(func() { _ = caddy.Stop() })
	ctx, cancel := caddy.NewContext(caddy.ActiveContext())
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

// BenchmarkObserveWork isolates what observability adds to one tool call:
// the log fields of the request (session hash, method, tool), the call
// note and its flush, and the tool middleware (counter, histogram, result
// count, query log) around a tool that returns a prepared answer.
func BenchmarkObserveWork(b *testing.B) {
	h, _ := benchHandler(b, "", false)
	res := &mcp.CallToolResult{RawStructuredContent: []byte(`{"query":"gizmo","total":2,"offset":0,"fuzzy":false,"results":[]}`)}
	tool := h.observeTool(func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) { return res, nil })
	msg := &jsonrpc.Message{Method: "tools/call", Name: "search_docs", HasName: true,
		Params: json.RawMessage(`{"name":"search_docs","arguments":{"query":"gizmo"}}`)}
	var req mcp.CallToolRequest
	req.Params.Name = "search_docs"
	req.Params.Arguments = map[string]any{"query": "gizmo"}
	base := benchRequest(nil, "0123456789abcdef0123456789abcdef")
	b.ReportAllocs()
	for b.Loop() {
		r := base.WithContext(context.WithValue(base.Context(), caddyhttp.ExtraLogFieldsCtxKey, new(caddyhttp.ExtraLogFields)))
		r, flush := h.noteRequest(r, msg)
		if _, err := tool(r.Context(), req); err != nil {
			b.Fatal(err)
		}
		flush()
	}
}
