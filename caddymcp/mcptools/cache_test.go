package mcptools

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
)

// TestResultCacheServesRepeats checks that a repeated search is answered
// from the cache, byte for byte the same, and that different arguments
// are different entries.
func TestResultCacheServesRepeats(t *testing.T) {
	ix := buildIndex(testPages()[:5])
	st := &state{opts: Options{Snapshot: func() (*searchIndex, time.Time) { return ix, time.Time{} }}}
	callTool := func(name string, allowed []string, strict bool, h handler, args map[string]any) *mcp.CallToolResult {
		t.Helper()
		req := mcp.CallToolRequest{}
		req.Params.Name, req.Params.Arguments = name, args
		r, err := st.wrap(name, allowed, strict, h)(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	search := func(q string) *mcp.CallToolResult {
		return callTool(ToolSearch, []string{"query"}, false, st.search, map[string]any{"query": q})
	}
	docs := func(args map[string]any) DocsResults {
		t.Helper()
		r := callTool(ToolSearchDocs, searchDocsArgs, true, st.searchDocs, args)
		var v DocsResults
		if r.IsError || json.Unmarshal(r.RawStructuredContent, &v) != nil {
			t.Fatalf("search_docs(%v): %s", args, text(t, r))
		}
		return v
	}
	first := search("install")
	if n := st.cache.results.len(); n != 1 {
		t.Fatalf("%d cached answers after one search, want 1", n)
	}
	again := search("  install ") // trimmed: the same key
	if text(t, again) != text(t, first) || string(again.RawStructuredContent) != string(first.RawStructuredContent) {
		t.Errorf("cached answer differs:\n%s\n%s", text(t, first), text(t, again))
	}
	if again == first || &again.Content[0] == &first.Content[0] {
		t.Error("the cache hands out the same result object twice; mcp-go may modify it")
	}
	if n := st.cache.results.len(); n != 1 {
		t.Errorf("%d cached answers after a repeat, want 1", n)
	}
	// search_docs with other limits, filters and pages are other entries,
	// each answering for its own arguments.
	a := docs(map[string]any{"query": "install", "limit": 1})
	b := docs(map[string]any{"query": "install", "limit": 2})
	v1 := docs(map[string]any{"query": "install", "limit": 2, "version": "v1"})
	if len(a.Results) != 1 || len(b.Results) != 2 || a.NextCursor == "" {
		t.Fatalf("limit 1: %d results (cursor %q); limit 2: %d", len(a.Results), a.NextCursor, len(b.Results))
	}
	for _, h := range v1.Results {
		if h.Version != "v1" {
			t.Errorf("version filter served %q from the cache", h.Version)
		}
	}
	next := docs(map[string]any{"query": "install", "limit": 1, "cursor": a.NextCursor})
	if next.Offset != 1 || len(next.Results) != 1 || next.Results[0].ID == a.Results[0].ID {
		t.Errorf("page 2 = %+v, want the second hit", next)
	}
	if again := docs(map[string]any{"query": "install", "limit": 1}); again.Results[0].ID != a.Results[0].ID {
		t.Errorf("repeat of page 1 = %+v", again)
	}
	if n := st.cache.results.len(); n != 5 {
		t.Errorf("%d cached answers, want 5", n)
	}
	// Errors are not cached.
	if r := callTool(ToolSearchDocs, searchDocsArgs, true, st.searchDocs, map[string]any{"query": "install", "limit": 99}); !r.IsError {
		t.Error("limit 99 accepted")
	}
	if n := st.cache.results.len(); n != 5 {
		t.Errorf("%d cached answers after an error, want 5", n)
	}
}

// TestResultCacheFollowsIndexSwap checks that a live refresh is never
// hidden by a cached answer of the previous index.
func TestResultCacheFollowsIndexSwap(t *testing.T) {
	e := newEnv(t, testPages()[:5], mcp.ProtocolVersion20250618)
	before, _ := ok[SearchResults](t, e.c, ToolSearch, map[string]any{"query": "zeppelin"})
	if len(before.Results) != 0 {
		t.Fatalf("zeppelin found before the refresh: %+v", before)
	}
	e.ix.Store(buildIndex(append(testPages()[:5], page("docs.example.com/docs/zeppelin", "Zeppelin mode", "docs", "en", "v2",
		sec(0, "", "", "Zeppelin mode floats the server.")))))
	after, _ := ok[SearchResults](t, e.c, ToolSearch, map[string]any{"query": "zeppelin"})
	if len(after.Results) == 0 || after.Results[0].ID != "docs.example.com/docs/zeppelin" {
		t.Errorf("after the refresh: %+v, want the new page", after)
	}
	docs, _ := ok[DocsResults](t, e.c, ToolSearchDocs, map[string]any{"query": "zeppelin"})
	if docs.Total == 0 {
		t.Error("search_docs does not see the new page")
	}
}

// TestResultCacheBounds fills the cache past its bounds and checks the LRU
// order, the byte budget and that entries stay intact.
func TestResultCacheBounds(t *testing.T) {
	var c resultCache
	res := func(s string) *mcp.CallToolResult { return jsonResult(map[string]string{"v": s}) }
	for i := range resultCacheEntries + 10 {
		c.put(fmt.Sprint(i), res(fmt.Sprint(i)))
		if i == 100 {
			c.get("0") // 0 is now more recent than 1..100
		}
	}
	if n := c.len(); n != resultCacheEntries {
		t.Fatalf("%d entries, want %d", n, resultCacheEntries)
	}
	if _, ok := c.get("0"); !ok {
		t.Error("recently used entry 0 was evicted")
	}
	for _, k := range []string{"1", "10"} {
		if _, ok := c.get(k); ok {
			t.Errorf("least recently used entry %s survived", k)
		}
	}
	if _, ok := c.get("11"); !ok {
		t.Error("entry 11 was evicted; only the 10 least recently used should be")
	}
	r, ok := c.get(fmt.Sprint(resultCacheEntries + 9))
	if !ok || string(r.RawStructuredContent) != fmt.Sprintf(`{"v":"%d"}`, resultCacheEntries+9) || text(t, r) != string(r.RawStructuredContent) {
		t.Errorf("newest entry: %v %+v", ok, r)
	}
	// Big answers: the byte budget bounds the cache, and one answer over
	// the per-item cap is not cached at all.
	big := strings.Repeat("x", resultCacheMaxItem/3)
	for i := range 200 {
		c.put("big"+fmt.Sprint(i), res(big))
	}
	if c.bytes > resultCacheBytes || c.len() > resultCacheBytes/(resultCacheMaxItem/3*2) {
		t.Errorf("%d bytes in %d entries, over the %d budget", c.bytes, c.len(), resultCacheBytes)
	}
	c.put("huge", res(strings.Repeat("x", resultCacheMaxItem)))
	if _, ok := c.get("huge"); ok {
		t.Error("an answer over the per-item cap was cached")
	}
	sum := 0
	for e := c.head.next; e != &c.head; e = e.next {
		sum += e.size()
	}
	if sum != c.bytes {
		t.Errorf("byte count %d, entries sum to %d", c.bytes, sum)
	}
	// Errors and other shapes are not cached.
	c.put("err", toolError("nope"))
	c.put("two", &mcp.CallToolResult{Content: []mcp.Content{mcp.NewTextContent("a"), mcp.NewTextContent("b")}})
	for _, k := range []string{"err", "two"} {
		if _, ok := c.get(k); ok {
			t.Errorf("%s was cached", k)
		}
	}
}

// TestResultCacheConcurrent hammers one cache from many goroutines (run
// with -race): every answer read back is the one stored under its key.
func TestResultCacheConcurrent(t *testing.T) {
	var c resultCache
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				k := fmt.Sprint((i*7 + w) % 700)
				if r, ok := c.get(k); ok {
					var v map[string]string
					if err := json.Unmarshal(r.RawStructuredContent, &v); err != nil || v["k"] != k {
						t.Errorf("key %s answered %s", k, r.RawStructuredContent)
						return
					}
					continue
				}
				c.put(k, jsonResult(map[string]string{"k": k}))
			}
		})
	}
	wg.Wait()
	if n := c.len(); n != resultCacheEntries {
		t.Errorf("%d entries, want %d", n, resultCacheEntries)
	}
}

// TestWireChars checks the cheap size count against the real encoding.
func TestWireChars(t *testing.T) {
	for _, s := range []string{"", "plain", `<a href="x">&amp;</a>`, "line\u2028sep\u2029para", "größe — ü", "\u2027\u202a"} {
		raw := marshal(map[string]string{"s": s})
		wire, err := json.Marshal(json.RawMessage(raw))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := wireChars(raw), len([]rune(string(wire))); got != want {
			t.Errorf("%q: wireChars %d, encoded %d characters (%s)", s, got, want, wire)
		}
	}
	// surelySmall is a safe bound: never true for an answer over the cap.
	for _, n := range []int{100, 8_000, 16_000, 17_000, 40_000} {
		for _, s := range []string{strings.Repeat("<", n), strings.Repeat("\u2028", n/3), strings.Repeat("a", n)} {
			r := jsonResult(map[string]string{"s": s})
			if surelySmall(r) && resultChars(r) > MaxResultChars {
				t.Errorf("%d × %q: surelySmall but %d characters", n, s[:1], resultChars(r))
			}
			if n == 100 && !surelySmall(r) {
				t.Errorf("a %d-byte answer is not surely small", len(r.RawStructuredContent))
			}
		}
	}
}
