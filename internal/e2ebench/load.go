package e2ebench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Mode is what a client request exercises.
type Mode string

// The measured modes.
const (
	// ModeRespond POSTs the same JSON-RPC body to /static, answered by
	// Caddy's `respond` with a static body of the same size as the average
	// search answer: the ceiling for any handler on this server.
	ModeRespond Mode = "respond"
	// ModeStateless is a 2026-07-28 stateless tools/call search: no
	// session, protocol version in _meta and Mcp-Protocol-Version,
	// Mcp-Method and Mcp-Name headers.
	ModeStateless Mode = "mcp 2026-07-28"
	// ModeSession is a 2025-06-18 tools/call search within a session
	// initialized once per worker (Mcp-Session-Id header).
	ModeSession Mode = "mcp 2025-06-18"
)

const (
	protoModern = "2026-07-28"
	protoLegacy = "2025-06-18"
)

// Query mixes: the same queries over and over, or every query new.
const (
	MixRepeated = "repeated"
	MixUnique   = "unique"
)

// requester builds and checks the requests of one mode.
type requester struct {
	mode   Mode
	p      *caddyProc
	bodies [][]byte // repeated mix: one per query, used round robin
	// unique, when set, hands out a never-used query per request instead.
	unique *uniqueSource
	// sessions holds the session id of each worker (ModeSession).
	sessions []string
}

// uniqueSource hands out the queries of a unique mix, each once, shared by
// every requester of a run so no mode or phase repeats another's query.
type uniqueSource struct {
	queries []string
	next    atomic.Int64
	// wrapped counts queries handed out again after the list ran out
	// (then the mix is no longer unique; the report says so).
	wrapped atomic.Int64
}

func newUniqueSource(queries []string) *uniqueSource { return &uniqueSource{queries: queries} }

func (u *uniqueSource) take() string {
	n := u.next.Add(1) - 1
	if n >= int64(len(u.queries)) {
		u.wrapped.Add(1)
	}
	return u.queries[n%int64(len(u.queries))]
}

// callBody is the tools/call search request for query q.
func callBody(mode Mode, id int, q string) []byte {
	params := map[string]any{"name": "search", "arguments": map[string]string{"query": q}}
	if mode != ModeSession {
		params["_meta"] = map[string]any{
			"io.modelcontextprotocol/protocolVersion":    protoModern,
			"io.modelcontextprotocol/clientCapabilities": map[string]any{},
		}
	}
	b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params})
	return b
}

func newRequester(mode Mode, p *caddyProc, queries []string) *requester {
	r := &requester{mode: mode, p: p}
	for i, q := range queries {
		r.bodies = append(r.bodies, callBody(mode, i+1, q))
	}
	return r
}

// newUniqueRequester sends a new query from u with every request.
func newUniqueRequester(mode Mode, p *caddyProc, u *uniqueSource) *requester {
	return &requester{mode: mode, p: p, unique: u}
}

// mix names the query mix of r.
func (r *requester) mix() string {
	if r.unique != nil {
		return MixUnique
	}
	return MixRepeated
}

// prepare initializes one 2025-06-18 session per worker on client c.
func (r *requester) prepare(ctx context.Context, c *http.Client, workers int) error {
	if r.mode != ModeSession {
		return nil
	}
	r.sessions = make([]string, workers)
	for i := range r.sessions {
		id, err := initSession(ctx, c, r.p)
		if err != nil {
			return err
		}
		r.sessions[i] = id
	}
	return nil
}

// initSession runs the 2025-06-18 initialize handshake and returns the
// session id.
func initSession(ctx context.Context, c *http.Client, p *caddyProc) (string, error) {
	init := `{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"` + protoLegacy +
		`","capabilities":{},"clientInfo":{"name":"e2ebench","version":"1"}}}`
	resp, body, err := post(ctx, c, p.url("/mcp"), []byte(init), mcpHeaders(""))
	if err != nil {
		return "", err
	}
	id := resp.Header.Get("Mcp-Session-Id")
	if resp.StatusCode != http.StatusOK || id == "" || !bytes.Contains(body, []byte(`"result":`)) {
		return "", fmt.Errorf("initialize: %s (session %q): %.200s", resp.Status, id, body)
	}
	h := mcpHeaders(id)
	h.Set("MCP-Protocol-Version", protoLegacy)
	resp, body, err = post(ctx, c, p.url("/mcp"), []byte(`{"jsonrpc":"2.0","method":"notifications/initialized"}`), h)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusAccepted {
		return "", fmt.Errorf("notifications/initialized: %s: %.200s", resp.Status, body)
	}
	return id, nil
}

func mcpHeaders(session string) http.Header {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("Accept", "application/json, text/event-stream")
	if session != "" {
		h.Set("Mcp-Session-Id", session)
	}
	return h
}

// post sends one request and reads the whole answer.
func post(ctx context.Context, c *http.Client, url string, body []byte, h http.Header) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	req.Header = h
	resp, err := c.Do(req)
	if err != nil {
		return nil, nil, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, b, err
}

// do sends request number seq of worker w and reports whether it got a
// successful answer, and the answer's size.
func (r *requester) do(ctx context.Context, c *http.Client, w, seq int) (bool, int) {
	var body []byte
	if r.unique != nil {
		body = callBody(r.mode, seq+1, r.unique.take())
	} else {
		body = r.bodies[seq%len(r.bodies)]
	}
	var h http.Header
	url := r.p.url("/mcp")
	switch r.mode {
	case ModeRespond:
		url = r.p.url("/static")
		h = mcpHeaders("")
	case ModeStateless:
		h = mcpHeaders("")
		h.Set("MCP-Protocol-Version", protoModern)
		h.Set("Mcp-Method", "tools/call")
		h.Set("Mcp-Name", "search")
	case ModeSession:
		h = mcpHeaders(r.sessions[w])
		h.Set("MCP-Protocol-Version", protoLegacy)
	}
	resp, b, err := post(ctx, c, url, body, h)
	if err != nil || resp.StatusCode != http.StatusOK {
		return false, len(b)
	}
	// Inside JSON strings quotes are escaped, so these raw byte sequences
	// can only be the result key and a tool error flag.
	return bytes.Contains(b, []byte(`"result":`)) && !bytes.Contains(b, []byte(`"isError":true`)), len(b)
}

// phaseResult is what one load phase measured.
type phaseResult struct {
	Requests  int64
	Errors    int64
	Bytes     int64
	Elapsed   time.Duration
	CaddyCPU  time.Duration
	ClientCPU time.Duration
	Latencies []time.Duration // only when recorded
}

// runPhase drives r with workers concurrent clients on c until d has
// passed or limit requests (when > 0) have been sent.
func runPhase(ctx context.Context, r *requester, c *http.Client, workers int, d time.Duration, limit int, recordLatency bool) phaseResult {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var next, errs, size atomic.Int64
	lat := make([][]time.Duration, workers)
	cpu0, self0, t0 := r.p.cpu(), selfCPU(), time.Now()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				seq := next.Add(1) - 1
				if limit > 0 && seq >= int64(limit) {
					next.Add(-1)
					return
				}
				start := time.Now()
				ok, n := r.do(ctx, c, w, int(seq))
				if ctx.Err() != nil && !ok {
					next.Add(-1) // cut off by the deadline: not a server error
					return
				}
				size.Add(int64(n))
				if !ok {
					errs.Add(1)
				}
				if recordLatency {
					lat[w] = append(lat[w], time.Since(start))
				}
			}
		})
	}
	wg.Wait()
	res := phaseResult{
		Requests: next.Load(), Errors: errs.Load(), Bytes: size.Load(),
		Elapsed: time.Since(t0), CaddyCPU: r.p.cpu() - cpu0, ClientCPU: selfCPU() - self0,
	}
	if recordLatency {
		res.Latencies = slices.Concat(lat...)
		slices.Sort(res.Latencies)
	}
	return res
}

// percentile returns the p-th percentile (0..100) of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1)*p/100 + 0.5)
	return sorted[min(i, len(sorted)-1)]
}
