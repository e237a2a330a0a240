package mcptools

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// StatusURI is the resource that says how fresh the index is.
const StatusURI = "docs://status"

// instructionSources bounds the sources listed in the instructions (the
// resource lists all).
const instructionSources = 10

// statusDoc is the JSON of docs://status.
type statusDoc struct {
	// IndexedAt is when the current index was built (RFC 3339, UTC).
	IndexedAt string `json:"indexed_at,omitempty"`
	// Pages is the number of pages in the current index.
	Pages int `json:"pages"`
	// Sources are the documentation sources, in priority order.
	Sources []sourceDoc `json:"sources"`
}

type sourceDoc struct {
	Location    string `json:"location"`
	Kind        string `json:"kind,omitempty"`
	Pages       int    `json:"pages"`
	LastSuccess string `json:"last_success,omitempty"`
	LastError   string `json:"last_error,omitempty"`
}

func (st *state) registerStatus(s *server.MCPServer) {
	s.AddResource(mcp.NewResource(StatusURI, "status",
		mcp.WithResourceTitle("Index status"),
		mcp.WithResourceDescription("When the documentation index was last refreshed, how many pages it has, and its sources with their page counts, last successful refresh and last error (JSON)."),
		mcp.WithMIMEType("application/json"),
	), st.readStatus)
}

// sources returns the caller's source list as it may be shown to every
// client (publicSource).
func (st *state) sources() []SourceInfo {
	if st.opts.Status == nil {
		return nil
	}
	list := st.opts.Status()
	out := make([]SourceInfo, len(list))
	for i, s := range list {
		out[i] = publicSource(s)
	}
	return out
}

func (st *state) readStatus(_ context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
	doc := statusDoc{Sources: []sourceDoc{}}
	v, ok := st.snapshot()
	if ok {
		doc.Pages = v.ix.Len()
	}
	if !v.at.IsZero() {
		doc.IndexedAt = stamp(v.at)
	}
	for _, s := range st.sources() {
		d := sourceDoc{Location: s.Location, Kind: s.Kind, Pages: s.Pages, LastError: s.LastError}
		if !s.LastSuccess.IsZero() {
			d.LastSuccess = stamp(s.LastSuccess)
		}
		doc.Sources = append(doc.Sources, d)
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return []mcp.ResourceContents{mcp.TextResourceContents{URI: req.Params.URI, MIMEType: "application/json", Text: string(b)}}, nil
}

// sourcesSentence is the part of the instructions that lists the sources
// and their freshness, or "" when the caller gave no Status.
func (st *state) sourcesSentence() string {
	list := st.sources()
	if len(list) == 0 {
		return ""
	}
	parts := make([]string, 0, min(len(list), instructionSources)+1)
	for i, s := range list {
		if i == instructionSources {
			parts = append(parts, fmt.Sprintf("… (%d more; see %s)", len(list)-i, StatusURI))
			break
		}
		var b strings.Builder
		b.WriteString(s.Location + " (")
		if s.Kind != "" {
			b.WriteString(s.Kind + ", ")
		}
		fmt.Fprintf(&b, "%d pages", s.Pages)
		if !s.LastSuccess.IsZero() {
			fmt.Fprintf(&b, ", last refreshed %s", stamp(s.LastSuccess))
		} else {
			b.WriteString(", never loaded")
		}
		if s.LastError != "" {
			fmt.Fprintf(&b, "; last refresh failed: %s", s.LastError)
		}
		b.WriteString(")")
		parts = append(parts, b.String())
	}
	return " Sources: " + strings.Join(parts, "; ") + "."
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
