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

func newTool(name, title, desc string, output json.RawMessage, opts ...mcp.ToolOption) mcp.Tool {
	all := append(readOnly(title), mcp.WithDescription(desc), mcp.WithRawOutputSchema(output))
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

// facetFilter is one search_docs filter: every value of the index (what
// the handler accepts) and those that may be shown (publicFacets).
type facetFilter struct {
	key        string
	all, shown []string
}

func facetFilters(c *indexCache) [3]facetFilter {
	return [3]facetFilter{
		{"section", c.facets.Sections, c.public.Sections},
		{"lang", c.facets.Langs, c.public.Langs},
		{"version", c.facets.Versions, c.public.Versions},
	}
}

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
	c, ok := st.snapshot()
	if !ok {
		return tools
	}
	out := make([]mcp.Tool, len(tools))
	for i, t := range tools {
		if t.Name == ToolSearchDocs && t.InputSchema.Properties != nil {
			t.InputSchema.Properties = maps.Clone(t.InputSchema.Properties)
			for _, f := range facetFilters(c.indexCache) {
				prop, ok := t.InputSchema.Properties[f.key].(map[string]any)
				if !ok {
					continue
				}
				prop = maps.Clone(prop)
				switch all, shown := len(f.all), len(f.shown); {
				case all == 0:
					prop["description"] = fmt.Sprintf("%v This index has no %s values: leave it out.", prop["description"], f.key)
				case shown == 0 || shown > maxEnum:
					prop["description"] = fmt.Sprintf("%v This index has %d values (not listed here; see the docs://toc resource).", prop["description"], all)
				default:
					prop["enum"] = f.shown
					if shown < all {
						// Values that fail publicFacets are still valid
						// filters, just not shown.
						prop["description"] = fmt.Sprintf("%v This index has %d more values not listed here.", prop["description"], all-shown)
					}
				}
				t.InputSchema.Properties[f.key] = prop
			}
		}
		out[i] = t
	}
	return out
}
