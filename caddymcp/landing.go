package caddymcp

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/search"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// The landing page: what a person who opens the endpoint in a browser
// sees instead of a protocol error. It is rendered on the server (the
// search box is a plain GET form), runs no script, and every string from
// documents or the request goes through html/template's escaping.

// landingMaxQuery bounds the search text the page accepts (as the tools do).
const landingMaxQuery = 500

// wantsLanding reports whether r is a browser asking for a page at the
// MCP endpoint: a GET that accepts HTML and not an event stream.
func (h *Handler) wantsLanding(r *http.Request) bool {
	if h.DisableLanding || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		return false
	}
	endpoint := h.Endpoint
	if h.DisableStreamable {
		endpoint = h.SSEEndpoint
	}
	accept := r.Header.Get("Accept")
	return r.URL.Path == endpoint && strings.Contains(accept, "text/html") &&
		!strings.Contains(accept, "text/event-stream")
}

type landingData struct {
	Name, Instructions     string
	URL, SSEURL            string
	Pages, Sections        int
	IndexedAt              string
	Sources                []landingSource
	Query                  string
	Searched               bool
	Total                  int
	Hits                   []landingHit
	Streamable, SSE        bool
	ClaudeCode, GeminiCmd  string
	VSCode, Cursor, Gemini string
}

type landingSource struct {
	Location, Kind, LastSuccess, LastError string
	Pages                                  int
}

type landingHit struct {
	Title, URL string
	Snippet    []snippetPart
}

// snippetPart is a run of snippet text; Mark is a matched term (the index
// marks them **like this**).
type snippetPart struct {
	Text string
	Mark bool
}

// serveLanding writes the page for r.
func (h *Handler) serveLanding(w http.ResponseWriter, r *http.Request) {
	d := landingData{
		Name:         h.serverName,
		Instructions: h.Instructions,
		Streamable:   !h.DisableStreamable,
		SSE:          !h.DisableSSE,
	}
	d.URL, d.SSEURL = h.publicURLs(r)
	d.ClaudeCode = "claude mcp add --transport http " + d.Name + " " + d.URL
	d.GeminiCmd = "gemini mcp add --transport http " + d.Name + " " + d.URL
	d.VSCode = jsonSnippet(`{"servers": {` + quoteJSON(d.Name) + `: {"type": "http", "url": ` + quoteJSON(d.URL) + `}}}`)
	d.Cursor = jsonSnippet(`{"mcpServers": {` + quoteJSON(d.Name) + `: {"url": ` + quoteJSON(d.URL) + `}}}`)
	d.Gemini = jsonSnippet(`{"mcpServers": {` + quoteJSON(d.Name) + `: {"httpUrl": ` + quoteJSON(d.URL) + `}}}`)

	ix, at := h.corpus.Snapshot()
	if ix != nil {
		d.Pages = ix.Len()
		d.Sections = h.metrics.sectionsOf(ix)
	}
	if !at.IsZero() {
		d.IndexedAt = at.UTC().Format(time.RFC3339)
	}
	for _, s := range h.sourceInfo() {
		ls := landingSource{Location: source.PublicLocation(s.Location), Kind: s.Kind, Pages: s.Pages, LastError: s.LastError}
		if !s.LastSuccess.IsZero() {
			ls.LastSuccess = s.LastSuccess.UTC().Format(time.RFC3339)
		}
		d.Sources = append(d.Sources, ls)
	}
	if q := strings.TrimSpace(r.URL.Query().Get("q")); q != "" && ix != nil {
		d.Query, d.Searched = clip(q, landingMaxQuery), true
		res := ix.Search(search.Query{Text: d.Query, Limit: 10})
		d.Total = res.Total
		for _, hit := range res.Hits {
			title := hit.Page.Title
			if title == "" {
				title = hit.Page.ID
			}
			if hit.SectionIndex > 0 && hit.Heading != "" && hit.Heading != title {
				title += " — " + hit.Heading
			}
			u := hit.URL
			if u == "" {
				u = hit.Page.URL
			}
			d.Hits = append(d.Hits, landingHit{Title: title, URL: u, Snippet: splitSnippet(hit.Snippet)})
		}
	}

	var buf bytes.Buffer
	if err := landingTmpl.Execute(&buf, d); err != nil {
		h.logger.Error("rendering the landing page", zapError(err))
		http.Error(w, "rendering failed", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Security-Policy", landingCSP)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Vary", "Accept")
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return
	}
	_, _ = w.Write(buf.Bytes())
}

// publicURLs are the streamable and SSE URLs clients should use: from
// public_url when set, else from the request (scheme, host and any prefix
// Caddy stripped before this handler).
func (h *Handler) publicURLs(r *http.Request) (streamable, sse string) {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	base := scheme + "://" + r.Host + strings.TrimSuffix(strippedPrefix(r), "/")
	streamable, sse = base+h.Endpoint, base+h.SSEEndpoint
	if h.PublicURL != "" && !h.DisableStreamable {
		streamable = h.PublicURL
	}
	return streamable, sse
}

// splitSnippet turns "a **b** c" into parts with b marked.
func splitSnippet(s string) []snippetPart {
	var out []snippetPart
	for i, part := range strings.Split(s, "**") {
		if part != "" {
			out = append(out, snippetPart{Text: part, Mark: i%2 == 1})
		}
	}
	return out
}

// landingCSP allows nothing but the page's own style block (by hash) and
// form submissions to this origin.
var landingCSP = "default-src 'none'; style-src '" + styleHash() + "'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

func styleHash() string {
	sum := sha256.Sum256([]byte(landingCSS))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

var landingTmpl = template.Must(template.New("landing").Parse(landingHTML))
