package e2ebench

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// Run builds (unless cfg.CaddyBin is set) and starts a Caddy process
// serving cfg.Corpus, measures throughput, stream memory and latency, stops
// Caddy and returns the report. It is bounded by cfg.Timeout.
func Run(ctx context.Context, cfg Config) (Report, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return Report{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	rep := newReport(cfg)

	if err := raiseFileLimit(2*cfg.Sessions + 256); err != nil {
		return rep, err
	}
	dir, err := os.MkdirTemp("", "e2ebench-")
	if err != nil {
		return rep, err
	}
	defer os.RemoveAll(dir)
	bin := cfg.CaddyBin
	if bin == "" {
		if bin, err = buildCaddy(ctx, cfg.Root, dir); err != nil {
			return rep, err
		}
	}
	rep.Pinned = cfg.Pin && canPin()
	if rep.Pinned {
		if err := pinSelf(clientCPU); err != nil {
			return rep, err
		}
	}
	p, err := startCaddyPinned(ctx, bin, dir, cfg.Corpus, 1024, rep.Pinned)
	if err != nil {
		return rep, err
	}
	defer p.stop()

	// Size the respond body like the average search answer.
	if rep.StaticBytes, err = averageAnswer(ctx, p, cfg.Queries); err != nil {
		return rep, err
	}
	if err := p.setStaticSize(ctx, rep.StaticBytes); err != nil {
		return rep, err
	}

	// Memory first, on a server that has not yet seen load.
	for _, kind := range []streamKind{streamIdle, streamSSE, streamStreamable} {
		if cfg.ThroughputOnly {
			break
		}
		m, err := measureStreams(ctx, p, kind, cfg.Sessions, cfg.HeapProfiles)
		rep.Memory = append(rep.Memory, newMemory(m))
		if err != nil {
			return rep, fmt.Errorf("%s: %v (caddy log: %s)", kind, err, p.logs.String())
		}
	}

	// One unique source for the whole run: no phase, mode or HTTP version
	// sees a query another one sent.
	uniq := newUniqueSource(cfg.UniqueQueries)
	lanes := []lane{{ModeRespond, false}, {ModeStateless, false}, {ModeSession, false}, {ModeStateless, true}, {ModeSession, true}}
	for _, h2 := range []bool{false, true} {
		tp, err := throughput(ctx, p, cfg, h2, lanes, uniq)
		rep.Throughput = append(rep.Throughput, tp...)
		if err != nil {
			return rep, err
		}
	}

	c := p.client(true, 1)
	defer c.CloseIdleConnections()
	for _, l := range lanes {
		if cfg.ThroughputOnly {
			break
		}
		r := l.requester(p, cfg, uniq)
		if err := r.prepare(ctx, c, 1); err != nil {
			return rep, err
		}
		res := runPhase(ctx, r, c, 1, 20*cfg.PhaseDuration, cfg.LatencyRequests, true)
		rep.Latency = append(rep.Latency, newLatency("HTTP/2", l.mode, r.mix(), res))
	}
	rep.UniqueSent, rep.UniqueRepeated = uniq.next.Load(), uniq.wrapped.Load()
	return rep, ctx.Err()
}

// lane is one measured kind of request: a mode and a query mix.
type lane struct {
	mode   Mode
	unique bool
}

func (l lane) requester(p *caddyProc, cfg Config, u *uniqueSource) *requester {
	if l.unique {
		return newUniqueRequester(l.mode, p, u)
	}
	return newRequester(l.mode, p, cfg.Queries)
}

// throughput runs the interleaved phases (respond, mcp, mcp, ..., respond,
// ...) on one HTTP version and sums them per lane.
func throughput(ctx context.Context, p *caddyProc, cfg Config, h2 bool, lanes []lane, uniq *uniqueSource) ([]Throughput, error) {
	c := p.client(h2, cfg.Workers)
	defer c.CloseIdleConnections()
	httpName := "HTTP/1.1"
	if h2 {
		httpName = "HTTP/2"
	}
	if err := checkProto(ctx, c, p, h2); err != nil {
		return nil, err
	}
	reqs := make([]*requester, len(lanes))
	for i, l := range lanes {
		reqs[i] = l.requester(p, cfg, uniq)
		if err := reqs[i].prepare(ctx, c, cfg.Workers); err != nil {
			return nil, fmt.Errorf("%s %s: %v", httpName, l.mode, err)
		}
		// Warm up connections and code paths.
		runPhase(ctx, reqs[i], c, cfg.Workers, 300*time.Millisecond, 2*cfg.Workers, false)
	}
	sums := make([]phaseResult, len(lanes))
	perPhase := make([][]float64, len(lanes))
	for round := range cfg.Rounds {
		for i, r := range reqs {
			var profiled chan error
			if cfg.CPUProfile != "" && round == 0 && !h2 && r.mode == ModeStateless && (r.unique != nil) == cfg.ProfileUnique {
				profiled = make(chan error, 1)
				go func() { profiled <- p.cpuProfile(ctx, cfg.CPUProfile, cfg.PhaseDuration) }()
			}
			res := runPhase(ctx, r, c, cfg.Workers, cfg.PhaseDuration, cfg.PhaseRequests, false)
			s := &sums[i]
			s.Requests += res.Requests
			s.Errors += res.Errors
			s.Bytes += res.Bytes
			s.Elapsed += res.Elapsed
			s.CaddyCPU += res.CaddyCPU
			s.ClientCPU += res.ClientCPU
			perPhase[i] = append(perPhase[i], float64(res.Requests)/res.Elapsed.Seconds())
			if profiled != nil {
				if err := <-profiled; err != nil {
					return nil, fmt.Errorf("cpu profile: %v", err)
				}
			}
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
		}
	}
	var out []Throughput
	for i, r := range reqs {
		out = append(out, newThroughput(httpName, r.mode, r.mix(), cfg.Workers, sums[i], perPhase[i]))
	}
	respondRPS := out[0].RPS
	for i := range out {
		if respondRPS > 0 {
			out[i].Ratio = out[i].RPS / respondRPS
		}
	}
	return out, nil
}

// checkProto makes sure c speaks the HTTP version the rows are labelled
// with.
func checkProto(ctx context.Context, c *http.Client, p *caddyProc, h2 bool) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.url("/static"), nil)
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if want := map[bool]int{false: 1, true: 2}[h2]; resp.ProtoMajor != want {
		return fmt.Errorf("client speaks %s, want HTTP/%d", resp.Proto, want)
	}
	return nil
}

// averageAnswer runs each query once (2026-07-28) and returns the mean
// answer size; every query must succeed.
func averageAnswer(ctx context.Context, p *caddyProc, queries []string) (int, error) {
	c := p.client(false, 1)
	defer c.CloseIdleConnections()
	r := newRequester(ModeStateless, p, queries)
	total := 0
	for i := range queries {
		ok, n := r.do(ctx, c, 0, i)
		if !ok {
			return 0, fmt.Errorf("search %q failed (%d bytes); caddy log: %s", queries[i], n, p.logs.String())
		}
		total += n
	}
	return max(total/len(queries), 64), nil
}

// raiseFileLimit raises RLIMIT_NOFILE to at least need (up to the hard
// limit); the Caddy process inherits it.
func raiseFileLimit(need int) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return err
	}
	if lim.Max < uint64(need) {
		return fmt.Errorf("RLIMIT_NOFILE hard limit %d < %d needed for the sessions", lim.Max, need)
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		return syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
	return nil
}

// cpuModel returns the CPU model name from /proc/cpuinfo.
func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for line := range strings.Lines(string(b)) {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}
