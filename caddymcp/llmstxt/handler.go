package llmstxt

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/search"
)

// Source supplies the current index and its build time, read together.
// *corpus.Corpus implements it.
type Source interface {
	Snapshot() (*search.Index, time.Time)
}

// Handler serves llms.txt (Full false) or llms-full.txt (Full true) from the
// current index of Source. llms.txt is rendered once per index build and
// cached; llms-full.txt is streamed. Both carry an ETag and Last-Modified
// from the index build time and answer conditional requests with 304.
type Handler struct {
	src            Source
	title, summary string
	full           bool
	tag            string // distinguishes variants and titles in the ETag

	mu     sync.Mutex
	cached *search.Index
	body   []byte
}

// NewHandler returns a handler for llms.txt (full false) or llms-full.txt
// (full true). title and summary head llms.txt; an empty title becomes
// "Documentation".
func NewHandler(src Source, title, summary string, full bool) *Handler {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s\x00%s\x00%t", title, summary, full)
	return &Handler{src: src, title: title, summary: summary, full: full, tag: fmt.Sprintf("%x", h.Sum64())}
}

// ContentType is the media type of both files: Markdown in a .txt file,
// served as UTF-8 text so browsers and tools display it inline.
const ContentType = "text/plain; charset=utf-8"

// ServeHTTP answers GET and HEAD.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	ix, at := h.src.Snapshot()
	hdr := w.Header()
	hdr.Set("Content-Type", ContentType)
	hdr.Set("ETag", fmt.Sprintf(`"%x-%s"`, at.UnixNano(), h.tag))
	// Clients revalidate (a cheap 304) rather than trusting a stale copy:
	// the index may be refreshed at any time.
	hdr.Set("Cache-Control", "no-cache")
	if !h.full {
		http.ServeContent(w, r, "", at, bytes.NewReader(h.render(ix)))
		return
	}
	hdr.Set("Last-Modified", at.UTC().Format(http.TimeFormat))
	if notModified(r, hdr.Get("ETag"), at) {
		// As net/http does for a 304: no entity headers.
		hdr.Del("Content-Type")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if r.Method == http.MethodHead {
		return
	}
	WriteFull(w, ix)
}

// render returns llms.txt for ix, rendering only when the index changed.
func (h *Handler) render(ix *search.Index) []byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cached != ix || h.body == nil {
		h.body = Render(ix, h.title, h.summary, DefaultMaxLinks)
		h.cached = ix
	}
	return h.body
}

// notModified evaluates If-None-Match (weak comparison, as RFC 9110
// requires for GET) or, without it, If-Modified-Since at second precision.
func notModified(r *http.Request, etag string, modified time.Time) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		for _, t := range strings.Split(inm, ",") {
			t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
			if t == "*" || t == etag {
				return true
			}
		}
		return false
	}
	ims, err := http.ParseTime(r.Header.Get("If-Modified-Since"))
	return err == nil && !modified.Truncate(time.Second).After(ims)
}
