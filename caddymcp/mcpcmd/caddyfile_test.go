package mcpcmd_test

import (
	"bytes"
	"strings"
	"testing"

	caddycmd "github.com/caddyserver/caddy/v2/cmd"
	"github.com/spf13/cobra"

	_ "github.com/caddy-mcp/caddy-mcp/caddymcp" // the mcp directive and the command
)

// TestCaddyfileConfig: `caddy mcp search --config Caddyfile` finds the
// sources of the mcp directive, through the command Caddy registered.
func TestCaddyfileConfig(t *testing.T) {
	cmd, ok := caddycmd.Commands()["mcp"]
	if !ok {
		t.Fatal("`caddy mcp` is not registered")
	}
	root := &cobra.Command{Use: "mcp", SilenceErrors: true}
	cmd.CobraFunc(root)
	var buf bytes.Buffer
	root.SetOut(&buf)
	root.SetErr(&buf)
	root.SetArgs([]string{"search", "--config", "testdata/Caddyfile", "-n", "1", "shortcode"})
	if err := root.Execute(); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	if !strings.Contains(buf.String(), "results for \"shortcode\" in 716 pages") {
		t.Fatalf("output:\n%s", buf.String())
	}
}
