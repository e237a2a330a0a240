package clustertest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/sessiontoken"
)

// revokedEverywhere opens a session through the edge, uses it, DELETEs
// it (the edge sends the DELETE to one backend), and then asks every
// backend directly: each must refuse the id (404) within the documented
// bound, the revocation poll interval (plus slack for a loaded machine).
func revokedEverywhere(t *testing.T, c *cluster) {
	hc := c.httpClient(nil)
	id := initSession(t, hc, c.base)
	call := []byte(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"search","arguments":{"query":"taxonomy"}}}`)
	for i := range c.backends {
		if err := post(hc, c.direct(i), id, call, nil); err != nil {
			t.Fatalf("before DELETE, %s: %v", backendNames[i], err)
		}
	}
	req, _ := http.NewRequest(http.MethodDelete, c.base+"/mcp", nil)
	req.Header.Set("Mcp-Session-Id", id)
	req.Header.Set("MCP-Protocol-Version", "2025-06-18")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	deleted := time.Now()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("DELETE: %s", resp.Status)
	}
	bound := sessiontoken.DefaultPollInterval + 3*time.Second
	refused := make([]time.Duration, len(c.backends))
	eventually(t, bound, "every backend refusing the deleted session", func() error {
		for i := range c.backends {
			if refused[i] > 0 {
				continue
			}
			err := post(hc, c.direct(i), id, call, nil)
			if err == nil {
				return fmt.Errorf("%s still accepts it", backendNames[i])
			}
			if !is404(err) {
				return err
			}
			refused[i] = time.Since(deleted)
		}
		return nil
	})
	t.Logf("deleted session refused after %v (bound %v)", refused, bound)
}

func is404(err error) bool {
	return err != nil && strings.Contains(err.Error(), "404")
}

// direct is backend i's own address, bypassing the edge.
func (c *cluster) direct(i int) string { return fmt.Sprintf("http://127.0.0.1:%d", c.ports[i]) }
