package mcptools

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestOutputsMatchSchemas: real answers of every tool, in all their shapes
// (empty, paged, truncated, a section, a stale cursor), validate against
// the output schema the client got from tools/list.
func TestOutputsMatchSchemas(t *testing.T) {
	e := newEnv(t, nil, mcp.ProtocolVersion20250618)
	res, err := e.c.ListTools(t.Context(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	schemas := map[string]*jsonschema.Schema{}
	for _, tool := range res.Tools {
		raw, err := json.Marshal(tool.OutputSchema)
		if err != nil {
			t.Fatal(err)
		}
		schemas[tool.Name] = compileSchema(t, tool.Name, raw)
	}
	staleCursor := cursor{V: 1, Q: "install", O: 1}.encode()
	for _, c := range []struct {
		tool string
		args map[string]any
	}{
		{ToolSearch, map[string]any{"query": "install"}},
		{ToolSearch, map[string]any{"query": "zzqqxx"}},
		{ToolFetch, map[string]any{"id": "docs.example.com/docs/install"}},
		{ToolFetch, map[string]any{"id": "docs.example.com/docs/install#linux"}},
		{ToolFetch, map[string]any{"id": "docs.example.com/docs/install#nope"}},
		{ToolFetch, map[string]any{"id": bigPageID}},
		{ToolSearchDocs, map[string]any{"query": "install", "limit": 1}},
		{ToolSearchDocs, map[string]any{"query": "install", "lang": "de", "version": "v2", "section": "docs"}},
		{ToolSearchDocs, map[string]any{"query": "instal"}},
		{ToolSearchDocs, map[string]any{"query": "zzqqxx"}},
		{ToolSearchDocs, map[string]any{"query": "install", "cursor": staleCursor}},
		{ToolReadPage, map[string]any{"id": "docs.example.com/docs/install"}},
		{ToolReadPage, map[string]any{"id": "docs.example.com/docs/install", "section": "linux"}},
		{ToolReadPage, map[string]any{"id": bigPageID, "max_length": 100, "start_index": 50}},
		{ToolReadPage, map[string]any{"url": "https://docs.example.com/blog/release/"}},
	} {
		r := call(t, e.c, c.tool, c.args)
		if r.IsError {
			t.Fatalf("%s(%v): %s", c.tool, c.args, text(t, r))
		}
		validate(t, schemas[c.tool], c.tool, r.RawStructuredContent)
	}
	// The validator is not vacuous: what the schemas rule out fails.
	for tool, bad := range map[string]string{
		ToolSearch:     `{"results":null}`,
		ToolFetch:      `{"id":"x","title":"t","text":"x","url":"u","extra":1}`,
		ToolSearchDocs: `{"query":"q","total":1,"offset":0,"fuzzy":false}`,
		ToolReadPage:   `{"id":"x"}`,
	} {
		v, _ := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(bad)))
		if schemas[tool].Validate(v) == nil {
			t.Errorf("%s schema accepts %s", tool, bad)
		}
	}
}

// TestChatGPTSchemasKeepTheirShape: the generated schemas of search and
// fetch describe exactly the connector shapes: {"results": [{id, title,
// url}]} and {id, title, text, url, metadata?}.
func TestChatGPTSchemasKeepTheirShape(t *testing.T) {
	type obj = map[string]any
	var search, fetch obj
	if err := json.Unmarshal(searchTool().RawOutputSchema, &search); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(fetchTool().RawOutputSchema, &fetch); err != nil {
		t.Fatal(err)
	}
	results := search["properties"].(obj)["results"].(obj)
	item := results["items"].(obj)
	if results["type"] != "array" || len(search["properties"].(obj)) != 1 || !sameSet(search["required"], "results") ||
		len(item["properties"].(obj)) != 3 || !sameSet(item["required"], "id", "title", "url") {
		t.Errorf("search output schema %s", searchTool().RawOutputSchema)
	}
	if p := fetch["properties"].(obj); len(p) != 5 || p["metadata"].(obj)["type"] != "object" ||
		!sameSet(fetch["required"], "id", "title", "text", "url") {
		t.Errorf("fetch output schema %s", fetchTool().RawOutputSchema)
	}
}

func sameSet(v any, want ...string) bool {
	list, _ := v.([]any)
	if len(list) != len(want) {
		return false
	}
	for _, w := range want {
		found := false
		for _, x := range list {
			found = found || x == w
		}
		if !found {
			return false
		}
	}
	return true
}

func compileSchema(t *testing.T, name string, raw []byte) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("%s schema: %v", name, err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(name+".json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(name + ".json")
	if err != nil {
		t.Fatalf("%s schema %s: %v", name, raw, err)
	}
	return s
}

func validate(t *testing.T, s *jsonschema.Schema, tool string, raw []byte) {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("%s structuredContent: %v", tool, err)
	}
	if err := s.Validate(v); err != nil {
		t.Errorf("%s answer does not match its output schema: %v\n%s", tool, err, clip(string(raw), 500))
	}
}
