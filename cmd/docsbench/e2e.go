package main

import (
	"context"
	"fmt"

	"github.com/caddy-mcp/caddy-mcp/internal/e2ebench"
)

func init() {
	suites["e2e"] = suite{order: 3, desc: "end to end through a Caddy process: search rps vs respond, stream memory, latency (~70 s)", run: runE2E}
}

// runE2E builds ./cmd/caddy, runs internal/e2ebench with its default
// configuration (the one BENCHMARKS.md documents) and prints the report.
func runE2E(e *env) error {
	cfg := e2ebench.DefaultConfig()
	cfg.Root = e.root
	rep, err := e2ebench.Run(context.Background(), cfg)
	if err != nil {
		return err
	}
	fmt.Printf("## End-to-end (Caddy, %s)\n\n", "testdata/hugo")
	fmt.Print(rep.Markdown())
	fmt.Println()
	return nil
}
