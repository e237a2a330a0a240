package e2ebench

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// caddyProc is a Caddy process started by the harness.
type caddyProc struct {
	dir       string
	cmd       *exec.Cmd
	adminPort int
	httpPort  int
	httpsPort int
	corpus    string
	roots     *x509.CertPool
	logs      *tailBuffer
	exited    chan struct{}
	admin     *http.Client
}

// buildCaddy compiles ./cmd/caddy once into dir.
func buildCaddy(ctx context.Context, root, dir string) (string, error) {
	bin := filepath.Join(dir, "caddy")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/caddy")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/caddy: %v\n%s", err, out)
	}
	return bin, nil
}

// freePorts reserves n distinct loopback ports. They are released before
// Caddy binds them; the window is short and loopback-only.
func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// caddyfile renders the benchmark site: the mcp handler at its default
// paths and `respond` with a static body at /static, on one HTTPS server
// with a certificate from Caddy's internal CA. Pings are left at their
// default (25s), longer than any phase.
func (p *caddyProc) caddyfile(staticBody string) string {
	return fmt.Sprintf(`{
	admin localhost:%d
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
	header @static Content-Type application/json
	respond @static `+"`%s`"+` 200
	mcp {
		source %s
	}
}
`, p.adminPort, filepath.Join(p.dir, "storage"), p.httpPort, p.httpsPort, p.httpsPort, staticBody, p.corpus)
}

// staticBody is a JSON body of exactly n bytes (n >= 64), shaped like a
// JSON-RPC result, without characters that would need Caddyfile quoting.
func staticBody(n int) string {
	const head, tail = `{"jsonrpc":"2.0","id":1,"result":{"text":"`, `"}}`
	fill := max(n-len(head)-len(tail), 0)
	return head + strings.Repeat("x", fill) + tail
}

// startCaddy runs bin with a generated Caddyfile in dir and waits until the
// HTTPS site answers.
func startCaddy(ctx context.Context, bin, dir, corpus string, bodySize int) (*caddyProc, error) {
	return startCaddyPinned(ctx, bin, dir, corpus, bodySize, false)
}

// startCaddyPinned is startCaddy with Caddy on caddyCPU when pin is set.
func startCaddyPinned(ctx context.Context, bin, dir, corpus string, bodySize int, pin bool) (*caddyProc, error) {
	ports, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	p := &caddyProc{
		dir: dir, adminPort: ports[0], httpPort: ports[1], httpsPort: ports[2],
		corpus: corpus, logs: &tailBuffer{max: 16 << 10}, exited: make(chan struct{}),
	}
	p.admin = &http.Client{Transport: &http.Transport{DialContext: loopbackDial}, Timeout: 30 * time.Second}
	cfgPath := filepath.Join(dir, "Caddyfile")
	if err := os.WriteFile(cfgPath, []byte(p.caddyfile(staticBody(bodySize))), 0o600); err != nil {
		return nil, err
	}
	p.cmd = caddyCommand(pin, bin, "run", "--config", cfgPath, "--adapter", "caddyfile")
	p.cmd.Dir = dir
	// Never outlive the harness (a killed `go test`, a timeout).
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	// Keep Caddy's autosave and data out of the real home directory.
	p.cmd.Env = append(os.Environ(),
		"XDG_CONFIG_HOME="+filepath.Join(dir, "config"),
		"XDG_DATA_HOME="+filepath.Join(dir, "data"),
		"HOME="+dir)
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { _ = p.cmd.Wait(); close(p.exited) }()
	if err := p.waitReady(ctx, bodySize); err != nil {
		p.stop()
		return nil, err
	}
	return p, nil
}

// waitReady waits for the local CA's root certificate and for /static to
// answer with a body of the expected size over HTTPS.
func (p *caddyProc) waitReady(ctx context.Context, bodySize int) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	rootPath := filepath.Join(p.dir, "storage", "pki", "authorities", "local", "root.crt")
	var last error
	for {
		select {
		case <-p.exited:
			return fmt.Errorf("caddy exited during startup: %s", p.logs.String())
		case <-ctx.Done():
			return fmt.Errorf("caddy not ready: %v (last error: %v); log: %s", ctx.Err(), last, p.logs.String())
		case <-time.After(100 * time.Millisecond):
		}
		if p.roots == nil {
			pem, err := os.ReadFile(rootPath)
			if err != nil {
				last = err
				continue
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				last = errors.New("bad root.crt")
				continue
			}
			p.roots = pool
		}
		c := p.client(false, 1)
		n, err := p.getSize(ctx, c, "/static")
		c.CloseIdleConnections()
		if err == nil && n == bodySize {
			return nil
		}
		last = err
	}
}

// getSize GETs path on the site and returns the body length.
func (p *caddyProc) getSize(ctx context.Context, c *http.Client, path string) (int, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.url(path), nil)
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return len(b), err
}

// setStaticSize reloads the config through the admin API with a /static
// body of n bytes (the mcp handler reuses its loaded index).
func (p *caddyProc) setStaticSize(ctx context.Context, n int) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, p.adminURL("/load"),
		strings.NewReader(p.caddyfile(staticBody(n))))
	req.Header.Set("Content-Type", "text/caddyfile")
	resp, err := p.admin.Do(req)
	if err != nil {
		return err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("admin /load: %s: %s", resp.Status, b)
	}
	return p.waitReady(ctx, n)
}

func (p *caddyProc) url(path string) string {
	return "https://localhost:" + strconv.Itoa(p.httpsPort) + path
}

func (p *caddyProc) adminURL(path string) string {
	return "http://localhost:" + strconv.Itoa(p.adminPort) + path
}

// client returns an HTTPS client trusting Caddy's local root, speaking
// HTTP/2 when h2 is set and HTTP/1.1 with keep-alive otherwise. It has no
// overall timeout, which would cut event streams.
func (p *caddyProc) client(h2 bool, conns int) *http.Client {
	t := &http.Transport{
		DialContext:         loopbackDial,
		TLSClientConfig:     &tls.Config{RootCAs: p.roots, ServerName: "localhost"},
		MaxIdleConns:        conns + 16,
		MaxIdleConnsPerHost: conns + 16,
		IdleConnTimeout:     time.Minute,
		Protocols:           new(http.Protocols),
	}
	if h2 {
		t.Protocols.SetHTTP2(true)
	} else {
		t.Protocols.SetHTTP1(true)
	}
	return &http.Client{Transport: t}
}

// loopbackDial sends every connection to 127.0.0.1, so "localhost" URLs
// (the certificate's name, and the admin API's allowed host) never try ::1.
func loopbackDial(ctx context.Context, network, addr string) (net.Conn, error) {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp4", net.JoinHostPort("127.0.0.1", port))
}

// stop asks Caddy to exit (SIGINT, graceful) and kills it after 10s.
func (p *caddyProc) stop() {
	if p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// cpu returns the CPU time (user + system) the Caddy process has used.
func (p *caddyProc) cpu() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	const clockTicks = 100 // USER_HZ on Linux
	return time.Duration(ut+st) * time.Second / clockTicks
}

// rss returns the Caddy process's resident set size in bytes.
func (p *caddyProc) rss() int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// selfCPU returns the CPU time the harness process has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// tailBuffer keeps the last max bytes written (Caddy's log), for errors.
type tailBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

func (t *tailBuffer) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf.Write(b)
	if over := t.buf.Len() - t.max; over > 0 {
		t.buf.Next(over)
	}
	return len(b), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.buf.String()
}
