package caddymcp

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// The abuse benchmarks (issue 9) run one attack against an in-process
// Caddy with the default limits and report what it made the process hold:
// heap growth after a GC (MB), goroutine growth, and how the requests were
// answered. Run them one at a time with -benchtime=1x, e.g.
//
//	go test -run '^$' -bench 'Abuse|Soak' -benchtime=1x ./caddymcp/

// heapMB is the live heap after a full GC, in MB.
func heapMB() float64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc) / (1 << 20)
}

// liveSessions counts the sessions in every pooled table.
func liveSessions() int {
	n := 0
	sessionPool.Range(func(_, v any) bool {
		n += v.(*sessionTable).len()
		return true
	})
	return n
}

// BenchmarkAbuseUnreadSSE: a legacy SSE client opens its stream, never
// reads it, and POSTs 10,000 read_page calls of 50,000 characters.
func BenchmarkAbuseUnreadSSE(b *testing.B) {
	s := startSites(b, "", map[string]string{"127.0.0.1": "mcp {\n\t\tsource " + hugoIndex(b) + "\n\t}"})
	hc := s.httpClient(b)
	conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", s.port))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	_ = conn.(*net.TCPConn).SetReadBuffer(4096)
	fmt.Fprintf(conn, "GET /sse HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAccept: text/event-stream\r\n\r\n", s.port)
	br := bufio.NewReaderSize(conn, 4096)
	var endpoint string
	for endpoint == "" {
		line, err := br.ReadString('\n')
		if err != nil {
			b.Fatal(err)
		}
		if i := strings.Index(line, "/message?sessionId="); i >= 0 {
			endpoint = strings.TrimSpace(line[i:])
		}
	}
	post(b, hc, s.base+endpoint, strings.Replace(initBody, "2025-06-18", "2024-11-05", 1), nil)
	heap0, g0 := heapMB(), runtime.NumGoroutine()
	call := `{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"read_page",` +
		`"arguments":{"url":"https://gohugo.io/quick-reference/emojis/","max_length":50000}}}`
	codes := map[int]int{}
	b.ResetTimer()
	for i := range 10_000 {
		resp, _ := post(b, hc, s.base+endpoint, fmt.Sprintf(call, i+10), nil)
		codes[resp.StatusCode]++
	}
	b.StopTimer()
	b.ReportMetric(heapMB()-heap0, "heap-MB")
	b.ReportMetric(float64(runtime.NumGoroutine()-g0), "goroutines")
	b.ReportMetric(float64(codes[202]), "accepted")
	b.ReportMetric(float64(codes[429]+codes[404]), "refused")
}

// BenchmarkAbuseInitialize: 50,000 initialize requests, from one client
// address or from 50,000 addresses, while a second client completes
// initialize + search.
func BenchmarkAbuseInitialize(b *testing.B) {
	for _, spread := range []bool{false, true} {
		name := "one-client"
		if spread {
			name = "50000-clients"
		}
		b.Run(name, func(b *testing.B) {
			s := startSites(b, trustLoopback, map[string]string{"127.0.0.1": "mcp {\n\t\tsource " + hugoIndex(b) + "\n\t}"})
			url := s.base + "/mcp"
			hc := s.httpClient(b)
			initFrom(b, hc, url, "10.9.9.9") // warm up
			heap0 := heapMB()
			var mu sync.Mutex
			codes := map[int]int{}
			var wg sync.WaitGroup
			next := make(chan int)
			for range 8 {
				wg.Go(func() {
					for i := range next {
						ip := "10.0.0.1"
						if spread {
							ip = fmt.Sprintf("10.%d.%d.%d", i>>16, (i>>8)&255, i&255)
						}
						code, _, _ := initFrom(b, hc, url, ip)
						mu.Lock()
						codes[code]++
						mu.Unlock()
					}
				})
			}
			legit := make(chan string, 1)
			b.ResetTimer()
			go func() {
				time.Sleep(500 * time.Millisecond) // mid-flood
				code, id, _ := initFrom(b, hc, url, "192.0.2.7")
				if code != 200 {
					legit <- fmt.Sprintf("initialize %d", code)
					return
				}
				resp, body := post(b, hc, url, `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"search","arguments":{"query":"shortcodes"}}}`,
					map[string]string{"Mcp-Session-Id": id, "MCP-Protocol-Version": "2025-06-18", "X-Forwarded-For": "192.0.2.7"})
				if resp.StatusCode != 200 || !strings.Contains(string(body), "results") {
					legit <- fmt.Sprintf("search %d", resp.StatusCode)
					return
				}
				legit <- "ok"
			}()
			for i := range 50_000 {
				next <- i
			}
			close(next)
			wg.Wait()
			b.StopTimer()
			if r := <-legit; r != "ok" {
				b.Fatalf("second client during the flood: %s", r)
			}
			b.ReportMetric(heapMB()-heap0, "heap-MB")
			b.ReportMetric(float64(liveSessions()), "live-sessions")
			b.ReportMetric(float64(codes[200]), "admitted")
			b.ReportMetric(float64(codes[429]+codes[503]), "refused")
		})
	}
}

// BenchmarkAbuseSessionlessGET: 2,000 concurrent GET /mcp without a
// session id.
func BenchmarkAbuseSessionlessGET(b *testing.B) {
	s := startSites(b, "", map[string]string{"127.0.0.1": "mcp {\n\t\tsource INDEX\n\t}"})
	hc := s.httpClient(b)
	g0 := runtime.NumGoroutine()
	var refused sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	b.ResetTimer()
	for range 2000 {
		refused.Go(func() {
			resp, err := hc.Get(s.base + "/mcp")
			if err != nil {
				return
			}
			resp.Body.Close()
			mu.Lock()
			codes[resp.StatusCode]++
			mu.Unlock()
		})
	}
	refused.Wait()
	b.StopTimer()
	hc.CloseIdleConnections()
	time.Sleep(200 * time.Millisecond)
	b.ReportMetric(float64(codes[400]), "refused-400")
	b.ReportMetric(float64(2000-codes[400]), "other")
	b.ReportMetric(float64(runtime.NumGoroutine()-g0), "goroutines")
}

// BenchmarkSoakSessions: 10,000 cycles of initialize, tools/list and
// DELETE (a third of them also open and close a GET stream); the heap and
// goroutines must come back to where they were.
func BenchmarkSoakSessions(b *testing.B) {
	s := startSites(b, "", map[string]string{"127.0.0.1": "mcp {\n\t\tsource INDEX\n\t}"})
	url := s.base + "/mcp"
	hc := s.httpClient(b)
	cycle := func(i int) {
		_, id, _ := initFrom(b, hc, url, "")
		hdr := map[string]string{"Mcp-Session-Id": id, "MCP-Protocol-Version": "2025-06-18"}
		post(b, hc, url, `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`, hdr)
		if i%3 == 0 { // open the GET stream, then hang up
			ctx, cancel := context.WithCancel(context.Background())
			req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
			req.Header.Set("Accept", "text/event-stream")
			for k, v := range hdr {
				req.Header.Set(k, v)
			}
			resp, err := hc.Do(req)
			if err != nil || resp.StatusCode != 200 {
				b.Fatalf("GET stream: %v %v", err, resp)
			}
			cancel()
			resp.Body.Close()
		}
		req, _ := http.NewRequest("DELETE", url, nil)
		if resp, _ := send(b, hc, req, hdr); resp.StatusCode != 200 {
			b.Fatalf("DELETE: %d", resp.StatusCode)
		}
	}
	for i := range 200 { // warm up pools and caches
		cycle(i)
	}
	heap0, g0 := heapMB(), runtime.NumGoroutine()
	b.ResetTimer()
	var heapHalf float64
	for i := range 10_000 {
		cycle(i)
		if i == 4_999 {
			heapHalf = heapMB()
		}
	}
	b.StopTimer()
	time.Sleep(200 * time.Millisecond)
	hc.CloseIdleConnections()
	// Growth over the second 5,000 cycles: what a leak would show.
	b.ReportMetric(heapMB()-heapHalf, "heap-MB-2nd-half")
	b.ReportMetric(heapMB()-heap0, "heap-MB")
	b.ReportMetric(float64(runtime.NumGoroutine()-g0), "goroutines")
	b.ReportMetric(float64(liveSessions()), "live-sessions")
}

// BenchmarkSessionMemory: heap per live streamable session (10,000
// initialized sessions from distinct addresses, limits raised).
func BenchmarkSessionMemory(b *testing.B) {
	s := startSites(b, trustLoopback, map[string]string{"127.0.0.1": "mcp {\n\t\tsource INDEX\n\t\tmax_sessions 100000\n\t}"})
	url := s.base + "/mcp"
	hc := s.httpClient(b)
	initFrom(b, hc, url, "10.9.9.9")
	heap0 := heapMB()
	b.ResetTimer()
	const n = 10_000
	for i := range n {
		if code, _, _ := initFrom(b, hc, url, fmt.Sprintf("10.%d.%d.%d", i>>16, (i>>8)&255, i&255)); code != 200 {
			b.Fatalf("initialize: %d", code)
		}
	}
	b.StopTimer()
	b.ReportMetric((heapMB()-heap0)*(1<<20)/n, "B/session")
	b.ReportMetric(float64(liveSessions()), "live-sessions")
}
