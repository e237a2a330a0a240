package clustertest

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// runTypeScript runs interop/ts/cluster.mjs (the official TypeScript SDK)
// through the edge: both transports, search, fetch and a search_docs
// cursor, with consecutive streamable requests on different backends and
// the SSE POSTs on the stream's backend (the script asserts, and logs which
// backend answered each request).
func runTypeScript(t *testing.T, c *cluster) {
	dir := repoFile("interop", "ts")
	if _, err := os.Stat(repoFile("interop", "ts", "node_modules", "@modelcontextprotocol", "sdk")); err != nil {
		t.Skip("interop/ts/node_modules missing: run `npm ci` in interop/ts (CI does)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "--test", "cluster.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "MCP_BASE_URL="+c.base, "NODE_EXTRA_CA_CERTS="+c.rootFile)
	out, err := cmd.CombinedOutput()
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "backend") || strings.Contains(line, "not ok") {
			t.Log(line)
		}
	}
	if err != nil {
		t.Fatalf("node --test cluster.mjs: %v\n%s", err, tail(string(out), 60))
	}
}
