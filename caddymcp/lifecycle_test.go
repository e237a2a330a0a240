package caddymcp

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/corpus"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// pooled returns the corpus currently pooled under key, or nil.
func pooled(t *testing.T, key string) *corpus.Corpus {
	t.Helper()
	v, loaded, err := corpusPool.LoadOrNew(key, func() (caddy.Destructor, error) {
		return nil, errors.New("not pooled")
	})
	if err != nil || !loaded {
		return nil
	}
	defer corpusPool.Delete(key)
	return v.(pooledCorpus).Corpus
}

// TestReloadReusesIndex: a config reload with the same sources keeps the
// same index (no rebuild), and clients keep their sessions; a reload with
// other sources builds a new index and frees the old one.
func TestReloadReusesIndex(t *testing.T) {
	s := newSiteDir(t)
	s.port = freePort(t)
	block := func(name, src string) string {
		return "mcp {\n\t\tsource " + src + "\n\t\tname \"" + name + "\"\n\t}"
	}
	load(t, s.caddyfile(false, block("one", s.index), ""))
	t.Cleanup(func() { _ = caddy.Stop() })

	key := defaultCorpusKey(source.Spec{Location: s.index})
	first := pooled(t, key)
	if first == nil {
		t.Fatal("no pooled corpus after first load")
	}
	ctx := testCtx(t)
	c := newStreamableClient(t, ctx, s.base+"/mcp", s.httpClient(t), "2025-06-18")
	initialize(t, ctx, c, "2025-06-18")
	sessionID := c.GetSessionId()

	// Same sources, other settings: reuse.
	load(t, s.caddyfile(false, block("two", s.index), ""))
	if again := pooled(t, key); again != first {
		t.Fatalf("reload with the same sources: corpus %p, want %p", again, first)
	}
	if n, _ := corpusPool.References(key); n != 1 {
		t.Fatalf("references after reload = %d, want 1 (old config released)", n)
	}
	// The session minted by the previous config is still good. (The old
	// server closed its idle keep-alive connections; a POST is not retried
	// on such a connection by net/http, so start on a fresh one; a dial
	// racing the listener hand-over can be reset, so try that twice.)
	var resp *http.Response
	var body []byte
	for try := 0; ; try++ {
		req, _ := http.NewRequest(http.MethodPost, s.base+"/mcp", strings.NewReader(`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Mcp-Session-Id", sessionID)
		req.Header.Set("MCP-Protocol-Version", "2025-06-18")
		r, err := s.httpClient(t).Do(req)
		if err != nil && try == 0 {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(r.Body)
		r.Body.Close()
		resp = r
		break
	}
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"search"`) {
		t.Fatalf("session from before the reload: %d %s", resp.StatusCode, body)
	}

	// Other sources: rebuild, and the old index is freed.
	other := filepath.Join(t.TempDir(), "other.json")
	b, _ := os.ReadFile(s.index)
	if err := os.WriteFile(other, b, 0o644); err != nil {
		t.Fatal(err)
	}
	load(t, s.caddyfile(false, block("two", other), ""))
	if _, ok := corpusPool.References(key); ok {
		t.Fatal("old index still pooled after its last config was unloaded")
	}
	if pooled(t, defaultCorpusKey(source.Spec{Location: other})) == nil {
		t.Fatal("new index not pooled")
	}
}

// TestSourceErrorFailsLoad: a broken source fails the config load with the
// source and the problem.
func TestSourceErrorFailsLoad(t *testing.T) {
	s := newSiteDir(t)
	s.port = freePort(t)
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("code/main.go", "package main\n")
	refused := fmt.Sprintf("http://127.0.0.1:%d/index.json", freePort(t)) // nothing listens
	for _, tc := range []struct{ src, want string }{
		{write("object.json", `{"not": "an array"}`), "want an array"},
		{write("syntax.json", `[{"title": "x",]`), "invalid JSON"},
		{write("empty.json", `[]`), "no usable pages (the array is empty)"},
		{filepath.Join(dir, "code"), "no index.json, Markdown or HTML files"},
		{filepath.Join(dir, "missing.json"), "missing.json"},
		{refused, "connection refused"}, // the only source: nothing to serve
	} {
		cfg, _, err := adaptCaddyfile(s.caddyfile(false, "mcp {\n\t\tsource "+tc.src+"\n\t}", ""))
		if err != nil {
			t.Fatal(err)
		}
		err = caddy.Load(cfg, true)
		_ = caddy.Stop()
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "loading sources") ||
			!strings.Contains(err.Error(), source.PublicLocation(tc.src)) || strings.Contains(err.Error(), dir) {
			t.Errorf("source %s: load error %v, want one mentioning %q", tc.src, err, tc.want)
		}
	}
}

// TestSourcesSharedAndPartlyDown: a refused URL next to a good local source
// is not fatal (the local pages are served, the error is in the status),
// and two sites with the same sources share one index.
func TestSourcesSharedAndPartlyDown(t *testing.T) {
	s := newSiteDir(t)
	s.port = freePort(t)
	other := freePort(t)
	refused := fmt.Sprintf("http://127.0.0.1:%d/index.json", freePort(t))
	block := "mcp {\n\t\tsource " + s.index + "\n\t\tsource " + refused + "\n\t}"
	cfg := s.caddyfile(false, block, "") + fmt.Sprintf("http://127.0.0.1:%d {\n\tbind 127.0.0.1\n\t%s\n}\n", other, block)
	load(t, cfg)
	t.Cleanup(func() { _ = caddy.Stop() })
	// One pool entry used by both sites: one index.
	key := defaultCorpusKey(source.Spec{Location: s.index}, source.Spec{Location: refused})
	if n, ok := corpusPool.References(key); !ok || n != 2 {
		t.Errorf("pool entry for the shared sources: %d users (present %v), want one entry used by 2 sites", n, ok)
	}
	tr := &http.Transport{} // dials each site's own port
	t.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr}
	for _, base := range []string{s.base, fmt.Sprintf("http://127.0.0.1:%d", other)} {
		ctx := testCtx(t)
		c := newStreamableClient(t, ctx, base+"/mcp", hc, "2025-06-18")
		res := initialize(t, ctx, c, "2025-06-18")
		exercise(t, ctx, c)
		if !strings.Contains(res.Instructions, "connection refused") {
			t.Errorf("%s: instructions do not report the refused source:\n%s", base, res.Instructions)
		}
	}
}

// TestStreamableSessionIdleExpiry: a streamable session unused for
// session_idle_timeout loses what this instance holds for it (its table
// entry, its event stream), while one in use keeps it. Its signed id stays
// valid (any instance of a cluster accepts it, see signed.go): the next
// request rebuilds the entry instead of getting 404.
func TestStreamableSessionIdleExpiry(t *testing.T) {
	s := startSite(t, false, "mcp {\n\t\tsource INDEX\n\t\tsession_idle_timeout 1s\n\t}", "")
	hc := s.httpClient(t)
	ctx := testCtx(t)

	busy := newStreamableClient(t, ctx, s.base+"/mcp", hc, "2025-06-18")
	initialize(t, ctx, busy, "2025-06-18")
	idle := newStreamableClient(t, ctx, s.base+"/mcp", hc, "2025-06-18")
	initialize(t, ctx, idle, "2025-06-18")
	if n := liveSessionEntries(); n != 2 {
		t.Fatalf("%d session entries, want 2", n)
	}

	for range 5 { // 2s of activity, 400ms apart
		time.Sleep(400 * time.Millisecond)
		if _, err := busy.ListTools(ctx, mcp.ListToolsRequest{}); err != nil {
			t.Fatalf("session in use expired: %v", err)
		}
	}
	if n := liveSessionEntries(); n != 1 {
		t.Fatalf("%d session entries after 2s with session_idle_timeout 1s, want 1 (the busy one)", n)
	}
	if _, err := idle.ListTools(ctx, mcp.ListToolsRequest{}); err != nil {
		t.Fatalf("idle session's signed id refused: %v", err)
	}
	if n := liveSessionEntries(); n != 2 {
		t.Fatalf("%d session entries after the idle session came back, want 2 (rebuilt)", n)
	}
}

// liveSessionEntries counts the entries of every session table.
func liveSessionEntries() int {
	n := 0
	sessionPool.Range(func(_, v any) bool {
		n += v.(*sessionTable).len()
		return true
	})
	return n
}

// TestSSESessionIdleExpiry: legacy SSE sessions whose client is silent for
// session_idle_timeout are closed (mcp-go has no expiry for them); clients
// that answer the keepalive pings stay connected.
func TestSSESessionIdleExpiry(t *testing.T) {
	t.Run("silent", func(t *testing.T) {
		s := startSite(t, false, "mcp {\n\t\tsource INDEX\n\t\tsession_idle_timeout 1s\n\t\tkeepalive off\n\t}", "")
		ctx := testCtx(t)
		c := newSSEClient(t, ctx, s.base+"/sse", s.httpClient(t))
		initialize(t, ctx, c, "2024-11-05")
		time.Sleep(1600 * time.Millisecond)
		if _, err := c.ListTools(ctx, mcp.ListToolsRequest{}); err == nil {
			t.Fatal("SSE session idle for 1.6s still served with session_idle_timeout 1s")
		} else {
			t.Logf("idle SSE session: %v", err)
		}
	})
	t.Run("answering-pings", func(t *testing.T) {
		// mcp-go's SSE client ignores pings; the TypeScript SDK (Claude,
		// Cursor, ...) answers them. Play that client by hand.
		s := startSite(t, false, "mcp {\n\t\tsource INDEX\n\t\tsession_idle_timeout 1s\n\t\tkeepalive 200ms\n\t}", "")
		hc := s.httpClient(t)
		_, br, _ := rawGet(t, s, "/sse", nil)
		ev := readEvent(t, br)
		endpoint := ev
		postMsg := func(body string) {
			resp, b := post(t, hc, s.base+endpoint, body, nil)
			if resp.StatusCode != 202 {
				t.Fatalf("POST %s: %d %s", endpoint, resp.StatusCode, b)
			}
		}
		postMsg(strings.Replace(initBody, "2025-06-18", "2024-11-05", 1))
		pings := 0
		for deadline := time.Now().Add(1600 * time.Millisecond); time.Now().Before(deadline); {
			var msg struct {
				ID     any    `json:"id"`
				Method string `json:"method"`
			}
			if err := json.Unmarshal([]byte(readEvent(t, br)), &msg); err != nil {
				t.Fatal(err)
			}
			if msg.Method == "ping" {
				pings++
				b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": msg.ID, "result": map[string]any{}})
				postMsg(string(b))
			}
		}
		if pings < 3 {
			t.Fatalf("%d pings in 1.6s with keepalive 200ms", pings)
		}
		postMsg(`{"jsonrpc":"2.0","id":"after","method":"tools/list"}`)
		for {
			if data := readEvent(t, br); strings.Contains(data, `"id":"after"`) {
				if !strings.Contains(data, `"search"`) {
					t.Fatalf("tools/list answer: %s", data)
				}
				return
			}
		}
	})
}

// readEvent returns the data line of the next SSE event.
func readEvent(t *testing.T, br *bufio.Reader) string {
	t.Helper()
	var data string
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("reading event: %v", err)
		}
		line = strings.TrimRight(line, "\r\n")
		if strings.HasPrefix(line, "data:") {
			data = strings.TrimSpace(line[len("data:"):])
			data = "data: " + data
		}
		if line == "" && data != "" {
			return strings.TrimPrefix(data, "data: ")
		}
	}
}

// TestLiveReindex: with `watch`, an edited source is re-indexed while
// Caddy runs, and the MCP tools see the new index without a reload.
func TestLiveReindex(t *testing.T) {
	s := startSite(t, false, "mcp {\n\t\tsource INDEX\n\t\twatch 100ms\n\t}", "")
	ctx := testCtx(t)
	c := newStreamableClient(t, ctx, s.base+"/mcp", s.httpClient(t), "2025-06-18")
	initialize(t, ctx, c, "2025-06-18")

	var sr struct {
		Results []struct{ ID, Title, URL string } `json:"results"`
	}
	callJSON(t, ctx, c, "search", map[string]any{"query": "quasar"}, &sr)
	if len(sr.Results) != 0 {
		t.Fatalf("quasar found before it was written: %+v", sr.Results)
	}
	pages := append(testPages[:len(testPages):len(testPages)], map[string]any{
		"title": "Quasar Mode", "permalink": "https://docs.example.com/quasar/",
		"contents": "Quasar mode makes widgets glow.",
	})
	b, _ := json.Marshal(pages)
	if err := os.WriteFile(s.index, b, 0o644); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; {
		callJSON(t, ctx, c, "search", map[string]any{"query": "quasar"}, &sr)
		if len(sr.Results) > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("edited source not re-indexed within 5s with watch 100ms")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// defaultCorpusKey is the pool key of a handler with these sources and
// every other setting at its default.
func defaultCorpusKey(specs ...source.Spec) string {
	return corpusKey(corpus.Options{Specs: specs, IndexCache: new(Handler).indexCacheDir()})
}
