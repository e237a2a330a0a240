package caddymcp

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
)

// hugoIndex is the real 716-page corpus in testdata (pages up to 80 KB).
func hugoIndex(t testing.TB) string {
	p, err := filepath.Abs("../testdata/hugo/index.json")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// trustLoopback makes Caddy take the client IP from X-Forwarded-For, so
// one test can play many clients.
const trustLoopback = "servers {\n\t\ttrusted_proxies static 127.0.0.1/32\n\t}"

// startSites loads one config with the given global options and one site
// block per host (all on one port, so one server), each with its own mcp
// block. It returns the site (base is the first host's).
func startSites(t testing.TB, global string, blocks map[string]string) *site {
	s := newSiteDir(t)
	s.port = freePort(t)
	s.host = "127.0.0.1"
	cfg := s.globalOptions(global)
	first := ""
	for _, host := range sortedKeys(blocks) {
		base := fmt.Sprintf("http://%s:%d", host, s.port)
		if first == "" {
			first = base
		}
		cfg += fmt.Sprintf("\n%s {\n\tbind 127.0.0.1\n\t%s\n\trespond 404\n}\n", base,
			strings.ReplaceAll(blocks[host], "INDEX", s.index))
	}
	s.base = first
	load(t, cfg)
	t.Cleanup(func() { _ = caddy.Stop() })
	return s
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := range keys {
		for j := i + 1; j < len(keys); j++ {
			if keys[j] < keys[i] {
				keys[i], keys[j] = keys[j], keys[i]
			}
		}
	}
	return keys
}

// initFrom sends initialize as client ip; it returns the status and the
// session id.
func initFrom(t testing.TB, hc *http.Client, url, ip string) (int, string, http.Header) {
	t.Helper()
	resp, body := post(t, hc, url, initBody, map[string]string{"X-Forwarded-For": ip})
	if resp.StatusCode == 200 && resp.Header.Get("Mcp-Session-Id") == "" {
		t.Fatalf("initialize: no session id: %s", body)
	}
	return resp.StatusCode, resp.Header.Get("Mcp-Session-Id"), resp.Header
}

// listTools calls tools/list on a session and returns the status.
func listTools(t testing.TB, hc *http.Client, url, id string) int {
	t.Helper()
	resp, _ := post(t, hc, url, `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`,
		map[string]string{"Mcp-Session-Id": id, "MCP-Protocol-Version": "2025-06-18"})
	return resp.StatusCode
}

// TestSessionLimits (attack: `initialize` in a loop, 50,000 live sessions):
// one address gets max_sessions_per_client sessions, then 429; a second
// client still gets in and works; a full table refuses with 503 +
// Retry-After only while every session is fresh, then evicts the least
// recently used idle one (whose client gets 404).
func TestSessionLimits(t *testing.T) {
	s := startSites(t, trustLoopback, map[string]string{
		"127.0.0.1": "mcp {\n\t\tsource INDEX\n\t\tmax_sessions 6\n\t\tmax_sessions_per_client 3\n\t}",
	})
	hc := s.httpClient(t)
	url := s.base + "/mcp"

	// The attacker: 3 sessions, then 429 (they are all in use right now).
	var attacker []string
	for i := range 20 {
		code, id, hdr := initFrom(t, hc, url, "10.0.0.1")
		switch {
		case i < 3 && code == 200:
			attacker = append(attacker, id)
		case i >= 3 && code == 429 && hdr.Get("Retry-After") != "":
		default:
			t.Fatalf("initialize #%d from one client: %d (Retry-After %q); want 200 x3 then 429",
				i, code, hdr.Get("Retry-After"))
		}
	}
	// Another client gets in and works.
	code, victim, _ := initFrom(t, hc, url, "10.0.0.2")
	if code != 200 || listTools(t, hc, url, victim) != 200 {
		t.Fatalf("second client during the flood: %d", code)
	}
	// Fill the table (6): two more clients.
	for _, ip := range []string{"10.0.0.3", "10.0.0.4"} {
		if code, _, _ := initFrom(t, hc, url, ip); code != 200 {
			t.Fatalf("client %s: %d", ip, code)
		}
	}
	code, _, hdr := initFrom(t, hc, url, "10.0.0.5")
	if code != 503 || hdr.Get("Retry-After") == "" {
		t.Fatalf("full table, every session fresh: %d (Retry-After %q), want 503 with Retry-After", code, hdr.Get("Retry-After"))
	}
	// Once sessions are idle, a newcomer evicts the least recently used.
	time.Sleep(evictGrace + 200*time.Millisecond)
	if listTools(t, hc, url, victim) != 200 { // the victim is now the most recent
		t.Fatal("victim session lost before eviction")
	}
	code, _, _ = initFrom(t, hc, url, "10.0.0.5")
	if code != 200 {
		t.Fatalf("full table with idle sessions: %d, want 200 (evict)", code)
	}
	if sessionHeld(attacker[0]) {
		t.Fatal("least recently used session not evicted")
	}
	// Eviction frees this instance's state; the signed id stays valid
	// (signed.go): its next request rebuilds the entry.
	if listTools(t, hc, url, victim) != 200 {
		t.Fatal("recently used session evicted instead of the least recently used")
	}
}

// TestStreamableSessionRules: the spec's MUSTs on sessions for GET and
// DELETE, and streams that end with their session.
func TestStreamableSessionRules(t *testing.T) {
	s := startSite(t, false, "mcp {\n\t\tsource INDEX\n\t\tsession_idle_timeout 1s\n\t\tkeepalive 200ms\n\t}", "")
	hc := s.httpClient(t)
	url := s.base + "/mcp"
	hdr := func(id string) map[string]string {
		return map[string]string{"Mcp-Session-Id": id, "MCP-Protocol-Version": "2025-06-18", "Accept": "text/event-stream"}
	}
	do := func(method, id string) int {
		// An open stream where an error is due must fail, not hang.
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, method, url, nil)
		resp, _ := send(t, hc, req, hdr(id))
		return resp.StatusCode
	}
	if c := do("GET", ""); c != 400 {
		t.Errorf("GET without a session id: %d, want 400", c)
	}
	resp, _ := post(t, hc, url, `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`, map[string]string{"MCP-Protocol-Version": "2025-06-18"})
	if resp.StatusCode != 400 {
		t.Errorf("POST without a session id: %d, want 400", resp.StatusCode)
	}
	unknown := "mcp-session-00000000-0000-4000-8000-000000000000"
	if c := do("GET", unknown); c != 404 {
		t.Errorf("GET with an unknown session: %d, want 404", c)
	}
	if c := do("DELETE", unknown); c != 404 {
		t.Errorf("DELETE with an unknown session: %d, want 404", c)
	}
	_, id, _ := initFrom(t, hc, url, "")
	if c := do("DELETE", id); c != 200 {
		t.Fatalf("DELETE: %d", c)
	}
	if c := do("DELETE", id); c != 404 {
		t.Errorf("second DELETE: %d, want 404", c)
	}
	if c := do("GET", id); c != 404 {
		t.Errorf("GET after DELETE: %d, want 404", c)
	}

	// A stream ends when its session is deleted, and a session has one.
	_, id, _ = initFrom(t, hc, url, "")
	head, br, _ := rawGet(t, s, "/mcp", hdr(id))
	checkStreamHead(t, "GET /mcp", head)
	if c := do("GET", id); c != 409 {
		t.Errorf("second GET stream on one session: %d, want 409", c)
	}
	if c := do("DELETE", id); c != 200 {
		t.Fatalf("DELETE: %d", c)
	}
	waitEOF(t, br, "stream of a deleted session")

	// ... and when the session idles out (the client answers no pings).
	_, id, _ = initFrom(t, hc, url, "")
	_, br, _ = rawGet(t, s, "/mcp", hdr(id))
	waitEOF(t, br, "stream of an idle-expired session")
	if sessionHeld(id) {
		t.Error("idle-expired session still held")
	}
	// Its signed id stays valid (signed.go): the entry is rebuilt to serve
	// the request. (Whether it is still held afterwards depends on the
	// sweeper, which this test's short idle timeout runs constantly.)
	if c := listTools(t, hc, url, id); c != 200 {
		t.Errorf("idle-expired session's signed id: %d, want 200 (entry rebuilt)", c)
	}
}

// waitEOF reads br until the stream ends; it fails after 5s.
func waitEOF(t *testing.T, br *bufio.Reader, what string) {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, br)
		done <- err
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("%s still open after 5s", what)
	}
}

// TestSessionlessGETs (attack: 2,000 GET /mcp without a session id, each
// an open stream): all refused with 400, nothing held.
func TestSessionlessGETs(t *testing.T) {
	s := startSite(t, false, "mcp {\n\t\tsource INDEX\n\t}", "")
	hc := s.httpClient(t)
	before := runtime.NumGoroutine()
	var wg sync.WaitGroup
	codes := make([]int, 200)
	for i := range codes {
		wg.Go(func() {
			req, _ := http.NewRequestWithContext(testCtx(t), "GET", s.base+"/mcp", nil)
			req.Header.Set("Accept", "text/event-stream")
			resp, err := hc.Do(req)
			if err != nil {
				return
			}
			codes[i] = resp.StatusCode
			resp.Body.Close()
		})
	}
	wg.Wait()
	for i, c := range codes {
		if c != 400 {
			t.Fatalf("sessionless GET #%d: %d, want 400", i, c)
		}
	}
	hc.CloseIdleConnections()
	waitGoroutines(t, before+10)
}

// waitGoroutines waits up to 3s for the goroutine count to fall to max.
func waitGoroutines(t *testing.T, max int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > max {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines, want <= %d", runtime.NumGoroutine(), max)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestLegacySSEQueueBounded (attack: open GET /sse, never read it, POST
// read_page in a loop): the session's outbound queue is bounded, further
// POSTs get 429 (or the session is closed), and no goroutine is held per
// POST.
func TestLegacySSEQueueBounded(t *testing.T) {
	s := startSite(t, false, "mcp {\n\t\tsource "+hugoIndex(t)+"\n\t\tkeepalive off\n\t}", "")
	hc := s.httpClient(t)
	conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", s.port))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.(*net.TCPConn).SetReadBuffer(4096) // a client that reads nothing
	fmt.Fprintf(conn, "GET /sse HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAccept: text/event-stream\r\n\r\n", s.port)
	br := bufio.NewReaderSize(conn, 4096)
	var endpoint string
	for endpoint == "" {
		_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if i := strings.Index(line, "/message?sessionId="); i >= 0 {
			endpoint = strings.TrimSpace(line[i:])
		}
	}
	post(t, hc, s.base+endpoint, strings.Replace(initBody, "2025-06-18", "2024-11-05", 1), nil)
	before := runtime.NumGoroutine()
	call := `{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"read_page",` +
		`"arguments":{"url":"https://gohugo.io/quick-reference/emojis/","max_length":50000}}}`
	refused := 0
	for i := range 400 {
		resp, body := post(t, hc, s.base+endpoint, fmt.Sprintf(call, i+10), nil)
		switch resp.StatusCode {
		case 202:
		case 429, 404:
			refused++
		default:
			t.Fatalf("POST #%d: %d %s", i, resp.StatusCode, body)
		}
		if refused >= 5 {
			break
		}
	}
	if refused < 5 {
		t.Fatal("400 POSTs of 50 KB answers to a stream nobody reads were all accepted")
	}
	if n := runtime.NumGoroutine(); n > before+20 {
		t.Fatalf("goroutines %d -> %d: held per queued message", before, n)
	}
}

// TestSessionTablePerSite (attack: two sites, 1m and 1h idle timeouts:
// the 1m site expired the 1h site's sessions): each site has its own table.
func TestSessionTablePerSite(t *testing.T) {
	s := startSites(t, "", map[string]string{
		"a.localhost": "mcp {\n\t\tsource INDEX\n\t\tsession_idle_timeout 1s\n\t}",
		"b.localhost": "mcp {\n\t\tsource INDEX\n\t\tsession_idle_timeout 1h\n\t}",
	})
	hc := s.httpClient(t)
	a, b := fmt.Sprintf("http://a.localhost:%d/mcp", s.port), fmt.Sprintf("http://b.localhost:%d/mcp", s.port)
	_, idB, _ := initFrom(t, hc, b, "")
	_, idA, _ := initFrom(t, hc, a, "")
	time.Sleep(1500 * time.Millisecond)
	initFrom(t, hc, a, "") // site a mints (and prunes) again
	if c := listTools(t, hc, b, idB); c != 200 {
		t.Errorf("site b (1h) session after 1.5s: %d, want 200", c)
	}
	if sessionHeld(idA) {
		t.Errorf("site a (1s) session still held after 1.5s")
	}
	if c := listTools(t, hc, a, idB); c != 404 { // signed for site b only
		t.Errorf("site b's session on site a: %d, want 404", c)
	}
}

// TestExpiryLogging (attack: 40,000 sessions expiring wrote 40,119 INFO
// lines, each with its id): one line per sweep with a count.
func TestExpiryLogging(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "caddy.log")
	s := startSites(t, trustLoopback+"\n\tlog {\n\t\toutput file "+logFile+"\n\t\tformat json\n\t}", map[string]string{
		"127.0.0.1": "mcp {\n\t\tsource INDEX\n\t\tsession_idle_timeout 300ms\n\t}",
	})
	hc := s.httpClient(t)
	ids := map[string]bool{}
	for i := range 100 {
		_, id, _ := initFrom(t, hc, s.base+"/mcp", fmt.Sprintf("10.1.%d.%d", i/200, i%200))
		ids[id] = true
	}
	time.Sleep(1500 * time.Millisecond)
	b, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	mentions, summaries, expired := 0, 0, 0
	for _, line := range strings.Split(string(b), "\n") {
		for id := range ids {
			if strings.Contains(line, id) {
				mentions++
				break
			}
		}
		var entry struct {
			Expired *int `json:"expired"`
		}
		if json.Unmarshal([]byte(line), &entry) == nil && entry.Expired != nil {
			summaries++
			expired += *entry.Expired
		}
	}
	// Sessions were opened over a while, so a few sweeps each end some.
	if mentions > 0 || expired != 100 || summaries > 20 {
		t.Fatalf("100 sessions expiring: %d log lines with a session id, %d summary lines counting %d; want 0, <= 20, 100\n%s",
			mentions, summaries, expired, b)
	}
}

// openSSE opens a legacy event stream and returns its message endpoint
// and the reader positioned after the endpoint event.
func openSSE(t *testing.T, s *site) (string, *bufio.Reader) {
	t.Helper()
	_, br, _ := rawGet(t, s, "/sse", nil)
	data := readEvent(t, br)
	if !strings.Contains(data, "/message?sessionId=") {
		t.Fatalf("first event: %q", data)
	}
	return data, br
}

// TestLegacySessionEvicted: a legacy SSE session evicted for a newcomer
// has its stream closed and its POSTs answered 404.
func TestLegacySessionEvicted(t *testing.T) {
	s := startSite(t, false, "mcp {\n\t\tsource INDEX\n\t\tmax_sessions_per_client 1\n\t\tkeepalive off\n\t}", "")
	hc := s.httpClient(t)
	init := strings.Replace(initBody, "2025-06-18", "2024-11-05", 1)
	oldEndpoint, oldStream := openSSE(t, s)
	if resp, body := post(t, hc, s.base+oldEndpoint, init, nil); resp.StatusCode != 202 {
		t.Fatalf("initialize: %d %s", resp.StatusCode, body)
	}
	time.Sleep(evictGrace + 200*time.Millisecond)
	newEndpoint, _ := openSSE(t, s)
	waitEOF(t, oldStream, "stream of the evicted session")
	if resp, _ := post(t, hc, s.base+oldEndpoint, init, nil); resp.StatusCode != 404 {
		t.Fatalf("POST to the evicted session: %d, want 404", resp.StatusCode)
	}
	if resp, body := post(t, hc, s.base+newEndpoint, init, nil); resp.StatusCode != 202 {
		t.Fatalf("new session: %d %s", resp.StatusCode, body)
	}
}
