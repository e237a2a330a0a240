package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"sort"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/loader"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/search"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/search/evalset"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

func init() {
	suites["index"] = suite{order: 1, desc: "build time, heap, search latency and single-core qps on generated corpora", run: runIndex}
}

// indexRow is one line of the index table.
type indexRow struct {
	pages, sections     int
	build               time.Duration
	heapIndex, heapPeak uint64
	heapPages           uint64 // the loaded pages alone, before Build
	p50, p99            time.Duration
	qps                 float64
	mrr                 float64 // dev+judged MRR on this corpus (real pages plus distractors)
}

func runIndex(e *env) error {
	tmp, err := os.MkdirTemp("", "docsbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	mix, err := queryMix(e)
	if err != nil {
		return err
	}
	sets, err := loadSets(e)
	if err != nil {
		return err
	}
	var rows []indexRow
	for _, n := range e.sizes {
		path := filepath.Join(tmp, "scale-"+strconv.Itoa(n)+".json")
		cmd := exec.Command("python3", filepath.Join(e.shared, "scale", "make_scale.py"), "-n", strconv.Itoa(n), "-o", path)
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("make_scale.py -n %d: %w", n, err)
		}
		row, err := measureIndex(e, path, mix, sets)
		os.Remove(path)
		if err != nil {
			return err
		}
		rows = append(rows, row)
		fmt.Fprintf(os.Stderr, "docsbench: %d pages done\n", n)
	}
	fmt.Printf("## Index and search (generated corpora, %d-query mix)\n\n", len(mix))
	fmt.Println("| pages | sections | build | heap: pages | heap: index (after GC) | peak heap during build | search p50 | search p99 | qps (1 core) | MRR dev+judged |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range rows {
		fmt.Printf("| %d | %d | %.2f s | %s | %s | %s | %s | %s | %.0f | %.3f |\n", r.pages, r.sections, r.build.Seconds(),
			mib(r.heapPages), mib(r.heapIndex), mib(r.heapPeak), dur(r.p50), dur(r.p99), r.qps, r.mrr)
	}
	fmt.Println()
	fmt.Println("heap: pages = HeapInuse after GC with only the parsed pages loaded; heap: index = HeapInuse after GC with")
	fmt.Println("the index built, minus that; peak heap = highest heap in use (objects + unused spans) sampled every 2 ms during")
	fmt.Println("Build, pages included. Latency: the query mix 5 times, Limit 10, snippets included, all CPUs; qps: GOMAXPROCS=1.")
	fmt.Println("MRR dev+judged = the relevance sets run against the generated corpus (the real pages plus synthetic distractors).")
	fmt.Println()
	return nil
}

// queryMix is the fixed latency workload: the dev and judged queries (all
// kinds, including typos and identifiers) plus short common-word queries,
// which have the longest postings.
func queryMix(e *env) ([]string, error) {
	var mix []string
	for _, p := range []string{filepath.Join(e.shared, "queries-dev.json"), e.judged} {
		set, err := evalset.Load(p)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, q := range set.Queries {
			mix = append(mix, q.Q)
		}
	}
	mix = append(mix, "server", "configuration", "template", "site content", "\"reverse proxy\"", "caddy hugo")
	return mix, nil
}

func heapInuse() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

func gcHeap() uint64 {
	runtime.GC()
	runtime.GC()
	return heapInuse()
}

// loadSets loads the dev and (when present) judged query sets, merged.
func loadSets(e *env) (*evalset.Set, error) {
	all := &evalset.Set{}
	for _, p := range []string{filepath.Join(e.shared, "queries-dev.json"), e.judged} {
		set, err := evalset.Load(p)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		all.Queries = append(all.Queries, set.Queries...)
	}
	return all, nil
}

func measureIndex(e *env, path string, mix []string, sets *evalset.Set) (indexRow, error) {
	f, err := os.Open(path)
	if err != nil {
		return indexRow{}, err
	}
	pages, err := loader.ParseIndexJSON(f, source.Spec{Kind: source.KindIndexJSON, Location: path})
	f.Close()
	if err != nil {
		return indexRow{}, err
	}
	base := gcHeap()

	// Sample the heap during the build without stopping the world.
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"}}
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64() + s[1].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	start := time.Now()
	ix := search.Build(pages)
	build := time.Since(start)
	close(stop)
	<-done
	row := indexRow{pages: ix.Len(), build: build, heapPeak: peak.Load(), heapPages: base}
	for _, p := range ix.Pages() {
		row.sections += max(len(p.Sections), 1)
	}
	after := gcHeap()
	if after > base {
		row.heapIndex = after - base
	}

	if e.cpuprofile != "" {
		pf, err := os.Create(e.cpuprofile)
		if err != nil {
			return row, err
		}
		pprof.StartCPUProfile(pf)
		defer func() { pprof.StopCPUProfile(); pf.Close() }()
	}
	// Warm up (the first query allocates the pooled scratch space) and start
	// from a clean heap, so the numbers show steady-state serving.
	for _, q := range mix {
		ix.Search(search.Query{Text: q, Limit: 10})
	}
	runtime.GC()
	// Latency: every query of the mix several times, GOMAXPROCS unchanged.
	var lat []time.Duration
	for rep := 0; rep < 5; rep++ {
		for _, q := range mix {
			t := time.Now()
			ix.Search(search.Query{Text: q, Limit: 10})
			lat = append(lat, time.Since(t))
		}
	}
	if e.verbose {
		for i, q := range mix {
			best := lat[i]
			for rep := 1; rep < 5; rep++ {
				best = min(best, lat[rep*len(mix)+i])
			}
			r := ix.Search(search.Query{Text: q, Limit: 10})
			fmt.Fprintf(os.Stderr, "%8.3f ms  total %6d  %q\n", float64(best.Microseconds())/1000, r.Total, q)
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	row.p50 = lat[len(lat)/2]
	row.p99 = lat[len(lat)*99/100]

	// Throughput on one core.
	prev := runtime.GOMAXPROCS(1)
	debug.FreeOSMemory()
	n := 0
	t := time.Now()
	for time.Since(t) < 2*time.Second {
		ix.Search(search.Query{Text: mix[n%len(mix)], Limit: 10})
		n++
	}
	row.qps = float64(n) / time.Since(t).Seconds()
	runtime.GOMAXPROCS(prev)
	row.mrr = evalset.Evaluate(ix, sets).All.MRR
	runtime.KeepAlive(ix)
	runtime.KeepAlive(pages)
	return row, nil
}

func mib(b uint64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

func dur(d time.Duration) string {
	return fmt.Sprintf("%.3f ms", float64(d.Microseconds())/1000)
}
