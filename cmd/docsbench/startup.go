package main

import (
	"context"
	"fmt"

	"github.com/caddy-mcp/caddy-mcp/internal/e2ebench"
)

func init() {
	suites["startup"] = suite{order: 4, desc: "Caddy start-up to first search with the index cache vs plain Caddy's first 200 (10k, 100k pages; minutes)", run: runStartup}
}

// runStartup times Caddy start-ups (internal/e2ebench.RunStartup) on the
// -sizes of at least 10k pages (smaller corpora start in the noise).
func runStartup(e *env) error {
	cfg := e2ebench.DefaultStartupConfig()
	cfg.Root, cfg.Shared, cfg.Sizes = e.root, e.shared, nil
	for _, n := range e.sizes {
		if n >= 10000 {
			cfg.Sizes = append(cfg.Sizes, n)
		}
	}
	if len(cfg.Sizes) == 0 {
		return fmt.Errorf("no -sizes of at least 10000 pages")
	}
	rep, err := e2ebench.RunStartup(context.Background(), cfg)
	if err != nil {
		return err
	}
	fmt.Printf("## Start-up (Caddy process, generated corpora)\n\n")
	fmt.Print(rep.Markdown())
	fmt.Println()
	return nil
}
