package e2ebench

import (
	"fmt"
	"runtime"
	"strings"
	"time"
)

// Report is the result of Run.
type Report struct {
	Date     time.Time
	NProc    int
	CPUModel string
	Go       string
	// Workers, PhaseDuration, Rounds, Sessions and LatencyRequests echo
	// the configuration used.
	Workers         int
	PhaseDuration   time.Duration
	Rounds          int
	Sessions        int
	LatencyRequests int
	// StaticBytes is the size of the respond body: the mean search answer.
	StaticBytes int
	// Pinned is set when Caddy ran on CPU 0 and the client on CPU 1.
	Pinned bool

	// UniqueQueries is the size of the unique mix; UniqueSent how many of
	// its queries the run sent, UniqueRepeated how many of those were
	// repeats because the list ran out (0: the mix stayed unique).
	UniqueQueries              int
	UniqueSent, UniqueRepeated int64
	// RepeatedQueries is the size of the repeated mix (sent round robin).
	RepeatedQueries int

	Throughput []Throughput
	Memory     []Memory
	Latency    []Latency
}

// Throughput is one HTTP version and mode, summed over its phases.
type Throughput struct {
	HTTP string
	Mode Mode
	// Mix is the query mix: MixRepeated or MixUnique ("" for respond).
	Mix      string
	Workers  int
	Requests int64
	Errors   int64
	Seconds  float64
	// RPS is successful and failed requests per second over all phases.
	RPS float64
	// PhaseRPS is the rate of each interleaved phase, in order.
	PhaseRPS []float64
	// Ratio is RPS divided by the respond RPS on the same HTTP version.
	Ratio float64
	// CaddyCPUPerReq and ClientCPUPerReq are CPU time per request in the
	// Caddy process and in the harness.
	CaddyCPUPerReq, ClientCPUPerReq time.Duration
	// AvgBytes is the mean answer body size.
	AvgBytes int64
}

// Memory is the cost of the open streams of one kind.
type Memory struct {
	Kind           string
	Wanted, Opened int
	// Per open stream (with its own TLS connection): growth of the live
	// heap after GC, of heap + goroutine stacks, of RSS, of goroutines.
	HeapPerSession, HeapStackPerSession, RSSPerSession, GoroutinesPerSession float64
	// HeapBefore, HeapOpen and HeapAfter are the live heap before, with
	// the streams open and after closing them.
	HeapBefore, HeapOpen, HeapAfter int64
	// GoroutinesAfter minus GoroutinesBefore shows leaked handlers.
	GoroutinesBefore, GoroutinesAfter int64
}

// Latency is sequential (concurrency 1) request latency for one mode.
type Latency struct {
	HTTP               string
	Mode               Mode
	Mix                string // as in Throughput
	Requests, Errors   int64
	P50, P90, P99, Max time.Duration
	CaddyCPUPerReq     time.Duration
}

func newReport(cfg Config) Report {
	return Report{
		Date: time.Now().UTC(), NProc: runtime.NumCPU(), CPUModel: cpuModel(), Go: runtime.Version(),
		Workers: cfg.Workers, PhaseDuration: cfg.PhaseDuration, Rounds: cfg.Rounds,
		Sessions: cfg.Sessions, LatencyRequests: cfg.LatencyRequests, UniqueQueries: len(cfg.UniqueQueries), RepeatedQueries: len(cfg.Queries),
	}
}

func perReq(d time.Duration, n int64) time.Duration {
	if n == 0 {
		return 0
	}
	return d / time.Duration(n)
}

func newThroughput(httpName string, m Mode, mix string, workers int, s phaseResult, phases []float64) Throughput {
	if m == ModeRespond {
		mix = ""
	}
	t := Throughput{
		HTTP: httpName, Mode: m, Mix: mix, Workers: workers, Requests: s.Requests, Errors: s.Errors,
		Seconds: s.Elapsed.Seconds(), PhaseRPS: phases,
		CaddyCPUPerReq: perReq(s.CaddyCPU, s.Requests), ClientCPUPerReq: perReq(s.ClientCPU, s.Requests),
	}
	if t.Seconds > 0 {
		t.RPS = float64(s.Requests) / t.Seconds
	}
	if s.Requests > 0 {
		t.AvgBytes = s.Bytes / s.Requests
	}
	return t
}

func newMemory(m memResult) Memory {
	heap, hs, rss := m.perSession()
	out := Memory{
		Kind: string(m.Kind), Wanted: m.Wanted, Opened: m.Opened,
		HeapPerSession: heap, HeapStackPerSession: hs, RSSPerSession: rss,
		HeapBefore: m.Before.HeapAlloc, HeapOpen: m.Open.HeapAlloc, HeapAfter: m.After.HeapAlloc,
		GoroutinesBefore: m.Before.Goroutines, GoroutinesAfter: m.After.Goroutines,
	}
	if m.Opened > 0 {
		out.GoroutinesPerSession = float64(m.Open.Goroutines-m.Before.Goroutines) / float64(m.Opened)
	}
	return out
}

func newLatency(httpName string, m Mode, mix string, r phaseResult) Latency {
	if m == ModeRespond {
		mix = ""
	}
	return Latency{
		HTTP: httpName, Mode: m, Mix: mix, Requests: r.Requests, Errors: r.Errors,
		P50: percentile(r.Latencies, 50), P90: percentile(r.Latencies, 90),
		P99: percentile(r.Latencies, 99), Max: percentile(r.Latencies, 100),
		CaddyCPUPerReq: perReq(r.CaddyCPU, r.Requests),
	}
}

// Markdown renders the report as the tables of BENCHMARKS.md's
// end-to-end section.
func (r Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "**Machine:** %d CPUs (`nproc`), %s, %s. **Date:** %s.\n\n",
		r.NProc, r.CPUModel, r.Go, r.Date.Format("2006-01-02 15:04 MST"))

	fmt.Fprintf(&b, "#### Throughput: `tools/call search` vs `respond` (%d workers, %d × %s phases per mode, interleaved)\n\n",
		r.Workers, r.Rounds, r.PhaseDuration)
	if r.Pinned {
		b.WriteString("Caddy pinned to CPU 0 (`taskset`, so GOMAXPROCS=1), the load generator to CPU 1.\n\n")
	}
	fmt.Fprintf(&b, "Respond body: %d bytes (the mean search answer). Query mixes: *repeated* = %d queries round robin; "+
		"*unique* = %d distinct queries sent of %d generated from page titles and text (see UniqueQueries), %d repeats.\n\n",
		r.StaticBytes, r.RepeatedQueries, r.UniqueSent, r.UniqueQueries, r.UniqueRepeated)
	b.WriteString("| HTTP | mode | queries | requests | errors | rps | rps per phase | vs respond | Caddy CPU/req | client CPU/req | answer bytes |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, t := range r.Throughput {
		phases := make([]string, len(t.PhaseRPS))
		for i, p := range t.PhaseRPS {
			phases[i] = fmt.Sprintf("%.0f", p)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %d | %d | %.0f | %s | %.0f%% | %s | %s | %d |\n",
			t.HTTP, t.Mode, dash(t.Mix), t.Requests, t.Errors, t.RPS, strings.Join(phases, " / "),
			100*t.Ratio, us(t.CaddyCPUPerReq), us(t.ClientCPUPerReq), t.AvgBytes)
	}

	fmt.Fprintf(&b, "\n#### Memory per open stream (%d streams, each on its own HTTP/1.1 TLS connection)\n\n", r.Sessions)
	b.WriteString("| stream | opened | live heap / stream | heap + stacks / stream | RSS / stream | goroutines / stream | heap before → open → closed | goroutines before → closed |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|\n")
	for _, m := range r.Memory {
		fmt.Fprintf(&b, "| %s | %d / %d | %s | %s | %s | %.1f | %s → %s → %s | %d → %d |\n",
			m.Kind, m.Opened, m.Wanted, kb(m.HeapPerSession), kb(m.HeapStackPerSession), kb(m.RSSPerSession),
			m.GoroutinesPerSession, mib(m.HeapBefore), mib(m.HeapOpen), mib(m.HeapAfter),
			m.GoroutinesBefore, m.GoroutinesAfter)
	}

	fmt.Fprintf(&b, "\n#### Latency through the full stack (concurrency 1, %d requests per mode)\n\n", r.LatencyRequests)
	b.WriteString("| HTTP | mode | queries | requests | errors | p50 | p90 | p99 | max | Caddy CPU/req |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|\n")
	for _, l := range r.Latency {
		fmt.Fprintf(&b, "| %s | %s | %s | %d | %d | %s | %s | %s | %s | %s |\n",
			l.HTTP, l.Mode, dash(l.Mix), l.Requests, l.Errors, ms(l.P50), ms(l.P90), ms(l.P99), ms(l.Max), us(l.CaddyCPUPerReq))
	}
	return b.String()
}

func dash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

func us(d time.Duration) string { return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond)) }
func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }
func kb(f float64) string       { return fmt.Sprintf("%.1f KB", f/1000) }
func mib(n int64) string        { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
