package acmetest

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/caddy-mcp/caddy-mcp/internal/pebble"
)

// The cmd/caddy binary is built at most once per test binary, and only by
// tests that need a second Caddy process (in-process Caddy is a singleton).
var (
	caddyBinOnce sync.Once
	caddyBin     string
	caddyBinErr  error
	caddyBinDir  string
)

// buildCaddy builds ./cmd/caddy (reusing the Go build cache).
func buildCaddy(t *testing.T) string {
	t.Helper()
	caddyBinOnce.Do(func() {
		_, file, _, _ := runtime.Caller(0)
		root := filepath.Join(filepath.Dir(file), "..", "..")
		if caddyBinDir, caddyBinErr = os.MkdirTemp("", "acmetest-caddy-"); caddyBinErr != nil {
			return
		}
		caddyBin = filepath.Join(caddyBinDir, "caddy")
		cmd := exec.Command("go", "build", "-o", caddyBin, "./cmd/caddy")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			caddyBinErr = err
			caddyBin = string(out)
		}
	})
	if caddyBinErr != nil {
		t.Fatalf("go build ./cmd/caddy: %v\n%s", caddyBinErr, caddyBin)
	}
	return caddyBin
}

// removeCaddyBin deletes the built binary (called from TestMain).
func removeCaddyBin() {
	if caddyBinDir != "" {
		os.RemoveAll(caddyBinDir)
	}
}

// runCaddyProcess runs `caddy run` with the given Caddyfile in its own
// process, stopped (SIGTERM, then SIGKILL) at cleanup.
func runCaddyProcess(t *testing.T, bin, caddyfile string) {
	t.Helper()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "Caddyfile")
	if err := os.WriteFile(cfgPath, []byte(caddyfile), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(filepath.Join(dir, "output"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "run", "--config", cfgPath, "--adapter", "caddyfile")
	// Keep Caddy's default data/config dirs out of the real home.
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_DATA_HOME="+dir, "XDG_CONFIG_HOME="+dir)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		out.Close()
		if t.Failed() {
			b, _ := os.ReadFile(out.Name())
			t.Logf("--- caddy process output ---\n%s", tail(string(b), 30))
		}
	})
}

// waitListening waits until something accepts TCP on every port.
func waitListening(t *testing.T, ports ...int) {
	t.Helper()
	for _, p := range ports {
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(p))
		eventually(t, 20*time.Second, "listener on "+addr, func() error {
			c, err := net.DialTimeout("tcp", addr, time.Second)
			if err == nil {
				c.Close()
			}
			return err
		})
	}
}

// TestTwoInstancesShareStorage proves that two Caddy processes sharing
// one storage directory obtain ONE certificate between them: certmagic's
// storage lock lets one instance order it, and the other, once it gets the
// lock, finds the certificate in storage. Pebble's VA dials instance A
// only, like a load balancer that sends the CA's request to one node: when
// B orders, A answers B's challenge from the token B put in storage.
func TestTwoInstancesShareStorage(t *testing.T) {
	bin := buildCaddy(t)
	t.Run("A_orders", func(t *testing.T) { twoInstances(t, bin, false) })
	t.Run("B_orders_A_answers_challenge", func(t *testing.T) { twoInstances(t, bin, true) })
}

// twoInstances runs the scenario; bFirst makes B the instance that starts
// first and takes the lock.
func twoInstances(t *testing.T, bin string, bFirst bool) {
	logRuntime(t)
	dir := t.TempDir()
	logs := map[bool]string{false: filepath.Join(dir, "caddy-a.log"), true: filepath.Join(dir, "caddy-b.log")}
	secondLog := logs[!bFirst]
	var ports atomic.Pointer[[2]int] // A's ports, set before any instance runs
	// The first instance's new-order waits until the second one is blocked
	// on the storage lock (so they really contend) and A is listening (the
	// VA will dial it).
	var gate sync.Once
	a := newEnv(t, pebble.Options{BeforeNewOrder: func() {
		gate.Do(func() {
			deadline := time.Now().Add(20 * time.Second)
			for len(caddyLog(t, secondLog, "acquiring lock")) == 0 && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			for _, p := range ports.Load() {
				for time.Now().Before(deadline) {
					if c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p))); err == nil {
						c.Close()
						break
					}
					time.Sleep(20 * time.Millisecond)
				}
			}
		})
	}})
	a.LogFile = logs[false]
	ports.Store(&[2]int{a.HTTPPort, a.HTTPSPort})
	b := *a
	b.HTTPPort, b.HTTPSPort = freePort(t), freePort(t)
	b.LogFile = logs[true]
	t.Cleanup(func() {
		if t.Failed() {
			for name, f := range map[string]string{"A": a.LogFile, "B": b.LogFile} {
				if log, err := os.ReadFile(f); err == nil {
					t.Logf("--- instance %s log ---\n%s", name, tail(string(log), 30))
				}
			}
		}
	})

	first, second := a, &b
	if bFirst {
		first, second = &b, a
	}
	runCaddyProcess(t, bin, caddyfileData{env: first, Sites: docsSite(docsHost)}.render(t))
	waitListening(t, first.HTTPPort, first.HTTPSPort)
	runCaddyProcess(t, bin, caddyfileData{env: second, Sites: docsSite(docsHost)}.render(t))

	roots := a.CA.IssuerPool()
	leafA, _ := waitServedCert(t, roots, a.HTTPSPort, issueTimeout)
	leafB, _ := waitServedCert(t, roots, b.HTTPSPort, issueTimeout)
	if !sameCert(leafA, leafB) {
		t.Fatalf("instances serve different certificates: %x vs %x", leafA.SerialNumber, leafB.SerialNumber)
	}
	if got := a.CA.Orders(); got != 1 {
		t.Fatalf("orders = %d, want 1 for two instances on one storage", got)
	}
	if !sameCert(storedLeaf(t, a, docsHost), leafA) {
		t.Fatal("the shared storage holds a different certificate than the one served")
	}
	hc := httpsClient(roots, true, true, nil)
	checkDocs(t, hc, a.siteURL())
	checkDocs(t, hc, b.siteURL())

	if n := len(caddyLog(t, first.LogFile, "certificate obtained successfully")); n != 1 {
		t.Fatalf("first instance obtained %d certificates, want 1", n)
	}
	if n := len(caddyLog(t, second.LogFile, "certificate obtained successfully")); n != 0 {
		t.Fatalf("second instance obtained %d certificates, want 0", n)
	}
	if len(caddyLog(t, second.LogFile, "certificate already exists in storage")) != 1 {
		t.Fatal("the second instance did not find the certificate in storage after waiting for the lock")
	}
	// The VA only ever talked to A; when B ordered, A answered from storage.
	served := caddyLog(t, a.LogFile, "served key authentication")
	if len(served) == 0 {
		t.Fatal("instance A never served the challenge")
	}
	for _, s := range served {
		if s["distributed"] != bFirst {
			t.Fatalf("A served the challenge with distributed=%v, want %v", s["distributed"], bFirst)
		}
	}
}
