package e2ebench

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// memSample is the Caddy process's memory at one point, after a GC.
type memSample struct {
	HeapAlloc  int64 // live heap after GC
	StackInuse int64
	RSS        int64
	Goroutines int64
}

// sample forces a GC in Caddy (pprof heap?gc=1) and reads its memory
// statistics from the admin API's /debug/pprof endpoints and RSS from /proc.
func (p *caddyProc) sample(ctx context.Context) (memSample, error) {
	var s memSample
	// Objects in sync.Pools (net/http's bufio readers and writers, TLS
	// buffers) survive one GC in the pools' victim cache, so collect twice.
	if _, err := p.adminGet(ctx, "/debug/pprof/heap?gc=1"); err != nil {
		return s, err
	}
	heap, err := p.adminGet(ctx, "/debug/pprof/heap?gc=1&debug=1")
	if err != nil {
		return s, err
	}
	// debug=1 ends with runtime.MemStats as "# Name = value" lines;
	// Stack is "# Stack = inuse / sys".
	for line := range strings.Lines(heap) {
		name, val, ok := strings.Cut(strings.TrimPrefix(strings.TrimSpace(line), "# "), " = ")
		if !ok {
			continue
		}
		first, _, _ := strings.Cut(val, " ")
		n, _ := strconv.ParseInt(first, 10, 64)
		switch name {
		case "HeapAlloc":
			s.HeapAlloc = n
		case "Stack":
			s.StackInuse = n
		}
	}
	if s.HeapAlloc == 0 {
		return s, fmt.Errorf("no HeapAlloc in /debug/pprof/heap output (%d bytes)", len(heap))
	}
	gr, err := p.adminGet(ctx, "/debug/pprof/goroutine?debug=1")
	if err != nil {
		return s, err
	}
	first, _, _ := strings.Cut(gr, "\n")
	s.Goroutines, _ = strconv.ParseInt(strings.TrimPrefix(first, "goroutine profile: total "), 10, 64)
	s.RSS = p.rss()
	return s, nil
}

// cpuProfile writes a CPU profile of Caddy covering about d to file.
func (p *caddyProc) cpuProfile(ctx context.Context, file string, d time.Duration) error {
	secs := max(int(d.Round(time.Second)/time.Second), 1)
	prof, err := p.adminGet(ctx, "/debug/pprof/profile?seconds="+strconv.Itoa(secs))
	if err != nil {
		return err
	}
	return os.WriteFile(file, []byte(prof), 0o644)
}

// heapProfile saves Caddy's heap profile as dir/<kind>-<when>.pprof, when
// dir is set. The sample just before has run the GC.
func (p *caddyProc) heapProfile(ctx context.Context, dir string, kind streamKind, when string) error {
	if dir == "" {
		return nil
	}
	prof, err := p.adminGet(ctx, "/debug/pprof/heap")
	if err != nil {
		return err
	}
	name := map[streamKind]string{streamIdle: "idle", streamSSE: "sse", streamStreamable: "streamable"}[kind]
	return os.WriteFile(filepath.Join(dir, name+"-"+when+".pprof"), []byte(prof), 0o644)
}

func (p *caddyProc) adminGet(ctx context.Context, path string) (string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.adminURL(path), nil)
	resp, err := p.admin.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("admin GET %s: %s", path, resp.Status)
	}
	return string(b), err
}

// streamKind is a kind of long-lived stream held open for the memory test.
type streamKind string

const (
	streamIdle       streamKind = "baseline: idle HTTP/1.1 keep-alive TLS connection"
	streamSSE        streamKind = "legacy SSE session (GET /sse)"
	streamStreamable streamKind = "streamable GET stream (2025-06-18 session)"
)

// openStreams holds n streams of kind open, each on its own HTTP/1.1 TLS
// connection, and returns how many opened and a function that closes them.
func openStreams(ctx context.Context, p *caddyProc, kind streamKind, n int) (int, func(), error) {
	c := p.client(false, 16)
	var (
		mu      sync.Mutex
		bodies  []io.Closer
		opened  atomic.Int64
		firstEr error
		wg      sync.WaitGroup
		next    atomic.Int64
	)
	sctx, cancel := context.WithCancel(ctx)
	for range 16 { // bounded concurrency for the TLS handshakes
		wg.Go(func() {
			for next.Add(1) <= int64(n) && sctx.Err() == nil {
				body, err := openStream(sctx, c, p, kind)
				mu.Lock()
				if err != nil {
					if firstEr == nil {
						firstEr = err
					}
				} else {
					bodies = append(bodies, body)
					opened.Add(1)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	// Idle keep-alive connections left by the initialize POSTs would count
	// as session memory; drop them.
	c.CloseIdleConnections()
	closeAll := func() {
		cancel()
		mu.Lock()
		for _, b := range bodies {
			b.Close()
		}
		mu.Unlock()
		c.CloseIdleConnections()
	}
	if opened.Load() < int64(n) && firstEr == nil {
		firstEr = fmt.Errorf("opened %d of %d streams", opened.Load(), n)
	}
	return int(opened.Load()), closeAll, firstEr
}

// openStream opens one stream and returns its open body once the server
// has answered (SSE: after the endpoint event).
func openStream(ctx context.Context, c *http.Client, p *caddyProc, kind streamKind) (io.Closer, error) {
	if kind == streamIdle {
		return openIdle(ctx, p)
	}
	path := "/sse"
	h := http.Header{}
	h.Set("Accept", "text/event-stream")
	if kind == streamStreamable {
		id, err := initSession(ctx, c, p)
		if err != nil {
			return nil, err
		}
		path = "/mcp"
		h.Set("Mcp-Session-Id", id)
		h.Set("MCP-Protocol-Version", protoLegacy)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.url(path), nil)
	req.Header = h
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		resp.Body.Close()
		return nil, fmt.Errorf("GET %s: %s (%s)", path, resp.Status, resp.Header.Get("Content-Type"))
	}
	if kind == streamSSE {
		// The session exists once the endpoint event has been sent.
		br := bufio.NewReader(resp.Body)
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				resp.Body.Close()
				return nil, fmt.Errorf("GET /sse: no endpoint event: %v", err)
			}
			if strings.HasPrefix(line, "data:") && strings.Contains(line, "sessionId=") {
				break
			}
		}
	}
	return resp.Body, nil
}

// memResult is the memory cost of n open streams of one kind.
type memResult struct {
	Kind           streamKind
	Wanted, Opened int
	Before, Open   memSample
	After          memSample // after closing them all
}

// measureStreams samples memory, opens n streams, samples again, closes
// them and waits for the server to release them.
func measureStreams(ctx context.Context, p *caddyProc, kind streamKind, n int, profDir string) (memResult, error) {
	res := memResult{Kind: kind, Wanted: n}
	var err error
	if res.Before, err = p.sample(ctx); err != nil {
		return res, err
	}
	if err := p.heapProfile(ctx, profDir, kind, "before"); err != nil {
		return res, err
	}
	opened, closeAll, openErr := openStreams(ctx, p, kind, n)
	res.Opened = opened
	// Let handshakes and handler goroutines settle.
	time.Sleep(300 * time.Millisecond)
	res.Open, err = p.sample(ctx)
	if err == nil {
		err = p.heapProfile(ctx, profDir, kind, "open")
	}
	closeAll()
	if err != nil {
		return res, err
	}
	// Wait (bounded) for the server to notice the closed connections.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		time.Sleep(200 * time.Millisecond)
		if res.After, err = p.sample(ctx); err != nil {
			return res, err
		}
		if res.After.Goroutines <= res.Before.Goroutines+5 {
			break
		}
	}
	return res, openErr
}

// perSession returns the per-stream growth of heap, heap+stacks and RSS.
func (m memResult) perSession() (heap, heapStack, rss float64) {
	if m.Opened == 0 {
		return 0, 0, 0
	}
	n := float64(m.Opened)
	heap = float64(m.Open.HeapAlloc-m.Before.HeapAlloc) / n
	heapStack = float64(m.Open.HeapAlloc+m.Open.StackInuse-m.Before.HeapAlloc-m.Before.StackInuse) / n
	rss = float64(m.Open.RSS-m.Before.RSS) / n
	return
}

// openIdle opens a TLS connection, makes one keep-alive GET /static on it
// and leaves it idle: what any client connection costs Caddy, session or not.
func openIdle(ctx context.Context, p *caddyProc) (io.Closer, error) {
	raw, err := loopbackDial(ctx, "tcp", p.url("")[len("https://"):])
	if err != nil {
		return nil, err
	}
	conn := tls.Client(raw, &tls.Config{RootCAs: p.roots, ServerName: "localhost", NextProtos: []string{"http/1.1"}})
	req, _ := http.NewRequest(http.MethodGet, p.url("/static"), nil)
	if err = req.Write(conn); err == nil {
		var resp *http.Response
		if resp, err = http.ReadResponse(bufio.NewReader(conn), req); err == nil {
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err == nil && resp.StatusCode != http.StatusOK {
				err = fmt.Errorf("GET /static: %s", resp.Status)
			}
		}
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}
