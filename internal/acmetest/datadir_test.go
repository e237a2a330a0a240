package acmetest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
)

// The in-process Caddy of these scenarios writes the index cache under
// caddy.AppDataDir; it must be the suite's temporary folder, not the
// home of whoever runs the tests.
func TestDataDirIsTemporary(t *testing.T) {
	dir := caddy.AppDataDir()
	tmp := filepath.Clean(os.TempDir()) + string(filepath.Separator)
	if !strings.HasPrefix(dir, tmp) {
		t.Fatalf("caddy.AppDataDir() = %s, want a folder under %s", dir, tmp)
	}
}
