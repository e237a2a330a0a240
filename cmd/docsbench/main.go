// Command docsbench measures the docs search engine: index build time and
// memory, query latency and throughput on generated 1k/10k/100k-page
// corpora, relevance on judged query sets, and the whole server end to end
// through a real Caddy process (internal/e2ebench). It prints Markdown
// tables for BENCHMARKS.md.
//
// Usage (from the repository root):
//
//	go run ./cmd/docsbench                       # all suites: index, relevance, e2e
//	go run ./cmd/docsbench -suite relevance -v   # relevance only, list misses
//	go run ./cmd/docsbench -suite relevance -sets questions-test  # one set, by kind and corpus
//	go run ./cmd/docsbench -suite index -sizes 1000,10000
//	go run ./cmd/docsbench -suite e2e            # Caddy end to end only (~70 s)
//	go run ./cmd/docsbench -suite startup        # start-up with the index cache, 10k and 100k pages
//
// Suites are registered in the suites map. To add one, add a file with
//
//	func init() { suites["foo"] = suite{order: 4, desc: "...", run: runFoo} }
//
// runFoo gets an *env (repository root, shared corpora folder, judged set,
// -sizes, -v) and prints its own Markdown section; loadRealDocs, queryMix
// and loadSets are there to reuse. Then `docsbench -suite foo` runs it
// (e2e.go is a short example).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

// env is what every suite gets: resolved paths and flags.
type env struct {
	root    string // repository root (holds go.mod)
	shared  string // shared corpora folder
	judged  string // judged query file
	sizes   []int
	verbose bool
	// cpuprofile, when set, profiles the index suite's search phases.
	cpuprofile string
	query      string
	sets       string // relevance suite: comma-separated set names to score (empty: all)
}

// suite is one benchmark family.
type suite struct {
	order int
	desc  string
	run   func(e *env) error
}

// suites maps the -suite names to their runners.
var suites = map[string]suite{}

func main() {
	var (
		suiteFlag = flag.String("suite", "", "comma-separated suites to run (default: all); known: "+strings.Join(suiteNames(), ", "))
		shared    = flag.String("shared", "", "shared corpora folder (default ../shared/corpora relative to the repository root)")
		judged    = flag.String("judged", "", "judged query set (default testdata/queries/judged.json in the repository)")
		sizes     = flag.String("sizes", "1000,10000,100000", "generated corpus sizes for the index suite")
		verbose   = flag.Bool("v", false, "verbose: list relevance misses")
		cpuprof   = flag.String("cpuprofile", "", "write a CPU profile of the search phases to this file")
		query     = flag.String("q", "", "relevance suite: just show the top hits for this query on the real docs")
		sets      = flag.String("sets", "", "relevance suite: comma-separated sets to score: dev, judged, questions-tune, questions-test (default: all)")
	)
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: docsbench [flags]\n\nsuites:\n")
		for _, n := range suiteNames() {
			fmt.Fprintf(flag.CommandLine.Output(), "  %-10s %s\n", n, suites[n].desc)
		}
		fmt.Fprintf(flag.CommandLine.Output(), "\nflags:\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	root, err := repoRoot()
	if err != nil {
		fail(err)
	}
	e := &env{root: root, shared: *shared, judged: *judged, verbose: *verbose, cpuprofile: *cpuprof, query: *query, sets: *sets}
	if e.shared == "" {
		e.shared = filepath.Join(root, "..", "shared", "corpora")
	}
	if e.judged == "" {
		e.judged = filepath.Join(root, "testdata", "queries", "judged.json")
	}
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			fail(fmt.Errorf("bad -sizes entry %q", s))
		}
		e.sizes = append(e.sizes, n)
	}
	names := suiteNames()
	if *suiteFlag != "" {
		names = strings.Split(*suiteFlag, ",")
	}
	fmt.Printf("docsbench: %s, %d CPUs (%s), %s, %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"),
		runtime.NumCPU(), cpuModel(), runtime.Version(), runtime.GOOS+"/"+runtime.GOARCH)
	for _, n := range names {
		s, ok := suites[strings.TrimSpace(n)]
		if !ok {
			fail(fmt.Errorf("unknown suite %q (known: %s)", n, strings.Join(suiteNames(), ", ")))
		}
		if err := s.run(e); err != nil {
			fail(fmt.Errorf("suite %s: %w", n, err))
		}
	}
}

func suiteNames() []string {
	var names []string
	for n := range suites {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return suites[names[i]].order < suites[names[j]].order })
	return names
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "docsbench:", err)
	os.Exit(1)
}

// repoRoot walks up from the working directory to the folder with go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}

// cpuModel reads the CPU model name from /proc/cpuinfo (Linux).
func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}
