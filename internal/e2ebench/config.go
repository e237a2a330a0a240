package e2ebench

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Config sets what Run measures and for how long. Zero values get the
// defaults listed on each field (see DefaultConfig).
type Config struct {
	// Root is the repository root (holds go.mod). Default: found with
	// `go env GOMOD` from the working directory.
	Root string
	// CaddyBin is a Caddy binary built with our module. Default: built
	// once from ./cmd/caddy into a temporary directory with `go build -o`.
	CaddyBin string
	// Corpus is the index.json served by the mcp handler.
	// Default: testdata/hugo/index.json under Root.
	Corpus string
	// Queries is the repeated search query mix, used round robin.
	// Default: DefaultQueries.
	Queries []string
	// UniqueQueries is the unique mix: each request takes the next query,
	// shared by all phases, so none repeats while the list lasts.
	// Default: UniqueQueries(Corpus).
	UniqueQueries []string

	// Workers is the number of concurrent client workers in throughput
	// phases. Default: 8.
	Workers int
	// PhaseDuration bounds each throughput phase. Default: 3s.
	PhaseDuration time.Duration
	// PhaseRequests, when > 0, ends each throughput phase after this many
	// requests instead (whichever comes first with PhaseDuration).
	PhaseRequests int
	// Rounds is how many times the interleaved respond/mcp phases are
	// repeated per HTTP version. Default: 2.
	Rounds int

	// Sessions is the number of legacy SSE sessions, and separately of
	// streamable GET streams, held open for the memory measurement.
	// Default: 1000.
	Sessions int
	// LatencyRequests is the number of sequential requests per mode in the
	// latency phase. Default: 300.
	LatencyRequests int

	// CPUProfile, when set, is a file to write a CPU profile of the Caddy
	// process to (from its admin /debug/pprof/profile), taken during the
	// first HTTP/1.1 2026-07-28 search phase of the repeated mix (of the
	// unique mix with ProfileUnique). Read it with
	// `go tool pprof <caddy binary> <file>`.
	CPUProfile    string
	ProfileUnique bool

	// HeapProfiles, when set, is a directory to write Caddy heap profiles
	// to, before and with the streams open (<kind>-before.pprof,
	// <kind>-open.pprof); compare with `go tool pprof -diff_base`.
	HeapProfiles string

	// Pin runs Caddy on CPU 0 and this process on CPU 1 (Linux, 2+ CPUs,
	// taskset installed; Report.Pinned says whether it happened).
	Pin bool
	// ThroughputOnly skips the stream-memory and latency phases.
	ThroughputOnly bool

	// Timeout bounds the whole run. Default: 5m.
	Timeout time.Duration
}

// DefaultConfig returns the configuration used by `go test -bench` and
// documented in BENCHMARKS.md.
func DefaultConfig() Config {
	return Config{
		Queries:         DefaultQueries,
		Workers:         8,
		PhaseDuration:   3 * time.Second,
		Rounds:          2,
		Sessions:        1000,
		LatencyRequests: 300,
		Pin:             true,
		Timeout:         5 * time.Minute,
	}
}

// withDefaults fills zero fields.
func (c Config) withDefaults() (Config, error) {
	d := DefaultConfig()
	if len(c.Queries) == 0 {
		c.Queries = d.Queries
	}
	if c.Workers <= 0 {
		c.Workers = d.Workers
	}
	if c.PhaseDuration <= 0 {
		c.PhaseDuration = d.PhaseDuration
	}
	if c.Rounds <= 0 {
		c.Rounds = d.Rounds
	}
	if c.Sessions <= 0 {
		c.Sessions = d.Sessions
	}
	if c.LatencyRequests <= 0 {
		c.LatencyRequests = d.LatencyRequests
	}
	if c.Timeout <= 0 {
		c.Timeout = d.Timeout
	}
	if c.Root == "" {
		root, err := moduleRoot()
		if err != nil {
			return c, err
		}
		c.Root = root
	}
	if c.Corpus == "" {
		c.Corpus = filepath.Join(c.Root, "testdata", "hugo", "index.json")
	}
	abs, err := filepath.Abs(c.Corpus)
	if err != nil {
		return c, err
	}
	c.Corpus = abs
	if _, err := os.Stat(c.Corpus); err != nil {
		return c, err
	}
	if len(c.UniqueQueries) == 0 {
		if c.UniqueQueries, err = UniqueQueries(c.Corpus); err != nil {
			return c, err
		}
	}
	return c, nil
}

// moduleRoot finds the directory of the main module's go.mod.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", err
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("e2ebench: not inside a Go module; set Config.Root")
	}
	return filepath.Dir(gomod), nil
}
