package caddymcp

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/caddyserver/caddy/v2"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/jsonrpc"
)

// countDecodes counts jsonrpc.Decode calls made by the handler and the
// matcher until the test ends.
func countDecodes(t testing.TB) *int {
	n := new(int)
	decodeBody = func(b []byte) (*jsonrpc.Body, error) {
		*n++
		return jsonrpc.Decode(b)
	}
	t.Cleanup(func() { decodeBody = jsonrpc.Decode })
	return n
}

// TestDecodeOnce: a POST is decoded once however many mcp matchers look
// at it before the handler, and a batch once for all its messages; the
// answers are what they were.
func TestDecodeOnce(t *testing.T) {
	h, session := benchHandler(t, "", false)
	n := countDecodes(t)
	search := &MatchMCP{Tools: []string{"search_docs"}}
	list := &MatchMCP{Methods: []string{"tools/list"}, MaxRequestBody: 64} // too small for the body
	for _, m := range []*MatchMCP{search, list} {
		if err := m.Provision(caddy.Context{}); err != nil {
			t.Fatal(err)
		}
	}
	body := []byte(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"search_docs","arguments":{"query":"gizmo"}}}`)
	serve := func(r *http.Request) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		if err := h.ServeHTTP(rec, r, nil); err != nil {
			t.Fatal(err)
		}
		return rec
	}
	plain := serve(benchRequest(body, session))
	if *n != 1 || plain.Code != 200 {
		t.Fatalf("without a matcher: %d decodes, %d %s", *n, plain.Code, plain.Body)
	}

	*n = 0
	r := benchRequest(body, session)
	for _, m := range []*MatchMCP{search, list, search} {
		if _, err := m.MatchWithError(r); err != nil {
			t.Fatal(err)
		}
	}
	if ok, _ := search.MatchWithError(r); !ok {
		t.Fatal("the search matcher does not match")
	}
	if ok, _ := list.MatchWithError(r); ok {
		t.Fatal("the list matcher matches a body over its limit")
	}
	matched := serve(r)
	if *n != 1 || matched.Code != 200 || !bytes.Equal(matched.Body.Bytes(), plain.Body.Bytes()) {
		t.Fatalf("with matchers: %d decodes, %d %s\nwant %s", *n, matched.Code, matched.Body, plain.Body)
	}

	// A body partly read after the matcher is read and decoded again.
	*n = 0
	r = benchRequest(body, session)
	_, _ = search.MatchWithError(r)
	_, _ = io.ReadFull(r.Body, make([]byte, 1))
	r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body[:1]), r.Body))
	if again := serve(r); *n != 2 || again.Code != 200 {
		t.Fatalf("after a read: %d decodes, %d %s", *n, again.Code, again.Body)
	}

	*n = 0
	batch := fmt.Appendf(nil, "[%s,%s]", body, bytes.Replace(body, []byte(`"id":2`), []byte(`"id":3`), 1))
	br := benchRequest(batch, session)
	br.Header.Del("MCP-Protocol-Version") // batches are 2025-03-26's
	if rec := serve(br); *n != 1 || rec.Code != 200 || bytes.Count(rec.Body.Bytes(), []byte(`"jsonrpc"`)) != 2 {
		t.Fatalf("batch: %d decodes, %d %s", *n, rec.Code, rec.Body)
	}
}

// BenchmarkCall is one tools/call search (the ChatGPT-shaped tool the
// end-to-end throughput matrix calls) through the handler's ServeHTTP, in
// process: each revision (2025-06-18 on a session, 2026-07-28 stateless)
// × the result cache hit (one query) or missed (a new query each call),
// on the Hugo docs. allocs/op is the number to watch.
func BenchmarkCall(b *testing.B) {
	hugo, err := filepath.Abs("../testdata/hugo/index.json")
	if err != nil {
		b.Fatal(err)
	}
	h, session := benchHandler(b, hugo, false)
	words := []string{"front matter dates", "shortcode templates", "image processing", "taxonomy terms", "menus", "render hooks", "page bundles", "hugo server"}
	for _, rev := range []string{"2025-06-18", "2026-07-28"} {
		for _, miss := range []bool{false, true} {
			name := rev + "/hit"
			if miss {
				name = rev + "/miss"
			}
			b.Run(name, func(b *testing.B) {
				i := 0
				b.ReportAllocs()
				for b.Loop() {
					i++
					q := "front matter dates"
					if miss {
						q = fmt.Sprintf("%s %d", words[i%len(words)], i)
					}
					var body []byte
					var r *http.Request
					if rev == "2025-06-18" {
						body = fmt.Appendf(nil, `{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"search","arguments":{"query":%q}}}`, i, q)
						r = benchRequest(body, session)
					} else {
						body = fmt.Appendf(nil, `{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"search","arguments":{"query":%q},`+
							`"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}`, i, q)
						r = benchRequest(body, "")
						r.Header.Set("MCP-Protocol-Version", "2026-07-28")
						r.Header.Set("Mcp-Method", "tools/call")
						r.Header.Set("Mcp-Name", "search")
					}
					rec := httptest.NewRecorder()
					if err := h.ServeHTTP(rec, r, nil); err != nil || rec.Code != 200 || !bytes.Contains(rec.Body.Bytes(), []byte(`"results"`)) {
						b.Fatalf("%v %d %s", err, rec.Code, rec.Body)
					}
				}
			})
		}
	}
}
