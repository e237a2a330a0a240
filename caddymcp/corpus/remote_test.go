package corpus

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/loader"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// reindex forces a refresh and returns the single source's status.
func reindex(t *testing.T, c *Corpus) (SourceStatus, error) {
	t.Helper()
	st, err := c.Reindex(context.Background())
	if len(st.Sources) != 1 {
		t.Fatalf("sources = %d", len(st.Sources))
	}
	return st.Sources[0], err
}

// expectKept checks a failed refresh: an error recorded, old pages served,
// no rebuild.
func expectKept(t *testing.T, c *Corpus, wantPages int, builds uint64, errSub string) {
	t.Helper()
	ss, err := reindex(t, c)
	if err == nil {
		t.Fatalf("refresh succeeded, want error containing %q", errSub)
	}
	mustContain(t, err.Error(), errSub)
	mustContain(t, ss.LastError, errSub)
	if ss.LastResult != ResultError {
		t.Errorf("last_result = %q", ss.LastResult)
	}
	if got := c.Index().Len(); got != wantPages {
		t.Errorf("pages = %d after failure, want last good %d", got, wantPages)
	}
	if ss.Pages != wantPages {
		t.Errorf("source pages = %d, want %d", ss.Pages, wantPages)
	}
	if got := c.Builds(); got != builds {
		t.Errorf("builds = %d after failure, want %d", got, builds)
	}
}

func TestRemoteLifecycle(t *testing.T) {
	s := newSite(t, indexJSON(3, "a"))
	c := openRemote(t, s, nil)
	if c.Index().Len() != 3 || c.Builds() != 1 {
		t.Fatalf("initial: pages %d builds %d", c.Index().Len(), c.Builds())
	}
	first := c.IndexedAt()

	// Unchanged: a conditional request, a 304, no parse, no rebuild.
	ss, err := reindex(t, c)
	if err != nil || ss.LastResult != ResultNotModified {
		t.Fatalf("304 refresh: %v, result %q", err, ss.LastResult)
	}
	if _, cond, nm := s.counts(); cond != 1 || nm != 1 {
		t.Fatalf("conditional=%d notModified=%d, want 1 1", cond, nm)
	}
	if c.Builds() != 1 || !c.IndexedAt().Equal(first) {
		t.Fatalf("304 rebuilt the index (builds %d)", c.Builds())
	}
	if ss.ETag != `"v1"` {
		t.Errorf("etag = %q", ss.ETag)
	}

	// Changed content is picked up.
	s.set(indexJSON(5, "b"), `"v2"`)
	ss, err = reindex(t, c)
	if err != nil || ss.LastResult != ResultUpdated || c.Index().Len() != 5 || c.Builds() != 2 {
		t.Fatalf("update: err %v result %q pages %d builds %d", err, ss.LastResult, c.Index().Len(), c.Builds())
	}
	if !c.IndexedAt().After(first) {
		t.Errorf("IndexedAt did not advance")
	}
	if p := c.Index().Pages()[0]; p.Source != c.sources[0].ld.Name() {
		t.Errorf("page source = %q", p.Source)
	}

	// Every kind of failure keeps the last good pages.
	s.setMode("500")
	expectKept(t, c, 5, 2, "500")
	s.setMode("ok")
	s.set([]byte(`{"not": "an array"`), `"garbage"`)
	expectKept(t, c, 5, 2, "invalid JSON")
	s.set([]byte(`[]`), `"empty"`)
	expectKept(t, c, 5, 2, "no usable pages")

	// The failing responses' validators were not remembered: recovery to the
	// same content as before answers 304 again, and clears the error.
	s.set(indexJSON(5, "b"), `"v2"`)
	ss, err = reindex(t, c)
	if err != nil || ss.LastResult != ResultNotModified || ss.LastError != "" {
		t.Fatalf("recovery: %v %q %q", err, ss.LastResult, ss.LastError)
	}
	if ss.Failures != 3 || ss.Attempts != 7 {
		t.Errorf("attempts %d failures %d", ss.Attempts, ss.Failures)
	}
}

func TestRemoteWithoutValidators(t *testing.T) {
	s := newSite(t, indexJSON(4, "a"))
	s.set(indexJSON(4, "a"), "")
	c := openRemote(t, s, nil)
	// Same bytes, no ETag: recognised by hash, no parse, no rebuild.
	ss, err := reindex(t, c)
	if err != nil || ss.LastResult != ResultUnchanged || c.Builds() != 1 {
		t.Fatalf("%v %q builds %d", err, ss.LastResult, c.Builds())
	}
	// Different bytes, same pages (a regenerated file): parsed, no rebuild.
	s.set(append(indexJSON(4, "a"), '\n'), "")
	ss, err = reindex(t, c)
	if err != nil || ss.LastResult != ResultUnchanged || c.Builds() != 1 {
		t.Fatalf("same pages: %v %q builds %d", err, ss.LastResult, c.Builds())
	}
	// Last-Modified only: If-Modified-Since is sent and honoured.
	s.mu.Lock()
	s.lastMod = "Wed, 21 Oct 2026 07:28:00 GMT"
	s.mu.Unlock()
	reindex(t, c) // learns the date
	ss, err = reindex(t, c)
	if err != nil || ss.LastResult != ResultNotModified || ss.LastModified == "" {
		t.Fatalf("%v %q %q", err, ss.LastResult, ss.LastModified)
	}
	if c.Builds() != 1 {
		t.Errorf("builds = %d", c.Builds())
	}
}

func TestRemoteLimitsAndNetworkErrors(t *testing.T) {
	big := indexJSON(200, "big")
	s := newSite(t, indexJSON(3, "a"))
	c := openRemote(t, s, func(o *Options) {
		o.MaxSourceBytes = int64(len(big)) - 1
		o.RequestTimeout = 200 * time.Millisecond
	})
	s.set(big, `"big"`)
	expectKept(t, c, 3, 1, "exceeds the limit")
	s.setMode("chunked") // no Content-Length: caught while reading
	expectKept(t, c, 3, 1, "exceeds the limit")

	s.setMode("hang")
	start := time.Now()
	expectKept(t, c, 3, 1, "deadline exceeded")
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("timeout took %v", d)
	}

	s.srv.Close() // connection refused from now on
	expectKept(t, c, 3, 1, "connect")
}

func TestRemoteAtOpen(t *testing.T) {
	s := newSite(t, nil)
	s.setMode("500")
	_, err := Open(context.Background(), Options{Specs: []source.Spec{{Location: s.url("/index.json")}}, Refresh: Off})
	if err == nil {
		t.Fatal("Open succeeded with the only source failing")
	}
	mustContain(t, err.Error(), "500")

	// With another source that has pages: a warning, then a retry on the
	// refresh interval picks the remote up.
	dir := t.TempDir()
	local := filepath.Join(dir, "index.json")
	os.WriteFile(local, indexJSON(2, "local"), 0o644)
	s.set(indexJSON(7, "remote"), `"r1"`)
	core, logs := observer.New(zapcore.InfoLevel)
	c, err := Open(context.Background(), Options{
		Specs: []source.Spec{
			{Location: s.url("/docs/index.json")},
			{Location: local},
		},
		Logger:  zap.New(core),
		Refresh: 20 * time.Millisecond,
		Watch:   Off,
	})
	if err != nil {
		t.Fatalf("Open with one good source: %v", err)
	}
	defer c.Close()
	if c.Index().Len() != 2 {
		t.Fatalf("pages = %d, want the local 2", c.Index().Len())
	}
	if logs.FilterMessageSnippet("unavailable at start").Len() != 1 {
		t.Errorf("no start warning logged: %v", logs.All())
	}
	s.setMode("ok")
	// Both sources have p0 and p1: the remote, listed first, wins them.
	waitFor(t, "remote retry", func() bool { return c.Index().Len() == 7 })
	if got := c.Index().Pages()[0].Source; got != c.sources[0].ld.Name() {
		t.Errorf("first page from %q", got)
	}
	// Every refresh is logged with its source, pages, duration and result.
	entries := logs.FilterMessage("docs source refreshed").All()
	if len(entries) == 0 {
		t.Fatal("no refresh log")
	}
	fields := entries[len(entries)-1].ContextMap()
	for _, k := range []string{"source", "pages", "duration", "result", "corpus"} {
		if _, ok := fields[k]; !ok {
			t.Errorf("refresh log lacks %q: %v", k, fields)
		}
	}
}

func TestRemoteKindAndBaseURL(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`[{"title":"Rel","permalink":"guide/rel/","contents":"relative link"}]`))
	}))
	defer srv.Close()
	c, err := Open(context.Background(), Options{Specs: []source.Spec{{Location: srv.URL + "/docs/index.json"}}, Refresh: Off})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got, want := c.Index().Pages()[0].URL, srv.URL+"/docs/guide/rel/"; got != want {
		t.Errorf("URL = %q, want %q", got, want)
	}
	for loc, want := range map[string]source.Kind{
		"https://x.test/llms-full.txt": source.KindLLMSTxt,
		"https://x.test/docs.txt":      source.KindLLMSTxt,
		"https://x.test/guide.html":    source.KindHTML,
		"https://x.test/index.json":    source.KindIndexJSON,
		"https://x.test/search?q=1":    source.KindIndexJSON,
	} {
		if got, err := loader.KindOf(source.Spec{Location: loc}); got != want {
			t.Errorf("KindOf(%s) = %s, %v; want %s", loc, got, err, want)
		}
	}
}
