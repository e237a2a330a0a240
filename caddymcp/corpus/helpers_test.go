package corpus

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/loader"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// indexJSON renders n pages in Hugo index.json shape; tag changes every
// page's contents so two versions differ.
func indexJSON(n int, tag string) []byte {
	type entry struct {
		Title     string `json:"title"`
		Permalink string `json:"permalink"`
		Contents  string `json:"contents"`
		Section   string `json:"section"`
	}
	list := make([]entry, n)
	for i := range list {
		list[i] = entry{
			Title:     fmt.Sprintf("Page %d %s", i, tag),
			Permalink: fmt.Sprintf("https://docs.example.test/docs/p%d/", i),
			Contents:  fmt.Sprintf("Body of page %d, version %s. The reverse proxy forwards requests.", i, tag),
			Section:   "docs",
		}
	}
	b, _ := json.Marshal(list)
	return b
}

// site plays a remote docs site whose behaviour a test changes on the fly.
type site struct {
	t  *testing.T
	mu sync.Mutex
	// body is served with 200 in mode "ok".
	body []byte
	// etag and lastMod are sent when non-empty and honoured on requests.
	etag, lastMod string
	// mode: "ok", "500", "hang" (waits for the client to give up),
	// "chunked" (no Content-Length).
	mode string
	// counters.
	requests, conditional, notModified int
	srv                                *httptest.Server
}

func newSite(t *testing.T, body []byte) *site {
	s := &site{t: t, body: body, mode: "ok", etag: `"v1"`}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *site) url(path string) string { return s.srv.URL + path }

// set replaces the body and its ETag.
func (s *site) set(body []byte, etag string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.body, s.etag = body, etag
}

func (s *site) setMode(m string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mode = m
}

func (s *site) counts() (requests, conditional, notModified int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests, s.conditional, s.notModified
}

func (s *site) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests++
	body, etag, lastMod, mode := s.body, s.etag, s.lastMod, s.mode
	inm, ims := r.Header.Get("If-None-Match"), r.Header.Get("If-Modified-Since")
	if inm != "" || ims != "" {
		s.conditional++
	}
	notMod := etag != "" && inm == etag || etag == "" && lastMod != "" && ims == lastMod
	if notMod && mode == "ok" {
		s.notModified++
	}
	s.mu.Unlock()

	switch mode {
	case "500":
		http.Error(w, "boom", http.StatusInternalServerError)
		return
	case "hang":
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
		return
	}
	if etag != "" {
		w.Header().Set("ETag", etag)
	}
	if lastMod != "" {
		w.Header().Set("Last-Modified", lastMod)
	}
	if notMod {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if mode == "chunked" {
		w.WriteHeader(http.StatusOK)
		for len(body) > 0 {
			n := min(len(body), 512)
			w.Write(body[:n])
			w.(http.Flusher).Flush()
			body = body[n:]
		}
		return
	}
	w.Write(body)
}

// openRemote opens a corpus over one remote index.json with background
// refresh off, so tests drive refreshes with Reindex.
func openRemote(t *testing.T, s *site, mod func(*Options)) *Corpus {
	t.Helper()
	opts := Options{
		Specs:   []source.Spec{{Location: s.url("/index.json")}},
		Logger:  zaptest.NewLogger(t),
		Refresh: Off,
		Watch:   Off,
	}
	if mod != nil {
		mod(&opts)
	}
	c, err := Open(context.Background(), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func mustContain(t *testing.T, s, sub string) {
	t.Helper()
	if !strings.Contains(s, sub) {
		t.Fatalf("%q does not contain %q", s, sub)
	}
}

// fingerprint is the loader's change summary of a local location.
func fingerprint(loc string) (uint64, error) {
	ld, err := loader.Resolve(source.Spec{Location: loc}, loader.Options{})
	if err != nil {
		return 0, err
	}
	return ld.(loader.Watcher).Fingerprint(), nil
}
