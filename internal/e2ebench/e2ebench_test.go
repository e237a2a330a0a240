package e2ebench

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

// TestMain removes the Caddy binary built for the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// caddyBin builds ./cmd/caddy once for all tests of the package.
func caddyBin(tb testing.TB) string {
	tb.Helper()
	binOnce.Do(func() {
		root, err := moduleRoot()
		if err != nil {
			binErr = err
			return
		}
		if binDir, binErr = os.MkdirTemp("", "e2ebench-bin-"); binErr != nil {
			return
		}
		binPath, binErr = buildCaddy(context.Background(), root, binDir)
	})
	if binErr != nil {
		tb.Fatal(binErr)
	}
	return binPath
}

// TestRunQuick runs the whole harness against a real Caddy process with
// tiny budgets and checks that every figure is measured and sane.
func TestRunQuick(t *testing.T) {
	cfg := Config{
		CaddyBin: caddyBin(t), Workers: 2, PhaseRequests: 20, PhaseDuration: 10 * time.Second,
		Rounds: 1, Sessions: 20, LatencyRequests: 20, Timeout: 2 * time.Minute,
	}
	rep, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rep.StaticBytes < 200 {
		t.Errorf("respond body sized from search answers is %d bytes; want a real answer's size", rep.StaticBytes)
	}
	if len(rep.Throughput) != 10 {
		t.Fatalf("got %d throughput rows, want 2 HTTP versions × 5 lanes", len(rep.Throughput))
	}
	// 2 HTTP versions × 2 unique lanes × (20 + a warm-up of up to 2×2,
	// bounded by 300 ms) + 2 latency lanes × 20, all from the one source.
	if lo, hi := int64(2*2*20+2*20), int64(2*2*(4+20)+2*20); rep.UniqueSent < lo || rep.UniqueSent > hi ||
		rep.UniqueRepeated != 0 || rep.UniqueQueries < 10000 {
		t.Errorf("unique mix: sent %d (want %d..%d), %d repeats, %d generated; want no repeats of >= 10000",
			rep.UniqueSent, lo, hi, rep.UniqueRepeated, rep.UniqueQueries)
	}
	mixes := map[string]int{}
	for _, tp := range rep.Throughput {
		mixes[tp.Mix]++
	}
	if mixes[""] != 2 || mixes[MixRepeated] != 4 || mixes[MixUnique] != 4 {
		t.Errorf("throughput rows per mix: %v; want respond 2, repeated 4, unique 4", mixes)
	}
	var caddyCPU time.Duration
	for _, tp := range rep.Throughput {
		if tp.Requests != 20 || tp.Errors != 0 || tp.RPS <= 0 || tp.Ratio <= 0 {
			t.Errorf("%s %s: %d requests, %d errors, %.0f rps, ratio %.2f; want 20, 0, >0, >0",
				tp.HTTP, tp.Mode, tp.Requests, tp.Errors, tp.RPS, tp.Ratio)
		}
		// /proc CPU times tick every 10 ms: too coarse for 20 requests, so
		// only the total must show Caddy working.
		caddyCPU += tp.CaddyCPUPerReq * time.Duration(tp.Requests)
		// The respond body is sized like the search answers.
		if tp.Mode == ModeRespond && tp.AvgBytes != int64(rep.StaticBytes) {
			t.Errorf("%s respond answers are %d bytes, want %d", tp.HTTP, tp.AvgBytes, rep.StaticBytes)
		}
	}
	if caddyCPU <= 0 {
		t.Error("no Caddy CPU time measured over 120 requests")
	}
	if len(rep.Memory) != 3 {
		t.Fatalf("got %d memory rows, want 3", len(rep.Memory))
	}
	for _, m := range rep.Memory {
		if m.Opened != 20 || m.HeapStackPerSession <= 0 || m.GoroutinesPerSession < 1 {
			t.Errorf("%s: opened %d, heap %.0f B/stream, %.1f goroutines/stream; want 20, >0, >=1",
				m.Kind, m.Opened, m.HeapPerSession, m.GoroutinesPerSession)
		}
		if m.GoroutinesAfter > m.GoroutinesBefore+5 {
			t.Errorf("%s: goroutines %d before, %d after closing the streams", m.Kind, m.GoroutinesBefore, m.GoroutinesAfter)
		}
	}
	if len(rep.Latency) != 5 {
		t.Fatalf("got %d latency rows, want 5", len(rep.Latency))
	}
	for _, l := range rep.Latency {
		if l.Requests != 20 || l.Errors != 0 || l.P50 <= 0 || l.P99 < l.P50 || l.Max < l.P99 {
			t.Errorf("%s: %d requests, %d errors, p50 %s, p99 %s, max %s", l.Mode, l.Requests, l.Errors, l.P50, l.P99, l.Max)
		}
	}
	md := rep.Markdown()
	for _, want := range []string{"| HTTP/2 | mcp 2026-07-28 | repeated |", "| HTTP/1.1 | mcp 2025-06-18 | unique |", "legacy SSE", "p99"} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	t.Log("\n" + md)
}

// TestErrorsCounted checks that failed requests are counted as errors, not
// as throughput: calls with an unknown session id get 404 from mcp-go, and
// a stateless call whose Mcp-Name header does not match the body gets 400.
func TestErrorsCounted(t *testing.T) {
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	p, err := startCaddy(t.Context(), caddyBin(t), t.TempDir(), filepath.Join(root, "testdata", "hugo", "index.json"), 500)
	if err != nil {
		t.Fatal(err)
	}
	defer p.stop()
	c := p.client(true, 2)
	defer c.CloseIdleConnections()

	bogus := newRequester(ModeSession, p, DefaultQueries)
	bogus.sessions = []string{"bogus-session", "bogus-session"}
	res := runPhase(t.Context(), bogus, c, 2, 10*time.Second, 10, false)
	if res.Requests != 10 || res.Errors != 10 {
		t.Errorf("unknown session: %d requests, %d errors; want 10, 10", res.Requests, res.Errors)
	}

	mismatch := newRequester(ModeStateless, p, DefaultQueries)
	mismatch.bodies = [][]byte{[]byte(strings.Replace(string(mismatch.bodies[0]), `"name":"search"`, `"name":"fetch"`, 1))}
	res = runPhase(t.Context(), mismatch, c, 2, 10*time.Second, 10, false)
	if res.Requests != 10 || res.Errors != 10 {
		t.Errorf("Mcp-Name mismatch: %d requests, %d errors; want 10, 10", res.Requests, res.Errors)
	}

	good := newRequester(ModeStateless, p, DefaultQueries)
	res = runPhase(t.Context(), good, c, 2, 10*time.Second, 10, false)
	if res.Requests != 10 || res.Errors != 0 {
		t.Errorf("valid calls: %d requests, %d errors; want 10, 0", res.Requests, res.Errors)
	}
}

// BenchmarkE2E runs the full end-to-end benchmark once (about a minute):
//
//	go test -run XX -bench E2E -benchtime 1x ./internal/e2ebench/
//
// Set E2EBENCH_MD to a file name to also write the Markdown report there,
// and E2EBENCH_CPUPROFILE to write a CPU profile of Caddy during a search
// phase (see Config.CPUProfile), E2EBENCH_HEAPPROFILES to a directory for
// heap profiles around the memory measurements (Config.HeapProfiles), and
// E2EBENCH_PROFILE_UNIQUE=1 to profile the unique-query phase instead;
// E2EBENCH_PIN=1 pins Caddy to CPU 0 and the client to CPU 1, and
// E2EBENCH_THROUGHPUT_ONLY=1 skips the memory and latency phases, and
// E2EBENCH_PHASE (a duration, e.g. 15s) sets the length of each throughput
// phase: longer phases give a CPU profile enough samples to read.
func BenchmarkE2E(b *testing.B) {
	if testing.Short() {
		b.Skip("end-to-end benchmark: skipped under -short")
	}
	cfg := DefaultConfig()
	cfg.CaddyBin = caddyBin(b)
	cfg.CPUProfile = os.Getenv("E2EBENCH_CPUPROFILE")
	cfg.ProfileUnique = os.Getenv("E2EBENCH_PROFILE_UNIQUE") != ""
	cfg.HeapProfiles = os.Getenv("E2EBENCH_HEAPPROFILES")
	cfg.Pin = os.Getenv("E2EBENCH_PIN") != ""
	cfg.ThroughputOnly = os.Getenv("E2EBENCH_THROUGHPUT_ONLY") != ""
	if v := os.Getenv("E2EBENCH_PHASE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			b.Fatalf("E2EBENCH_PHASE=%q: want a positive duration such as 15s", v)
		}
		cfg.PhaseDuration = d
	}
	for range b.N {
		rep, err := Run(context.Background(), cfg)
		if err != nil {
			b.Fatal(err)
		}
		for _, t := range rep.Throughput {
			name := strings.NewReplacer("HTTP/1.1", "h1", "HTTP/2", "h2", "mcp ", "", " ", "_").Replace(t.HTTP + "_" + string(t.Mode))
			if t.Mix == MixUnique {
				name += "_uniq"
			}
			b.ReportMetric(t.RPS, name+"_rps")
			if t.Mode != ModeRespond {
				b.ReportMetric(t.Ratio, name+"_ratio")
			}
		}
		for i, m := range rep.Memory {
			b.ReportMetric(m.HeapStackPerSession, []string{"idle_conn", "sse", "streamable"}[i]+"_B/session")
		}
		for _, l := range rep.Latency {
			if l.Mode != ModeRespond {
				name := strings.TrimPrefix(string(l.Mode), "mcp ")
				if l.Mix == MixUnique {
					name += "_uniq"
				}
				b.ReportMetric(float64(l.P50.Microseconds()), name+"_p50_µs")
				b.ReportMetric(float64(l.P99.Microseconds()), name+"_p99_µs")
			}
		}
		b.Log("\n" + rep.Markdown())
		if f := os.Getenv("E2EBENCH_MD"); f != "" {
			if err := os.WriteFile(f, []byte(rep.Markdown()), 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// TestUniqueQueries checks the unique mix: large, distinct, deterministic.
func TestUniqueQueries(t *testing.T) {
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	corpus := filepath.Join(root, "testdata", "hugo", "index.json")
	a, err := UniqueQueries(corpus)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := UniqueQueries(corpus)
	seen := map[string]bool{}
	for i, q := range a {
		if q == "" || seen[q] || q != b[i] {
			t.Fatalf("query %d %q: empty, repeated or not deterministic (%q)", i, q, b[i])
		}
		seen[q] = true
	}
	// A full default run sent ~100k unique queries on this 2-core machine
	// (2 lanes × 2 × 3 s × 2 HTTP versions); leave room for faster ones.
	if len(a) < 150000 {
		t.Errorf("%d unique queries; want >= 150000 so a full run never repeats one", len(a))
	}
	t.Logf("%d unique queries, e.g. %q", len(a), a[:3])
}
