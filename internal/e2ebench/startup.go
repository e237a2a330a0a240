package e2ebench

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// StartupConfig sets what RunStartup measures: how long a Caddy process
// takes from exec to its first answer, plain (`respond`) and with the mcp
// handler over a large corpus, with and without the index cache.
type StartupConfig struct {
	// Root is the repository root. Default: found from the working dir.
	Root string
	// CaddyBin is a Caddy binary with our module. Default: built once.
	CaddyBin string
	// Shared is the shared corpora folder holding scale/make_scale.py.
	// Default: ../shared/corpora relative to Root.
	Shared string
	// Sizes are the generated corpus sizes, in pages. Default: 10k, 100k.
	Sizes []int
	// Corpus, when set, is used instead of generated corpora (Sizes is
	// then ignored): an index.json file.
	Corpus string
	// Runs is the number of timed starts of each kind (interleaved).
	// Default: 5.
	Runs int
	// Cold also times one start with `index_cache off` (parse and build,
	// the pre-cache behaviour). Default in DefaultStartupConfig: on.
	Cold bool
	// Timeout bounds the whole run. Default: 15m.
	Timeout time.Duration
}

// DefaultStartupConfig is the configuration BENCHMARKS.md documents.
func DefaultStartupConfig() StartupConfig {
	return StartupConfig{Sizes: []int{10000, 100000}, Runs: 5, Cold: true, Timeout: 15 * time.Minute}
}

// StartupRow is one corpus.
type StartupRow struct {
	Pages       int
	CorpusBytes int64
	CacheBytes  int64
	// Plain is Caddy without mcp, exec to the first 200 from `respond`;
	// Cached is with mcp and a valid index cache, exec to the first
	// successful tools/call search; Cold is with `index_cache off`.
	Plain, Cached []time.Duration
	Cold          time.Duration
	// RSS after the first answer (VmRSS), median run.
	PlainRSS, CachedRSS, ColdRSS int64
}

// StartupReport is the result of RunStartup.
type StartupReport struct {
	Rows []StartupRow
	Runs int
}

// RunStartup measures start-up for each corpus. Every start uses the same
// stored certificate (Caddy's internal CA issues it in a first, untimed
// start that also writes the index cache), over HTTPS/1.1 on loopback.
func RunStartup(ctx context.Context, cfg StartupConfig) (StartupReport, error) {
	d := DefaultStartupConfig()
	if len(cfg.Sizes) == 0 {
		cfg.Sizes = d.Sizes
	}
	if cfg.Runs <= 0 {
		cfg.Runs = d.Runs
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = d.Timeout
	}
	rep := StartupReport{Runs: cfg.Runs}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	if cfg.Root == "" {
		root, err := moduleRoot()
		if err != nil {
			return rep, err
		}
		cfg.Root = root
	}
	if cfg.Shared == "" {
		cfg.Shared = filepath.Join(cfg.Root, "..", "shared", "corpora")
	}
	tmp, err := os.MkdirTemp("", "e2ebench-startup-")
	if err != nil {
		return rep, err
	}
	defer os.RemoveAll(tmp)
	if cfg.CaddyBin == "" {
		if cfg.CaddyBin, err = buildCaddy(ctx, cfg.Root, tmp); err != nil {
			return rep, err
		}
	}
	type corpus struct {
		path      string
		pages     int
		generated bool // ours to delete
	}
	var corpora []corpus
	if cfg.Corpus != "" {
		corpora = append(corpora, corpus{cfg.Corpus, 0, false})
	} else {
		for _, n := range cfg.Sizes {
			path := filepath.Join(tmp, "scale-"+strconv.Itoa(n)+".json")
			cmd := exec.CommandContext(ctx, "python3", filepath.Join(cfg.Shared, "scale", "make_scale.py"), "-n", strconv.Itoa(n), "-o", path)
			if out, err := cmd.CombinedOutput(); err != nil {
				return rep, fmt.Errorf("make_scale.py -n %d: %v: %s", n, err, out)
			}
			corpora = append(corpora, corpus{path, n, true})
		}
	}
	for i, c := range corpora {
		dir := filepath.Join(tmp, "run"+strconv.Itoa(i))
		row, err := startupRow(ctx, cfg, dir, c.path)
		if c.pages > 0 {
			row.Pages = c.pages
		}
		if err != nil {
			return rep, err
		}
		rep.Rows = append(rep.Rows, row)
		if c.generated {
			os.Remove(c.path)
		}
	}
	return rep, nil
}

// startupRow times the starts for one corpus.
func startupRow(ctx context.Context, cfg StartupConfig, dir, corpus string) (StartupRow, error) {
	var row StartupRow
	fi, err := os.Stat(corpus)
	if err != nil {
		return row, err
	}
	row.CorpusBytes = fi.Size()
	s := &starter{bin: cfg.CaddyBin, dir: dir, corpus: corpus, cache: filepath.Join(dir, "index-cache")}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return row, err
	}
	// Untimed: issue and store the certificate, build and persist the index.
	s.waitCache = true
	if _, _, err := s.start(ctx, kindCached, 10*time.Minute); err != nil {
		return row, fmt.Errorf("first start: %w", err)
	}
	s.waitCache = false
	files, _ := filepath.Glob(filepath.Join(s.cache, "*.idx"))
	if len(files) != 1 {
		return row, fmt.Errorf("index cache files after the first start: %v", files)
	}
	if fi, err := os.Stat(files[0]); err == nil {
		row.CacheBytes = fi.Size()
	}
	var plainRSS, cachedRSS []int64
	for range cfg.Runs {
		d, rss, err := s.start(ctx, kindPlain, time.Minute)
		if err != nil {
			return row, err
		}
		row.Plain, plainRSS = append(row.Plain, d), append(plainRSS, rss)
		if d, rss, err = s.start(ctx, kindCached, time.Minute); err != nil {
			return row, err
		}
		row.Cached, cachedRSS = append(row.Cached, d), append(cachedRSS, rss)
	}
	slices.Sort(plainRSS)
	slices.Sort(cachedRSS)
	row.PlainRSS, row.CachedRSS = plainRSS[len(plainRSS)/2], cachedRSS[len(cachedRSS)/2]
	if cfg.Cold {
		if row.Cold, row.ColdRSS, err = s.start(ctx, kindCold, 10*time.Minute); err != nil {
			return row, err
		}
	}
	// The cache file was used, not rewritten: same size.
	if fi, err := os.Stat(files[0]); err != nil || fi.Size() != row.CacheBytes {
		return row, errors.New("index cache file changed during the timed starts")
	}
	return row, nil
}

type startKind int

const (
	kindPlain  startKind = iota // no mcp handler
	kindCached                  // mcp with the index cache
	kindCold                    // mcp with index_cache off
)

// starter launches Caddy on one corpus with a shared storage.
type starter struct {
	bin, dir, corpus, cache string
	roots                   *x509.CertPool
	waitCache               bool // wait for the index cache file before stopping
}

func (s *starter) caddyfile(kind startKind, httpPort, httpsPort int) string {
	mcp := ""
	switch kind {
	// max_source_size: a 100k-page index.json is over the 50 MiB default.
	case kindCached:
		mcp = fmt.Sprintf("mcp {\n\t\tsource %s\n\t\tmax_source_size 1GiB\n\t\tindex_cache %s\n\t}", s.corpus, s.cache)
	case kindCold:
		mcp = fmt.Sprintf("mcp {\n\t\tsource %s\n\t\tmax_source_size 1GiB\n\t\tindex_cache off\n\t}", s.corpus)
	}
	return fmt.Sprintf(`{
	admin off
	storage file_system %s
	persist_config off
	skip_install_trust
	http_port %d
	https_port %d
	auto_https disable_redirects
	grace_period 2s
	log {
		level ERROR
	}
}

localhost:%d {
	bind 127.0.0.1
	tls internal
	@static path /static
	respond @static "ok" 200
	%s
}
`, filepath.Join(s.dir, "storage"), httpPort, httpsPort, httpsPort, mcp)
}

// start runs Caddy, returns the time from exec to the first good answer
// (GET /static for kindPlain, a tools/call search otherwise) and the RSS
// then, and stops it.
func (s *starter) start(ctx context.Context, kind startKind, limit time.Duration) (time.Duration, int64, error) {
	ports, err := freePorts(2)
	if err != nil {
		return 0, 0, err
	}
	cfgPath := filepath.Join(s.dir, "Caddyfile")
	if err := os.WriteFile(cfgPath, []byte(s.caddyfile(kind, ports[0], ports[1])), 0o600); err != nil {
		return 0, 0, err
	}
	logs := &tailBuffer{max: 16 << 10}
	cmd := exec.Command(s.bin, "run", "--config", cfgPath, "--adapter", "caddyfile")
	cmd.Dir = s.dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+filepath.Join(s.dir, "config"),
		"XDG_DATA_HOME="+filepath.Join(s.dir, "data"), "HOME="+s.dir)
	cmd.Stdout, cmd.Stderr = logs, logs
	exited := make(chan struct{})
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	go func() { _ = cmd.Wait(); close(exited) }()
	p := &caddyProc{cmd: cmd, exited: exited, httpsPort: ports[1]}
	defer p.stop()
	deadline := time.After(limit)
	var client *http.Client
	probe := []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","arguments":{"query":"template lookup order"},` +
		`"_meta":{"io.modelcontextprotocol/protocolVersion":"` + protoModern + `","io.modelcontextprotocol/clientCapabilities":{}}}}`)
	h := mcpHeaders("")
	h.Set("MCP-Protocol-Version", protoModern)
	h.Set("Mcp-Method", "tools/call")
	h.Set("Mcp-Name", "search")
	last := errors.New("no attempt")
	for {
		select {
		case <-exited:
			return 0, 0, fmt.Errorf("caddy exited during start-up: %s", logs.String())
		case <-deadline:
			return 0, 0, fmt.Errorf("no answer within %s (last error: %v): %s", limit, last, logs.String())
		case <-ctx.Done():
			return 0, 0, ctx.Err()
		default:
		}
		if client == nil && !s.loadRoots() {
			time.Sleep(time.Millisecond)
			continue
		}
		if client == nil {
			client = &http.Client{Transport: &http.Transport{DialContext: loopbackDial, DisableKeepAlives: true,
				TLSClientConfig: &tls.Config{RootCAs: s.roots, ServerName: "localhost"}}, Timeout: limit}
		}
		var ok bool
		if kind == kindPlain {
			n, err := p.getSize(ctx, client, "/static")
			ok, last = err == nil && n == 2, err
		} else {
			resp, body, err := post(ctx, client, p.url("/mcp"), probe, h)
			ok = err == nil && resp.StatusCode == http.StatusOK && bytes.Contains(body, []byte(`"result":`)) &&
				!bytes.Contains(body, []byte(`"isError":true`))
			if last = err; err == nil && !ok {
				last = fmt.Errorf("%s: %.200s", resp.Status, body)
			}
		}
		if ok {
			d, rss := time.Since(start), p.rss()
			if s.waitCache {
				// The first start writes the cache after serving; stopping
				// Caddy before the write ends would abandon it.
				for ctx.Err() == nil {
					if files, _ := filepath.Glob(filepath.Join(s.cache, "*.idx")); len(files) > 0 {
						break
					}
					time.Sleep(50 * time.Millisecond)
				}
			}
			return d, rss, nil
		}
		time.Sleep(time.Millisecond)
	}
}

// loadRoots reads the local CA's root once it exists (after the first
// start it always does, so timed starts never wait here).
func (s *starter) loadRoots() bool {
	if s.roots != nil {
		return true
	}
	pem, err := os.ReadFile(filepath.Join(s.dir, "storage", "pki", "authorities", "local", "root.crt"))
	if err != nil {
		return false
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return false
	}
	s.roots = pool
	return true
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}

// Markdown renders the report as a table.
func (r StartupReport) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Exec to first answer over HTTPS/1.1 with a stored certificate; median (min) of %d interleaved starts each.\n\n", r.Runs)
	b.WriteString("| pages | index.json | cache file | plain Caddy: first 200 | mcp, cached index: first search | ratio | mcp, index_cache off: first search | ratio | RSS plain / cached / off |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|\n")
	ms := func(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d)/1e6) }
	mb := func(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }
	for _, row := range r.Rows {
		p, c := median(row.Plain), median(row.Cached)
		cold, coldRatio := "–", "–"
		if row.Cold > 0 {
			cold, coldRatio = ms(row.Cold), fmt.Sprintf("%.1fx", float64(row.Cold)/float64(p))
		}
		fmt.Fprintf(&b, "| %d | %s | %s | %s (%s) | %s (%s) | %.2fx | %s | %s | %s / %s / %s |\n",
			row.Pages, mb(row.CorpusBytes), mb(row.CacheBytes), ms(p), ms(slices.Min(row.Plain)), ms(c), ms(slices.Min(row.Cached)),
			float64(c)/float64(p), cold, coldRatio, mb(row.PlainRSS), mb(row.CachedRSS), mb(row.ColdRSS))
	}
	return b.String()
}
