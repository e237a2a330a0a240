package clustertest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// proc is one `caddy run` process that can be stopped and started again
// with the same config (a restart on the same port).
type proc struct {
	t         testing.TB
	name      string
	dir       string
	caddyfile string
	env       []string
	cpus      string // taskset CPU list, "" for any
	cmd       *exec.Cmd
	done      chan struct{}
}

// newProc writes the Caddyfile and starts the process; it is stopped at
// cleanup.
func newProc(t testing.TB, name, caddyfile string, env ...string) *proc {
	t.Helper()
	return newPinnedProc(t, name, "", caddyfile, env...)
}

// newPinnedProc is newProc with the process pinned to cpus (taskset -c).
func newPinnedProc(t testing.TB, name, cpus, caddyfile string, env ...string) *proc {
	t.Helper()
	p := &proc{t: t, name: name, dir: t.TempDir(), caddyfile: caddyfile, env: env, cpus: cpus}
	t.Cleanup(func() {
		p.stop(syscall.SIGTERM)
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(p.dir, "output"))
			t.Logf("--- %s output ---\n%s", name, tail(string(b), 25))
		}
	})
	p.start()
	return p
}

// start runs the process (again).
func (p *proc) start() {
	p.t.Helper()
	cfg := filepath.Join(p.dir, "Caddyfile")
	if err := os.WriteFile(cfg, []byte(p.caddyfile), 0o600); err != nil {
		p.t.Fatal(err)
	}
	out, err := os.OpenFile(filepath.Join(p.dir, "output"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		p.t.Fatal(err)
	}
	cmd := exec.Command(caddyBin, "run", "--config", cfg, "--adapter", "caddyfile")
	if p.cpus != "" {
		cmd = exec.Command("taskset", "-c", p.cpus, caddyBin, "run", "--config", cfg, "--adapter", "caddyfile")
	}
	// Keep Caddy's default data/config dirs out of the real home.
	cmd.Env = append(os.Environ(), "HOME="+p.dir, "XDG_DATA_HOME="+p.dir, "XDG_CONFIG_HOME="+p.dir)
	cmd.Env = append(cmd.Env, p.env...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); out.Close(); close(done) }()
	p.cmd, p.done = cmd, done
}

// stop sends sig and waits for the exit (SIGKILL after 10s). It is a no-op
// when the process is not running.
func (p *proc) stop(sig syscall.Signal) {
	if p.cmd == nil {
		return
	}
	p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
	p.cmd = nil
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// waitListening waits until something accepts TCP on port.
func waitListening(t testing.TB, port int) {
	t.Helper()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	eventually(t, 30*time.Second, "listener on "+addr, func() error {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err
	})
}

// eventually polls cond every 25ms until it returns nil or timeout passes.
func eventually(t testing.TB, timeout time.Duration, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not reached within %v: %v", what, timeout, err)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// logRuntime records a test's wall time in its output.
func logRuntime(t *testing.T) {
	start := time.Now()
	t.Cleanup(func() { t.Logf("RUNTIME %s %v", t.Name(), time.Since(start).Round(time.Millisecond)) })
}

var _ = fmt.Sprint
