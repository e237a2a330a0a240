package clustertest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"
)

// BenchmarkEdge measures requests/s through the edge (TLS, round_robin)
// with 1 and with 3 backends, all backends pinned to the same CPU and the
// edge to the other, so the comparison is of the shape, not of more CPU:
// what spreading one machine's work over three processes costs. Each
// request is a search tool call on one streamable session (2025-06-18),
// so with 3 backends every request is served by an instance that checks
// the signed session id it may never have seen.
//
//	go test -run XXX -bench Edge -benchtime 3000x ./internal/clustertest/
func BenchmarkEdge(b *testing.B) {
	for _, n := range []int{1, 3} {
		b.Run(fmt.Sprintf("backends=%d", n), func(b *testing.B) {
			c := startClusterWith(b, clusterOpts{backends: n, edgeCPUs: "0", backendCPUs: "1"})
			hc := c.httpClient(nil)
			id := initSession(b, hc, c.base)
			body := []byte(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"search","arguments":{"query":"taxonomy templates"}}}`)
			b.SetParallelism(4)
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := post(hc, c.base, id, body, nil); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
		})
	}
}

// initSession opens a streamable session with raw requests and returns
// its id.
func initSession(b testing.TB, hc *http.Client, base string) string {
	b.Helper()
	hdr := http.Header{}
	err := post(hc, base, "", []byte(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}`), hdr)
	if err != nil {
		b.Fatal(err)
	}
	id := hdr.Get("Mcp-Session-Id")
	if id == "" {
		b.Fatal("initialize: no Mcp-Session-Id")
	}
	if err := post(hc, base, id, []byte(`{"jsonrpc":"2.0","method":"notifications/initialized"}`), nil); err != nil {
		b.Fatal(err)
	}
	return id
}

// post sends one JSON-RPC message to /mcp and drains the answer; the
// response headers go to hdr when it is non-nil.
func post(hc *http.Client, base, session string, body []byte, hdr http.Header) error {
	req, _ := http.NewRequest(http.MethodPost, base+"/mcp", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if session != "" {
		req.Header.Set("Mcp-Session-Id", session)
		req.Header.Set("MCP-Protocol-Version", "2025-06-18")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("POST /mcp: %s from %s", resp.Status, resp.Header.Get("X-Backend"))
	}
	for k, v := range resp.Header {
		if hdr != nil {
			hdr[k] = v
		}
	}
	return nil
}
