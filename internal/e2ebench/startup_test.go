package e2ebench

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestStartupQuick runs the start-up harness on the Hugo docs with one run
// of each kind: every start must answer, and the cache file must exist.
func TestStartupQuick(t *testing.T) {
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := RunStartup(context.Background(), StartupConfig{
		Root: root, CaddyBin: caddyBin(t), Corpus: root + "/testdata/hugo/index.json", Runs: 1, Cold: true, Timeout: 2 * time.Minute,
	})
	if err != nil {
		t.Fatal(err)
	}
	row := rep.Rows[0]
	if row.CacheBytes <= 0 || len(row.Plain) != 1 || len(row.Cached) != 1 || row.Cold <= 0 {
		t.Fatalf("incomplete row: %+v", row)
	}
	t.Log("\n" + rep.Markdown())
}

// BenchmarkStartup is the start-up benchmark of BENCHMARKS.md (10k and
// 100k generated pages; several minutes): go test -run XX -bench Startup
// -benchtime 1x ./internal/e2ebench/. E2EBENCH_STARTUP_SIZES overrides the
// sizes (e.g. "10000").
func BenchmarkStartup(b *testing.B) {
	cfg := DefaultStartupConfig()
	cfg.CaddyBin = caddyBin(b)
	if v := os.Getenv("E2EBENCH_STARTUP_SIZES"); v != "" {
		cfg.Sizes = parseSizes(b, v)
	}
	for b.Loop() {
		rep, err := RunStartup(context.Background(), cfg)
		if err != nil {
			b.Fatal(err)
		}
		b.Log("\n" + rep.Markdown())
	}
}

func parseSizes(tb testing.TB, v string) []int {
	var out []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}
