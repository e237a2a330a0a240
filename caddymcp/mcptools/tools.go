package mcptools

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// Tool names.
const (
	ToolSearch     = "search"
	ToolFetch      = "fetch"
	ToolSearchDocs = "search_docs"
	ToolReadPage   = "read_page"
)

// readOnly sets the title and the behaviour annotations explicitly:
// mcp.NewTool defaults to destructive/open-world, and ChatGPT treats a tool
// without a read-only hint as a write action needing confirmation.
func readOnly(title string) []mcp.ToolOption {
	return []mcp.ToolOption{
		mcp.WithToolTitle(title),
		mcp.WithTitleAnnotation(title),
		mcp.WithReadOnlyHintAnnotation(true),
		mcp.WithDestructiveHintAnnotation(false),
		mcp.WithIdempotentHintAnnotation(true),
		mcp.WithOpenWorldHintAnnotation(false),
	}
}

func newTool(name, title, desc string, output string, opts ...mcp.ToolOption) mcp.Tool {
	all := append(readOnly(title), mcp.WithDescription(desc), mcp.WithRawOutputSchema(json.RawMessage(output)))
	return mcp.NewTool(name, append(all, opts...)...)
}

func (st *state) registerTools(s *server.MCPServer) {
	s.AddTools(
		server.ServerTool{Tool: rawSchema(searchTool()), Handler: st.wrap(ToolSearch, []string{"query"}, false, st.search)},
		server.ServerTool{Tool: rawSchema(fetchTool()), Handler: st.wrap(ToolFetch, []string{"id"}, false, st.fetch)},
		// Not search_docs: toolFilter edits its structured schema.
		server.ServerTool{Tool: searchDocsTool(), Handler: st.wrap(ToolSearchDocs, searchDocsArgs, true, st.searchDocs)},
		server.ServerTool{Tool: rawSchema(readPageTool()), Handler: st.wrap(ToolReadPage, readPageArgs, true, st.readPage)},
	)
}

// rawSchema replaces t's structured input schema by its JSON encoding (the
// same bytes on the wire). mcp-go re-encodes the input schema on every
// 2026-07-28 tools/call to look for x-mcp-header annotations; a raw schema
// costs it a copy instead of a reflective encoding of nested maps.
func rawSchema(t mcp.Tool) mcp.Tool {
	raw, err := json.Marshal(t.InputSchema)
	if err != nil {
		panic(fmt.Sprintf("mcptools: %s input schema: %v", t.Name, err)) // static data: a bug
	}
	t.InputSchema = mcp.ToolInputSchema{}
	t.RawInputSchema = raw
	return t
}

// maxEnum is the largest facet list published as a JSON Schema enum; larger
// lists would bloat every tools/list answer.
const maxEnum = 100

// toolFilter rewrites search_docs in tools/list answers so the section,
// lang and version filters list the values present in the current index.
// The registered tool has no enums because the index (and so the allowed
// values) can change after a live refresh; the handler validates against
// the current values instead.
func (st *state) toolFilter(_ context.Context, tools []mcp.Tool) []mcp.Tool {
	// mcp-go also runs the filter on every tools/call, with just the called
	// tool: leave everything but search_docs untouched, without allocating.
	if !slices.ContainsFunc(tools, func(t mcp.Tool) bool { return t.Name == ToolSearchDocs }) {
		return tools
	}
	c := st.derived()
	if c == nil {
		return tools
	}
	out := make([]mcp.Tool, len(tools))
	for i, t := range tools {
		if t.Name == ToolSearchDocs && t.InputSchema.Properties != nil {
			t.InputSchema.Properties = maps.Clone(t.InputSchema.Properties)
			for _, f := range []struct {
				key    string
				values []string
			}{{"section", c.facets.Sections}, {"lang", c.facets.Langs}, {"version", c.facets.Versions}} {
				prop, ok := t.InputSchema.Properties[f.key].(map[string]any)
				if !ok {
					continue
				}
				prop = maps.Clone(prop)
				switch {
				case len(f.values) == 0:
					prop["description"] = fmt.Sprintf("%v This index has no %s values: leave it out.", prop["description"], f.key)
				case len(f.values) <= maxEnum:
					prop["enum"] = f.values
				default:
					prop["description"] = fmt.Sprintf("%v This index has %d values (too many to list; see the docs://toc resource).", prop["description"], len(f.values))
				}
				t.InputSchema.Properties[f.key] = prop
			}
		}
		out[i] = t
	}
	return out
}
