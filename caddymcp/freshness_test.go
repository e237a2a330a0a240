package caddymcp

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/corpus"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/mcptools"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// get fetches url with optional headers and returns the response and body.
func get(t *testing.T, hc *http.Client, method, url string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, b := send(t, hc, req, hdr)
	return resp, string(b)
}

// TestAdminAPI: a build with this module has admin.api.mcp. GET
// /mcp/sources lists the corpus; POST /mcp/reindex picks up an edit that
// nothing else would (watching is off).
func TestAdminAPI(t *testing.T) {
	s := newSiteDir(t)
	s.port = freePort(t)
	admin := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	cfg := s.caddyfile(false, "mcp {\n\t\tsource "+s.index+"\n\t\twatch off\n\t\tname \"Widget Docs\"\n\t}", "")
	cfg = strings.Replace(cfg, "admin off", "admin "+admin, 1)
	load(t, cfg)
	t.Cleanup(func() { _ = caddy.Stop() })
	hc := &http.Client{Timeout: 10 * time.Second}
	api := "http://" + admin

	find := func(list []corpus.Status) corpus.Status {
		t.Helper()
		for _, st := range list {
			// Sources show base names only (issue 9), so find it by label.
			if len(st.Sources) == 1 && slices.Contains(st.Labels, "Widget Docs") {
				return st
			}
		}
		t.Fatalf("no corpus for %s in %+v", s.index, list)
		return corpus.Status{}
	}
	resp, body := get(t, hc, http.MethodGet, api+"/mcp/sources", nil)
	var list []corpus.Status
	if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &list) != nil {
		t.Fatalf("GET /mcp/sources = %d %s", resp.StatusCode, body)
	}
	st := find(list)
	if st.Pages != 3 || st.Sources[0].Pages != 3 || st.Sources[0].LastSuccess.IsZero() || st.Watch != "off" {
		t.Fatalf("status %+v", st)
	}
	builds := st.Builds
	if !slices.Equal(st.Labels, []string{"Widget Docs"}) {
		t.Errorf("labels %q, want the server name", st.Labels)
	}
	// ?corpus= takes the corpus name as listed.
	resp, body = get(t, hc, http.MethodGet, api+"/mcp/sources?corpus="+url.QueryEscape(st.Name), nil)
	if list = nil; resp.StatusCode != 200 || json.Unmarshal([]byte(body), &list) != nil || len(list) != 1 {
		t.Fatalf("GET /mcp/sources?corpus=<name> = %d %s", resp.StatusCode, body)
	}

	pages := append(testPages[:len(testPages):len(testPages)], map[string]any{
		"title": "Nebula Mode", "permalink": "https://docs.example.com/nebula/", "contents": "Nebula mode.",
	})
	b, _ := json.Marshal(pages)
	if err := os.WriteFile(s.index, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if resp, _ := get(t, hc, http.MethodGet, api+"/mcp/reindex", nil); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET /mcp/reindex = %d, want 405", resp.StatusCode)
	}
	// ... and the site's server name, which is what users know.
	resp, body = get(t, hc, http.MethodPost, api+"/mcp/reindex?corpus=Widget+Docs", nil)
	list = nil
	if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &list) != nil {
		t.Fatalf("POST /mcp/reindex = %d %s", resp.StatusCode, body)
	}
	st = find(list)
	if st.Pages != 4 || st.Builds != builds+1 || st.Sources[0].LastResult != corpus.ResultUpdated {
		t.Fatalf("after reindex: %+v", st)
	}
	// The site serves the new page (llms.txt reads the same index).
	if _, txt := get(t, s.httpClient(t), http.MethodGet, s.base+"/llms.txt", nil); !strings.Contains(txt, "Nebula Mode") {
		t.Fatalf("llms.txt after reindex lacks the new page:\n%s", txt)
	}
}

// TestLLMSTxt: /llms.txt and /llms-full.txt are rendered from the index,
// with validators that change when the index does.
func TestLLMSTxt(t *testing.T) {
	s := startSite(t, false, "mcp {\n\t\tsource INDEX\n\t\tname \"Widget Docs\"\n\t\twatch 50ms\n\t}", "encode gzip")
	hc := s.httpClient(t)

	resp, txt := get(t, hc, http.MethodGet, s.base+"/llms.txt", nil)
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" || etag == "" ||
		!strings.HasPrefix(txt, "# Widget Docs\n\n> Documentation index of this site, also searchable over the MCP server at /mcp on this site.") ||
		!strings.Contains(txt, "[Installing Widgets](https://docs.example.com/install/)") {
		t.Fatalf("GET /llms.txt = %d %v\n%s", resp.StatusCode, resp.Header, txt)
	}
	resp, txt = get(t, hc, http.MethodGet, s.base+"/llms.txt", map[string]string{"If-None-Match": etag})
	if resp.StatusCode != http.StatusNotModified || txt != "" {
		t.Fatalf("conditional GET /llms.txt = %d %q", resp.StatusCode, txt)
	}

	resp, txt = get(t, hc, http.MethodGet, s.base+"/llms-full.txt", nil)
	fullTag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" ||
		fullTag == "" || fullTag == etag || !strings.Contains(txt, "frobnicate") || !strings.Contains(txt, "sprocket_count") {
		t.Fatalf("GET /llms-full.txt = %d %v\n%s", resp.StatusCode, resp.Header, txt)
	}
	resp, txt = get(t, hc, http.MethodHead, s.base+"/llms-full.txt", nil)
	if resp.StatusCode != 200 || txt != "" || resp.Header.Get("ETag") != fullTag {
		t.Fatalf("HEAD /llms-full.txt = %d %v %q", resp.StatusCode, resp.Header, txt)
	}
	resp, _ = get(t, hc, http.MethodGet, s.base+"/llms-full.txt", map[string]string{"If-None-Match": fullTag})
	if resp.StatusCode != http.StatusNotModified {
		t.Fatalf("conditional GET /llms-full.txt = %d", resp.StatusCode)
	}
	resp, _ = get(t, hc, http.MethodPost, s.base+"/llms.txt", nil)
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST /llms.txt = %d, want 405", resp.StatusCode)
	}

	// A live refresh changes the content and the validator.
	pages := append(testPages[:len(testPages):len(testPages)], map[string]any{
		"title": "Quasar Mode", "permalink": "https://docs.example.com/quasar/", "contents": "Quasar mode.",
	})
	b, _ := json.Marshal(pages)
	if err := os.WriteFile(s.index, b, 0o644); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		resp, txt = get(t, hc, http.MethodGet, s.base+"/llms.txt", map[string]string{"If-None-Match": etag})
		if resp.StatusCode == 200 {
			if !strings.Contains(txt, "Quasar Mode") || resp.Header.Get("ETag") == etag {
				t.Fatalf("after refresh: ETag %q (was %q)\n%s", resp.Header.Get("ETag"), etag, txt)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("llms.txt still %d 5s after the source changed", resp.StatusCode)
		}
	}
}

// TestLLMSTxtOff: `llms_txt off` leaves the paths to file_server.
func TestLLMSTxtOff(t *testing.T) {
	s := newSiteDir(t)
	s.port = freePort(t)
	if err := os.WriteFile(filepath.Join(s.dir, "llms.txt"), []byte("# Hand-written\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	load(t, s.caddyfile(false, "mcp {\n\t\tsource "+s.index+"\n\t\tllms_txt off\n\t}", ""))
	t.Cleanup(func() { _ = caddy.Stop() })
	hc := s.httpClient(t)
	if resp, txt := get(t, hc, http.MethodGet, s.base+"/llms.txt", nil); resp.StatusCode != 200 || txt != "# Hand-written\n" {
		t.Fatalf("GET /llms.txt with llms_txt off = %d %q", resp.StatusCode, txt)
	}
	if resp, _ := get(t, hc, http.MethodGet, s.base+"/llms-full.txt", nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("GET /llms-full.txt with llms_txt off = %d, want file_server's 404", resp.StatusCode)
	}
}

// TestStatusOverMCP: the instructions and docs://status say when the index
// was refreshed and from which sources, without leaking a URL's token or
// error internals; a failing remote source shows its short error.
func TestStatusOverMCP(t *testing.T) {
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "maintenance at /srv/secret/backend", http.StatusServiceUnavailable)
	}))
	t.Cleanup(down.Close)
	remote := down.URL + "/private/index.json?token=s3cr3t"
	before := time.Now().Add(-time.Second)
	s := startSite(t, false, "mcp {\n\t\tsource INDEX\n\t\tsource \""+remote+"\"\n\t}", "")
	ctx := testCtx(t)
	c := newStreamableClient(t, ctx, s.base+"/mcp", s.httpClient(t), "2025-06-18")
	res := initialize(t, ctx, c, "2025-06-18")
	for _, want := range []string{
		"3 pages", "Sources: " + filepath.Base(s.index) + " (index_json, 3 pages, last refreshed ",
		down.URL + "/private/index.json (index_json, 0 pages, never loaded; last refresh failed: HTTP 503)",
		"docs://status",
	} {
		if !strings.Contains(res.Instructions, want) {
			t.Errorf("instructions lack %q:\n%s", want, res.Instructions)
		}
	}

	req := mcp.ReadResourceRequest{}
	req.Params.URI = mcptools.StatusURI
	rr, err := c.ReadResource(ctx, req)
	if err != nil || len(rr.Contents) != 1 {
		t.Fatalf("read %s: %v %+v", mcptools.StatusURI, err, rr)
	}
	tc, ok := rr.Contents[0].(mcp.TextResourceContents)
	if !ok || tc.MIMEType != "application/json" {
		t.Fatalf("status contents %#v", rr.Contents[0])
	}
	// No credentials, query, remote reason phrase or server layout.
	for _, secret := range []string{"s3cr3t", "/srv/secret", "maintenance", "Service Unavailable", filepath.Dir(s.index)} {
		if strings.Contains(tc.Text+res.Instructions, secret) {
			t.Errorf("status leaks %q:\n%s\n%s", secret, tc.Text, res.Instructions)
		}
	}
	var doc struct {
		IndexedAt time.Time `json:"indexed_at"`
		Pages     int       `json:"pages"`
		Sources   []struct {
			Location    string     `json:"location"`
			Kind        string     `json:"kind"`
			Pages       int        `json:"pages"`
			LastSuccess *time.Time `json:"last_success"`
			LastError   string     `json:"last_error"`
		} `json:"sources"`
	}
	if err := json.Unmarshal([]byte(tc.Text), &doc); err != nil {
		t.Fatalf("%v\n%s", err, tc.Text)
	}
	if doc.Pages != 3 || doc.IndexedAt.Before(before) || len(doc.Sources) != 2 {
		t.Fatalf("status %s", tc.Text)
	}
	local, rem := doc.Sources[0], doc.Sources[1]
	if local.Location != filepath.Base(s.index) || local.Kind != "index_json" || local.Pages != 3 || local.LastSuccess == nil ||
		local.LastSuccess.Before(before) || local.LastError != "" {
		t.Errorf("local source %+v", local)
	}
	if rem.Location != down.URL+"/private/index.json" || rem.Kind != "index_json" || rem.Pages != 0 ||
		rem.LastSuccess != nil || rem.LastError != "HTTP 503" {
		t.Errorf("remote source %+v", rem)
	}
}

// TestCorpusKeyFreshnessOptions: options that change how a corpus fetches,
// refreshes or stores its index give it its own pool entry; spellings of
// "off" do not.
func TestCorpusKeyFreshnessOptions(t *testing.T) {
	base := corpus.Options{Specs: []source.Spec{{Location: "a"}}}
	with := func(f func(*corpus.Options)) string { o := base; f(&o); return corpusKey(o) }
	k := corpusKey(base)
	for name, other := range map[string]string{
		"reload":          with(func(o *corpus.Options) { o.Reload = time.Minute }),
		"fetch_timeout":   with(func(o *corpus.Options) { o.RequestTimeout = time.Second }),
		"max_source_size": with(func(o *corpus.Options) { o.MaxSourceBytes = 1 << 20 }),
		"index_cache":     with(func(o *corpus.Options) { o.IndexCache = "/elsewhere" }),
	} {
		if other == k {
			t.Errorf("%s does not change the pool key", name)
		}
	}
	if off := with(func(o *corpus.Options) { o.Reload = corpus.Off }); off != k {
		t.Errorf("reload off and unset have different keys:\n%s\n%s", off, k)
	}
}
