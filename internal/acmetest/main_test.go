package acmetest

import (
	"os"
	"testing"

	_ "github.com/caddyserver/caddy/v2/modules/standard"

	"github.com/caddy-mcp/caddy-mcp/internal/pebble"
)

// TestMain sets Pebble's process-global environment before any CA exists:
// no VA sleeps, no bad nonces unless a scenario asks, no authz reuse.
func TestMain(m *testing.M) {
	pebble.SetTestEnv()
	code := m.Run()
	removeCaddyBin()
	os.Exit(code)
}
