package caddymcp

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

// Tests of this package start real Caddy configs, whose index cache goes to
// Caddy's data directory: keep it out of the user's.
func init() {
	if os.Getenv("XDG_DATA_HOME") == "" {
		os.Setenv("XDG_DATA_HOME", filepath.Join(os.TempDir(), "caddymcp-test-data"))
	}
}

func TestIndexCacheOption(t *testing.T) {
	for in, want := range map[string]string{
		"":                       filepath.Join(os.Getenv("XDG_DATA_HOME"), "caddy", "mcp", "index"),
		"index_cache off":        "",
		"index_cache /var/cache": "/var/cache",
	} {
		h := new(Handler)
		d := caddyfile.NewTestDispenser("mcp {\n source index.json\n " + in + "\n}")
		if err := h.UnmarshalCaddyfile(d); err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if got := h.indexCacheDir(); got != want {
			t.Errorf("%q: cache dir %q, want %q", in, got, want)
		}
	}
	h := new(Handler)
	if err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser("mcp {\n source x\n index_cache\n}")); err == nil {
		t.Error("index_cache without a value accepted")
	}
}
