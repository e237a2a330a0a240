package acmetest

import (
	"os"
	"path/filepath"
	"testing"

	_ "github.com/caddyserver/caddy/v2/modules/standard"

	"github.com/caddy-mcp/caddy-mcp/internal/pebble"
)

// TestMain sets Pebble's process-global environment before any CA exists:
// no VA sleeps, no bad nonces unless a scenario asks, no authz reuse. It
// also points Caddy's data and config folders (in-process Caddy writes the
// index cache under caddy.AppDataDir) at a temporary folder, so the suite
// leaves nothing in the user's home.
func TestMain(m *testing.M) {
	pebble.SetTestEnv()
	home, err := os.MkdirTemp("", "acmetest-home-")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_DATA_HOME", filepath.Join(home, "data"))
	os.Setenv("XDG_CONFIG_HOME", filepath.Join(home, "config"))
	code := m.Run()
	removeCaddyBin()
	os.RemoveAll(home)
	os.Exit(code)
}
