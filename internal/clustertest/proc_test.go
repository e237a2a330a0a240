package clustertest

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/caddy-mcp/caddy-mcp/internal/testwait"
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

// The waiting helpers are shared with the other multi-process suite.
var (
	eventually = testwait.Eventually
	tail       = testwait.Tail
	logRuntime = testwait.LogRuntime
)
