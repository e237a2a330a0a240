package caddymcp

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/querylog"
)

// callTool calls a tool and fails the test on a protocol error.
func callTool(t *testing.T, c *client.Client, tool string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	req := mcp.CallToolRequest{}
	req.Params.Name = tool
	req.Params.Arguments = args
	res, err := c.CallTool(testCtx(t), req)
	if err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	return res
}

// scrape returns the samples of the caddy_mcp_* families as
// "name{labels}" -> value, label pairs in the order Prometheus writes them.
func scrape(t *testing.T, hc *http.Client, url string) map[string]float64 {
	t.Helper()
	resp, err := hc.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "caddy_mcp_") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("bad sample %q", line)
		}
		out[line[:i]] = v
	}
	return out
}

// TestMetricsAndAccessLog makes known calls, then checks every metric
// family on the site's `metrics` endpoint and the MCP fields of the access
// log entries.
func TestMetricsAndAccessLog(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "access.log")
	s := startSite(t, false, `mcp {
		source INDEX
		name obs
		log_queries
		query_log
		max_request_body 2KiB
	}`, fmt.Sprintf(`metrics /metrics
	log {
		output file %s
		format json
	}`, logFile))
	hc := s.httpClient(t)
	ctx := testCtx(t)

	c := newStreamableClient(t, ctx, s.base+"/mcp", hc, "2025-06-18")
	initialize(t, ctx, c, "2025-06-18")
	callTool(t, c, "search_docs", map[string]any{"query": "frobnicate"})
	callTool(t, c, "search_docs", map[string]any{"query": "xyzzyplugh"})
	callTool(t, c, "search", map[string]any{"query": "qwertyuiop"})
	if res := callTool(t, c, "fetch", map[string]any{"id": "no/such/page"}); !res.IsError {
		t.Fatal("fetch of a missing page: want a tool error")
	}
	sse := newSSEClient(t, ctx, s.base+"/sse", hc)
	initialize(t, ctx, sse, "2024-11-05")

	// Refusals: a foreign Origin, an oversized body, unparsable JSON.
	post(t, hc, s.base+"/mcp", `{}`, map[string]string{"Origin": "https://evil.example"})
	post(t, hc, s.base+"/mcp", `{"x":"`+strings.Repeat("a", 4096)+`"}`, nil)
	post(t, hc, s.base+"/mcp", `{not json`, nil)

	m := scrape(t, hc, s.base+"/metrics")
	want := map[string]float64{
		`caddy_mcp_tool_calls_total{outcome="ok",server="obs",tool="search_docs"}`:                       2,
		`caddy_mcp_tool_calls_total{outcome="ok",server="obs",tool="search"}`:                            1,
		`caddy_mcp_tool_calls_total{outcome="tool_error",server="obs",tool="fetch"}`:                     1,
		`caddy_mcp_tool_call_duration_seconds_count{server="obs",tool="search_docs"}`:                    2,
		`caddy_mcp_search_zero_results_total{server="obs",tool="search_docs"}`:                           1,
		`caddy_mcp_search_zero_results_total{server="obs",tool="search"}`:                                1,
		`caddy_mcp_sessions_total{server="obs",transport="streamable"}`:                                  1,
		`caddy_mcp_sessions_total{server="obs",transport="sse"}`:                                         1,
		`caddy_mcp_sessions_open{server="obs",transport="sse"}`:                                          1,
		`caddy_mcp_rejected_total{reason="origin",server="obs"}`:                                         1,
		`caddy_mcp_rejected_total{reason="body_size",server="obs"}`:                                      1,
		`caddy_mcp_rejected_total{reason="bad_request",server="obs"}`:                                    1,
		`caddy_mcp_rejected_total{reason="session_limit",server="obs"}`:                                  0,
		`caddy_mcp_index_pages{server="obs"}`:                                                            3,
		`caddy_mcp_index_sections{server="obs"}`:                                                         3,
		`caddy_mcp_source_refreshes_total{result="changed",server="obs",source="index_json:index.json"}`: 1,
		`caddy_mcp_source_refreshes_total{result="failed",server="obs",source="index_json:index.json"}`:  0,
	}
	for k, v := range want {
		got, ok := m[k]
		if !ok || got != v {
			t.Errorf("%s = %v (present %v), want %v", k, got, ok, v)
		}
	}
	ts := m[`caddy_mcp_source_last_success_timestamp_seconds{server="obs",source="index_json:index.json"}`]
	if ts < float64(time.Now().Add(-time.Minute).Unix()) || ts > float64(time.Now().Unix()+1) {
		t.Errorf("last success timestamp %v is not about now", ts)
	}
	for k := range m {
		if strings.Contains(k, s.dir) {
			t.Errorf("a metric label names the source's directory: %s", k)
		}
	}
	if t.Failed() {
		t.Logf("scraped:\n%v", m)
	}

	// Query log: the searches that found little, most frequent first.
	ql := querylog.All("obs")
	got := map[string]int{}
	for _, e := range ql {
		got[e.Tool+":"+e.Query] = e.Results
	}
	if len(ql) != 3 || got["search_docs:xyzzyplugh"] != 0 || got["search:qwertyuiop"] != 0 || got["search_docs:frobnicate"] != 1 {
		t.Errorf("query log = %+v", ql)
	}

	// Access log: the known calls carry their MCP fields.
	entries := readAccessLog(t, logFile, 8)
	find := func(pred func(map[string]any) bool) map[string]any {
		for _, e := range entries {
			if pred(e) {
				return e
			}
		}
		return nil
	}
	hit := find(func(e map[string]any) bool { return e["mcp.query"] == "frobnicate" })
	if hit == nil {
		t.Fatalf("no access log entry with mcp.query frobnicate in %v", entries)
	}
	if hit["mcp.method"] != "tools/call" || hit["mcp.tool"] != "search_docs" || hit["mcp.results"] != float64(1) {
		t.Errorf("search entry fields: %v", hit)
	}
	sess, _ := hit["mcp.session"].(string)
	if !regexp.MustCompile(`^[0-9a-f]{12}$`).MatchString(sess) {
		t.Errorf("mcp.session = %q, want a 12-hex-digit hash", sess)
	}
	if zero := find(func(e map[string]any) bool { return e["mcp.query"] == "xyzzyplugh" }); zero == nil || zero["mcp.results"] != float64(0) {
		t.Errorf("zero-result search entry: %v", zero)
	}
	if fe := find(func(e map[string]any) bool { return e["mcp.tool"] == "fetch" }); fe == nil || fe["mcp.error"] != "tool_error" {
		t.Errorf("fetch entry: %v", fe)
	}
	if oe := find(func(e map[string]any) bool { return e["mcp.error"] == "origin" }); oe == nil {
		t.Error("no access log entry for the refused origin")
	}
	// Every refusal says why in its access-log line, not only the origin.
	for _, reason := range []string{RejectBodySize, RejectBadRequest} {
		if find(func(e map[string]any) bool { return e["mcp.error"] == reason }) == nil {
			t.Errorf("no access log entry with mcp.error %q", reason)
		}
	}
	raw, _ := os.ReadFile(logFile)
	if strings.Contains(string(raw), "qwertyuiop") == false {
		t.Error("log_queries is on: the search query should be logged")
	}
}

// TestAccessLogNoQueries: without log_queries, query text never reaches
// the log, while the other fields do.
func TestAccessLogNoQueries(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "access.log")
	s := startSite(t, false, `mcp {
		source INDEX
	}`, fmt.Sprintf(`log {
		output file %s
		format json
	}`, logFile))
	hc := s.httpClient(t)
	ctx := testCtx(t)
	c := newStreamableClient(t, ctx, s.base+"/mcp", hc, "2026-07-28")
	initialize(t, ctx, c, "2026-07-28")
	callTool(t, c, "search_docs", map[string]any{"query": "sprocket_count secretword"})
	entries := readAccessLog(t, logFile, 2)
	raw, _ := os.ReadFile(logFile)
	if strings.Contains(string(raw), "secretword") {
		t.Fatalf("query text in the access log without log_queries:\n%s", raw)
	}
	for _, e := range entries {
		if e["mcp.tool"] == "search_docs" {
			if _, ok := e["mcp.results"]; !ok {
				t.Errorf("no mcp.results: %v", e)
			}
			return
		}
	}
	t.Fatalf("no search_docs entry in %v", entries)
}

// readAccessLog waits until the log has at least n entries with MCP fields
// (Caddy writes an entry after the response) and returns all entries.
func readAccessLog(t *testing.T, path string, n int) []map[string]any {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var entries []map[string]any
		mcpEntries := 0
		if b, err := os.ReadFile(path); err == nil {
			for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
				var e map[string]any
				if json.Unmarshal([]byte(line), &e) == nil {
					entries = append(entries, e)
					if _, ok := e["mcp.method"]; ok {
						mcpEntries++
					}
				}
			}
		}
		if mcpEntries >= n {
			return entries
		}
		if time.Now().After(deadline) {
			t.Fatalf("access log has %d MCP entries, want >= %d: %v", mcpEntries, n, entries)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestMetricsTwoHandlersAndReload: two mcp handlers in one config share
// the config's registry (the second finds the first's collectors), each
// under its own server label; a reload registers afresh without error and
// reports the index again.
func TestMetricsTwoHandlersAndReload(t *testing.T) {
	s := newSiteDir(t)
	s.port = freePort(t)
	port2 := freePort(t)
	cfg := s.globalOptions("") + fmt.Sprintf(`
http://127.0.0.1:%d {
	bind 127.0.0.1
	metrics /metrics
	mcp {
		source %s
		name one
	}
}
http://127.0.0.1:%d {
	bind 127.0.0.1
	handle_path /b/* {
		mcp {
			source %s
			name two
		}
	}
}
`, s.port, s.index, port2, s.index)
	load(t, cfg)
	t.Cleanup(func() { _ = caddy.Stop() })
	s.base = fmt.Sprintf("http://127.0.0.1:%d", s.port)
	hc := s.httpClient(t)
	for round := range 2 {
		m := scrape(t, hc, s.base+"/metrics")
		for _, server := range []string{"one", "two"} {
			k := `caddy_mcp_index_pages{server="` + server + `"}`
			if m[k] != 3 {
				t.Errorf("round %d: %s = %v, want 3", round, k, m[k])
			}
		}
		load(t, cfg) // reload: a fresh registry, the same index
	}
}

func TestObserveCaddyfile(t *testing.T) {
	got, _, err := adaptMCP(t, "mcp {\n source x.json\n landing off\n log_queries\n query_log on\n}")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"disable_landing":true`, `"log_queries":true`, `"query_log":true`} {
		if !strings.Contains(got, want) {
			t.Errorf("adapted %s lacks %s", got, want)
		}
	}
	for _, bad := range []string{"landing", "query_log maybe", "log_queries on off"} {
		if _, _, err := adaptMCP(t, "mcp {\n source x.json\n "+bad+"\n}"); err == nil || !strings.Contains(err.Error(), "want on or off") {
			t.Errorf("%q: err = %v, want 'want on or off'", bad, err)
		}
	}
}

// TestMetricsSessionLimit: a session refused by the limits is counted.
func TestMetricsSessionLimit(t *testing.T) {
	s := startSite(t, false, "mcp {\n\t\tsource INDEX\n\t\tmax_sessions_per_client 1\n\t}", "metrics /metrics")
	hc := s.httpClient(t)
	init := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`
	if resp, body := post(t, hc, s.base+"/mcp", init, nil); resp.StatusCode != 200 {
		t.Fatalf("first initialize: %d %s", resp.StatusCode, body)
	}
	if resp, _ := post(t, hc, s.base+"/mcp", init, nil); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("second initialize: %d, want 429", resp.StatusCode)
	}
	m := scrape(t, hc, s.base+"/metrics")
	if k := `caddy_mcp_rejected_total{reason="session_limit",server="docs"}`; m[k] != 1 {
		t.Fatalf("%s = %v, want 1", k, m[k])
	}
}
