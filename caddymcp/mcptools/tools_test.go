package mcptools

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
)

func TestListToolsAnnotationsAndSchemas(t *testing.T) {
	for _, proto := range []string{mcp.ProtocolVersion20241105, mcp.ProtocolVersion20250618, mcp.ProtocolVersion20260728} {
		t.Run(proto, func(t *testing.T) {
			e := newEnv(t, nil, proto)
			res, err := e.c.ListTools(t.Context(), mcp.ListToolsRequest{})
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			tools := map[string]mcp.Tool{}
			for _, tool := range res.Tools {
				names = append(names, tool.Name)
				tools[tool.Name] = tool
			}
			sort.Strings(names)
			if want := []string{"fetch", "read_page", "search", "search_docs"}; !reflect.DeepEqual(names, want) {
				t.Fatalf("tools = %v, want %v", names, want)
			}
			for _, tool := range res.Tools {
				a := tool.Annotations
				if a.ReadOnlyHint == nil || !*a.ReadOnlyHint || a.DestructiveHint == nil || *a.DestructiveHint ||
					a.IdempotentHint == nil || !*a.IdempotentHint || a.OpenWorldHint == nil || *a.OpenWorldHint {
					t.Errorf("%s: annotations %+v: want read-only, non-destructive, idempotent, closed-world", tool.Name, a)
				}
				if tool.Title == "" || a.Title == "" || len(tool.Description) < 80 {
					t.Errorf("%s: title %q / description %q too thin", tool.Name, tool.Title, tool.Description)
				}
				if tool.InputSchema.Type != "object" || len(tool.InputSchema.Properties) == 0 {
					t.Errorf("%s: input schema %+v", tool.Name, tool.InputSchema)
				}
				for k, v := range tool.InputSchema.Properties {
					if d, _ := v.(map[string]any)["description"].(string); d == "" {
						t.Errorf("%s.%s has no description", tool.Name, k)
					}
				}
				if tool.OutputSchema.Type != "object" || len(tool.OutputSchema.Properties) == 0 {
					t.Errorf("%s: no output schema: %+v", tool.Name, tool.OutputSchema)
				}
			}
			// ChatGPT connector contract: exactly one required string argument.
			for name, arg := range map[string]string{"search": "query", "fetch": "id"} {
				s := tools[name].InputSchema
				if !reflect.DeepEqual(s.Required, []string{arg}) || len(s.Properties) != 1 {
					t.Errorf("%s input schema: required %v, properties %v", name, s.Required, s.Properties)
				}
				if typ := s.Properties[arg].(map[string]any)["type"]; typ != "string" {
					t.Errorf("%s.%s type %v", name, arg, typ)
				}
			}
			// Filters list the index's values as enums.
			props := tools["search_docs"].InputSchema.Properties
			for key, want := range map[string][]any{
				"section": {"blog", "docs"}, "lang": {"de", "en"}, "version": {"v1", "v2"},
			} {
				if got := props[key].(map[string]any)["enum"]; !reflect.DeepEqual(got, want) {
					t.Errorf("search_docs.%s enum = %v, want %v", key, got, want)
				}
			}
			if lim := props["limit"].(map[string]any); lim["maximum"] != float64(MaxSearchLimit) || lim["type"] != "integer" {
				t.Errorf("limit schema %v", lim)
			}
			if o := tools["search_docs"].InputSchema.PropertyOrder; len(o) == 0 || o[0] != "query" {
				t.Errorf("search_docs properties order %v: query must come first", o)
			}
			if o := tools["read_page"].InputSchema.PropertyOrder; len(o) == 0 || o[0] != "id" {
				t.Errorf("read_page properties order %v", o)
			}
			if tools["read_page"].InputSchema.AdditionalProperties != false {
				t.Errorf("read_page additionalProperties = %v", tools["read_page"].InputSchema.AdditionalProperties)
			}
		})
	}
}

func TestEnumsFollowLiveRefresh(t *testing.T) {
	e := newEnv(t, nil, mcp.ProtocolVersion20250618)
	listChanged := make(chan struct{}, 10)
	e.c.OnNotification(func(n mcp.JSONRPCNotification) {
		if n.Method == string(mcp.MethodNotificationToolsListChanged) {
			listChanged <- struct{}{}
		}
	})
	// A refresh that keeps the facets changes no tool: no notification.
	e.ix.Store(buildIndex(testPages()))
	call(t, e.c, ToolSearch, map[string]any{"query": "install"})
	select {
	case <-listChanged:
		t.Error("tools/list_changed without a facet change")
	case <-time.After(100 * time.Millisecond):
	}
	pages := testPages()
	pages = append(pages, page("docs.example.com/api/x", "X API", "api", "fr", "v3", sec(0, "", "", "x api")))
	e.ix.Store(buildIndex(pages))
	res, err := e.c.ListTools(t.Context(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-listChanged:
	case <-time.After(5 * time.Second):
		t.Error("no tools/list_changed after the facets changed")
	}
	for _, tool := range res.Tools {
		if tool.Name != ToolSearchDocs {
			continue
		}
		got := tool.InputSchema.Properties["lang"].(map[string]any)["enum"]
		if !reflect.DeepEqual(got, []any{"de", "en", "fr"}) {
			t.Errorf("lang enum after refresh = %v", got)
		}
	}
	// The new value is accepted by the handler too.
	r, _ := ok[DocsResults](t, e.c, ToolSearchDocs, map[string]any{"query": "api", "lang": "fr"})
	if r.Total != 1 || r.Results[0].PageID != "docs.example.com/api/x" {
		t.Errorf("lang=fr after refresh: %+v", r)
	}
}

// TestChatGPTShapes checks search and fetch field by field: one text item
// whose text is the JSON, the same bytes as structuredContent, exactly the
// connector's field names, non-empty URLs.
func TestChatGPTShapes(t *testing.T) {
	e := newEnv(t, nil, mcp.ProtocolVersion20250618)
	r := call(t, e.c, ToolSearch, map[string]any{"query": "upstream addresses"})
	txt := text(t, r)
	if r.IsError || txt != string(r.RawStructuredContent) {
		t.Fatalf("search: isError=%v text %q vs structured %q", r.IsError, txt, r.RawStructuredContent)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(txt), &top); err != nil || len(top) != 1 || top["results"] == nil {
		t.Fatalf("search JSON %s: want exactly {\"results\":[...]} (%v)", txt, err)
	}
	var items []map[string]any
	if err := json.Unmarshal(top["results"], &items); err != nil || len(items) == 0 {
		t.Fatalf("results %s: %v", top["results"], err)
	}
	for _, it := range items {
		keys := slices.Sorted(maps.Keys(it))
		if !reflect.DeepEqual(keys, []string{"id", "title", "url"}) {
			t.Errorf("result keys %v, want [id title url]", keys)
		}
		for _, k := range keys {
			if s, _ := it[k].(string); s == "" {
				t.Errorf("result %v: empty %s", it, k)
			}
		}
	}
	first := items[0]
	if first["id"] != "docs.example.com/docs/reverse_proxy#upstream-addresses" ||
		first["url"] != "https://docs.example.com/docs/reverse_proxy/#upstream-addresses" ||
		first["title"] != "reverse_proxy directive — Upstream addresses" {
		t.Errorf("top result %v", first)
	}

	// No hits is still the connector shape, never null.
	if r := call(t, e.c, ToolSearch, map[string]any{"query": "zzzqqqxxx"}); text(t, r) != `{"results":[]}` || r.IsError {
		t.Errorf("empty search: %q", text(t, r))
	}

	// fetch accepts the id search gave.
	f := call(t, e.c, ToolFetch, map[string]any{"id": first["id"]})
	ftxt := text(t, f)
	if f.IsError || ftxt != string(f.RawStructuredContent) {
		t.Fatalf("fetch: isError=%v text %q vs structured %q", f.IsError, ftxt, f.RawStructuredContent)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(ftxt), &doc); err != nil {
		t.Fatal(err)
	}
	if keys := slices.Sorted(maps.Keys(doc)); !reflect.DeepEqual(keys, []string{"id", "metadata", "text", "title", "url"}) {
		t.Errorf("fetch keys %v", keys)
	}
	if doc["id"] != first["id"] || doc["url"] != first["url"] || !strings.Contains(doc["text"].(string), "localhost:8080") {
		t.Errorf("fetch doc %v", doc)
	}
	if strings.Contains(doc["text"].(string), "header_up") {
		t.Errorf("section fetch leaked the next section: %q", doc["text"])
	}
	if md := doc["metadata"].(map[string]any); md["page_id"] != "docs.example.com/docs/reverse_proxy" || md["lastmod"] != "2026-03-04T05:06:07Z" {
		t.Errorf("metadata %v", md)
	}
}

func TestFetch(t *testing.T) {
	e := newEnv(t, nil, "")
	for _, id := range []string{
		"docs.example.com/docs/install",
		"https://docs.example.com/docs/install/",
		"https://docs.example.com/docs/install",
		"docs://pages/docs/install",
	} {
		doc, _ := ok[FetchResult](t, e.c, ToolFetch, map[string]any{"id": id})
		if doc.ID != "docs.example.com/docs/install" || doc.Title != "Install" || doc.URL != "https://docs.example.com/docs/install/" {
			t.Errorf("fetch %q: %+v", id, doc)
		}
		if !strings.Contains(doc.Text, "## Linux") || !strings.Contains(doc.Text, "Download the zip") {
			t.Errorf("fetch %q text %q", id, doc.Text)
		}
	}
	// A section includes its subsections and nothing after them.
	doc, _ := ok[FetchResult](t, e.c, ToolFetch, map[string]any{"id": "docs.example.com/docs/install#linux"})
	if !strings.Contains(doc.Text, "Debian packages are signed") || strings.Contains(doc.Text, "Windows") {
		t.Errorf("section text %q", doc.Text)
	}
	// 1 MB page: bounded, and metadata says how to read on.
	big, _ := ok[FetchResult](t, e.c, ToolFetch, map[string]any{"id": bigPageID})
	if n := runeCount(big.Text); n > FetchMaxChars+300 || n < FetchMaxChars {
		t.Errorf("big fetch text %d chars", n)
	}
	if big.Metadata["truncated"] != true || big.Metadata["returned_length"] != float64(FetchMaxChars) ||
		!strings.Contains(big.Metadata["continue_with"].(string), `"start_index": 20000`) {
		t.Errorf("big fetch metadata %v", big.Metadata)
	}
	fails(t, e.c, ToolFetch, map[string]any{"id": ""}, "non-empty")
	fails(t, e.c, ToolFetch, map[string]any{}, "non-empty")
	fails(t, e.c, ToolFetch, map[string]any{"id": 42}, "non-empty")
	fails(t, e.c, ToolFetch, map[string]any{"id": "docs.example.com/docs/instal"}, "no page has the id", "search")
	fails(t, e.c, ToolSearch, map[string]any{"query": "  "}, "non-empty")
	fails(t, e.c, ToolSearch, map[string]any{"query": strings.Repeat("a", 2000)}, "too long")
}
