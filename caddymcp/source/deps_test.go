package source

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// TestModelLinksNoParsers: the packages that only use the page model do not
// link the parsers (YAML/TOML front matter, HTML) nor the loader package.
func TestModelLinksNoParsers(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	const mod = "github.com/caddy-mcp/caddy-mcp/caddymcp/"
	cmd := exec.Command("go", "list", "-deps", mod+"source", mod+"search", mod+"mcptools", mod+"llmstxt")
	out, err := cmd.Output()
	if errors.Is(err, exec.ErrNotFound) {
		t.Skipf("no go command: %v", err)
	}
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"yaml", "BurntSushi/toml", "golang.org/x/net/html", mod + "loader"} {
			if strings.Contains(dep, banned) {
				t.Errorf("model importers link %s", dep)
			}
		}
	}
}
