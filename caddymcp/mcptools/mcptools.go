// Package mcptools builds the MCP server (mcp-go) that exposes a
// documentation index as tools and resources. Transports are not this
// package's business: the caller wraps the returned *server.MCPServer in
// whatever HTTP handlers it serves.
//
// Tools (all read-only, idempotent, closed-world, with output schemas):
//   - search {query} and fetch {id}: exactly the ChatGPT connector / deep
//     research shape: one text item holding the JSON, the same bytes as
//     structuredContent.
//   - search_docs {query, limit, cursor, section, lang, version}: ranked
//     sections with snippets for any LLM; readable text plus structured
//     results; opaque cursors tied to their query, filters and index (a
//     cursor used after a live refresh still answers, flagged
//     index_changed, since results may have shifted).
//   - read_page {id|url, section, start_index, max_length}: bounded text
//     of a page or one section, with exact continuation instructions.
//
// Resources: docs://toc (and docs://toc/{part}), docs://pages/{+path} and
// docs://status (index time, page count and per-source freshness, as JSON).
//
// Design choices:
//   - The index is pulled through Options.Index on every request, so a live
//     refresh needs no rebuild of the server.
//   - Filters are always in the search_docs schema; their allowed values
//     are published as enums of the current index (up to 100 values, and
//     only those that look like a section, language or version: values
//     come from documents, see facets.go) by a tool filter at tools/list
//     time, and validated by the handler, so a
//     refresh never leaves a stale enum that rejects valid values. When the
//     values change, clients get notifications/tools/list_changed.
//   - No answer exceeds MaxResultChars (~25k tokens): each tool is built to
//     fit (text counted twice, as content and structuredContent) and shrinks
//     what it returns when it would not.
//   - Bad arguments are tool errors (isError) that tell the model how to
//     recover, never JSON-RPC errors.
//   - Pages are third-party text: quoted page text opens with a header
//     line (contentHeader) and the instructions say documentation is
//     reference material, never instructions to follow.
//   - Reads of missing docs:// pages or TOC parts answer "resource not
//     found" (-32002), not an internal error (see markNotFound).
package mcptools

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/server"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/search"
)

// DefaultName is the server name used when Options.Name is empty.
const DefaultName = "docs"

// DefaultVersion is the server version reported when Options.Version is empty.
const DefaultVersion = "0.0.0-dev"

// Options configures New.
type Options struct {
	// Name is the MCP server name (serverInfo.name); default DefaultName.
	Name string
	// Title is the human-readable server title (serverInfo.title), optional.
	Title string
	// Version is the server version (serverInfo.version); default
	// DefaultVersion.
	Version string
	// Instructions is prepended to the generated server instructions.
	Instructions string
	// Snapshot returns the current index and when it was built, read
	// together (one atomic load, as *corpus.Corpus does), so an answer
	// never pairs one index with another's build time. It is called once
	// per request, so a live refresh that swaps the index is picked up
	// without rebuilding the server. The index may be nil while none is
	// ready; tools then answer with an error telling the model to retry.
	// The time (zero: unknown) is shown in the instructions, docs://status
	// and read_page, so models can judge freshness. Snapshot or Index is
	// required.
	Snapshot func() (*search.Index, time.Time)
	// Index returns the current index; used only when Snapshot is nil.
	// Prefer Snapshot: Index and IndexedAt are two reads that a refresh
	// may fall between (they are re-read until the index is stable, which
	// is only right for a publisher that never brings an old index back).
	Index func() *search.Index
	// IndexedAt returns when the current index was built (optional); used
	// only with Index.
	IndexedAt func() time.Time
	// PublicURL is the public MCP endpoint URL (optional), mentioned in the
	// instructions. Must be an absolute http(s) URL when set.
	PublicURL string
	// Status returns the documentation sources and their freshness
	// (optional). It is shown in the instructions and the docs://status
	// resource, so models can tell when the index was last refreshed and
	// from where. It is called on every initialize and status read, and
	// goes to every client: return only what may be public. The server
	// redacts again regardless (publicSource): local locations are cut to
	// their base name, URLs lose user info, query and fragment, and a
	// remote source's error is shown as its HTTP status code or a fixed
	// word.
	Status func() []SourceInfo
}

// SourceInfo is the public state of one documentation source.
type SourceInfo struct {
	// Location is the file, directory or URL (see Options.Status for what
	// clients see of it).
	Location string
	// Kind is the source type (index_json, markdown, site_root, llms_txt).
	Kind string
	// Pages is the number of pages the source currently contributes.
	Pages int
	// LastSuccess is when the source was last loaded or revalidated
	// without error (zero: never).
	LastSuccess time.Time
	// LastError is a short reason why the last attempt failed ("" when it
	// succeeded); the source keeps serving its last good pages meanwhile.
	LastError string
}

// New validates opts and returns an MCP server with the documentation tools
// and resources registered. extra options are applied before this package's
// own, so callers may add hooks (WithHooks), middlewares, filters, etc.:
// the hooks and tool filter this package needs are added to whatever the
// caller configured rather than replacing it. Instructions come from
// Options (a server.WithInstructions in extra is overwritten per request).
func New(opts Options, extra ...server.ServerOption) (*server.MCPServer, error) {
	if err := opts.normalize(); err != nil {
		return nil, err
	}
	st := &state{opts: opts}
	sopts := []server.ServerOption{
		server.WithToolCapabilities(true),
		// The resource list (docs://toc, docs://status) never changes;
		// pages are templates.
		server.WithResourceCapabilities(false, false),
		server.WithRecovery(),
		server.WithResourceRecovery(),
		server.WithInstructions(st.instructions()),
	}
	if opts.Title != "" {
		sopts = append(sopts, server.WithTitle(opts.Title))
	}
	sopts = append(sopts, extra...)
	// Last, so they see (and extend) the hooks the caller configured.
	sopts = append(sopts, st.hooksOption(), server.WithToolFilter(st.toolFilter))
	s := server.NewMCPServer(opts.Name, opts.Version, sopts...)
	st.srv = s
	st.registerTools(s)
	st.registerResources(s)
	st.registerStatus(s)
	return s, nil
}

// maxPairedReads bounds the retries of pairedReads: a refresh takes far
// longer than two loads, so a second round almost always settles.
const maxPairedReads = 4

// pairedReads makes a Snapshot of separate Index and IndexedAt functions:
// it reads the time between two reads of the index and retries while the
// index changed, so the time belongs to the index returned (for publishers
// whose every build is a new index, never an old one brought back).
func pairedReads(index func() *search.Index, indexedAt func() time.Time) func() (*search.Index, time.Time) {
	return func() (*search.Index, time.Time) {
		ix := index()
		if indexedAt == nil {
			return ix, time.Time{}
		}
		for range maxPairedReads {
			at := indexedAt()
			again := index()
			if again == ix {
				return ix, at
			}
			ix = again
		}
		return ix, time.Time{} // still changing: better no time than a wrong one
	}
}

func (o *Options) normalize() error {
	if o.Snapshot == nil {
		if o.Index == nil {
			return errors.New("mcptools: Options.Snapshot or Options.Index is required")
		}
		o.Snapshot = pairedReads(o.Index, o.IndexedAt)
	}
	o.Name = strings.TrimSpace(o.Name)
	if o.Name == "" {
		o.Name = DefaultName
	}
	if o.Version = strings.TrimSpace(o.Version); o.Version == "" {
		o.Version = DefaultVersion
	}
	if o.PublicURL != "" {
		u, err := url.Parse(o.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("mcptools: PublicURL %q must be an absolute http(s) URL", o.PublicURL)
		}
	}
	return nil
}
