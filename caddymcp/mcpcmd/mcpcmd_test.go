package mcpcmd

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// run executes `caddy mcp <args>` and returns its output and error.
func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := &cobra.Command{Use: "mcp", SilenceErrors: true}
	root.AddCommand(searchCommand(), indexCommand())
	var buf bytes.Buffer
	root.SetOut(&buf)
	root.SetErr(&buf)
	root.SetArgs(args)
	err := root.Execute()
	return buf.String(), err
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run with -update after checking):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func TestGolden(t *testing.T) {
	const hugo = "../../testdata/hugo/index.json"
	for _, tc := range []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"index-hugo", []string{"index", "--source", hugo}, ""},
		{"index-site-pages", []string{"index", "--source", "../../testdata/site", "--pages"}, ""},
		{"index-warnings", []string{"index", "-s", "testdata/md", "-s", "testdata/bad.json", "-s", "testdata/other.json"}, ""},
		{"index-failure", []string{"index", "-s", "testdata/other.json", "-s", "testdata/missing.json"}, "1 of 2 sources failed to load"},
		{"search-hugo", []string{"search", "--source", hugo, "--limit", "3", "front matter dates"}, ""},
		{"search-config", []string{"search", "--config", "testdata/caddy.json", "-n", "2", "shortcode", "templates"}, ""},
		{"search-explain", []string{"search", "-s", hugo, "-n", "2", "--explain", "front matter dates"}, ""},
		{"search-none", []string{"search", "-s", "testdata/other.json", "xyzzy"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := run(t, tc.args...)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("error: %v\n%s", err, got)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("error = %v, want %q", err, tc.wantErr)
			}
			golden(t, tc.name, got)
		})
	}
}

func TestSourceFlagsRequired(t *testing.T) {
	if _, err := run(t, "index"); err != errNoSources {
		t.Fatalf("no sources: err = %v, want %v", err, errNoSources)
	}
	if _, err := run(t, "search", "-c", "testdata/Caddyfile", "-s", "x.json", "q"); err == nil {
		t.Fatal("--config with --source: want an error")
	}
}
