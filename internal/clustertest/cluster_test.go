package clustertest

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// backendNames are the instance tags of the example configuration.
var backendNames = []string{"b1", "b2", "b3"}

// cluster is an edge and three backends started from the shipped
// examples/cluster Caddyfiles, on loopback ports.
type cluster struct {
	t        testing.TB
	base     string // https://127.0.0.1:<port> of the edge
	rootFile string // the edge's local CA root (PEM), for clients
	roots    *x509.CertPool
	backends []*proc
	ports    []int
}

func repoFile(parts ...string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(append([]string{filepath.Dir(file), "..", ".."}, parts...)...)
}

// example reads a shipped Caddyfile and adds the global options a test
// needs (no system trust store changes, loopback only, a JSON log).
func example(t testing.TB, name, logFile string, extra ...string) string {
	t.Helper()
	b, err := os.ReadFile(repoFile("examples", "cluster", name))
	if err != nil {
		t.Fatal(err)
	}
	opts := append([]string{"persist_config off", "skip_install_trust", "default_bind 127.0.0.1",
		"log {\n\t\toutput file " + logFile + "\n\t\tformat json\n\t}"}, extra...)
	text := string(b)
	i := strings.Index(text, "\n{\n")
	if i < 0 {
		t.Fatalf("%s has no global options block", name)
	}
	return text[:i+3] + "\t" + strings.Join(opts, "\n\t") + "\n" + text[i+3:]
}

// clusterOpts shape a cluster for benchmarks; the zero value is the
// shipped example: three backends, no CPU pinning.
type clusterOpts struct {
	backends    int    // how many (1 to 3)
	edgeCPUs    string // taskset CPU lists, "" for any
	backendCPUs string
}

// startCluster starts three backends sharing one storage, then the edge.
func startCluster(t testing.TB) *cluster { return startClusterWith(t, clusterOpts{}) }

func startClusterWith(t testing.TB, o clusterOpts) *cluster {
	t.Helper()
	if o.backends == 0 {
		o.backends = len(backendNames)
	}
	dir := t.TempDir()
	c := &cluster{t: t}
	shared := filepath.Join(dir, "shared-storage")
	var addrs []string
	for _, name := range backendNames[:o.backends] {
		port := freePort(t)
		c.ports = append(c.ports, port)
		addrs = append(addrs, fmt.Sprintf("127.0.0.1:%d", port))
		cfg := example(t, "Caddyfile.backend", filepath.Join(dir, name+".log"))
		c.backends = append(c.backends, newPinnedProc(t, name, o.backendCPUs, cfg,
			"MCP_ADMIN=off", "MCP_INSTANCE="+name, "MCP_STORAGE="+shared,
			"MCP_DOCS="+repoFile("testdata", "hugo", "index.json"), fmt.Sprint("MCP_PORT=", port)))
	}
	for _, p := range c.ports {
		waitListening(t, p)
	}
	edgePort, edgeHTTP := freePort(t), freePort(t)
	edgeStorage := filepath.Join(dir, "edge-storage")
	cfg := example(t, "Caddyfile.edge", filepath.Join(dir, "edge.log"),
		fmt.Sprint("https_port ", edgePort), fmt.Sprint("http_port ", edgeHTTP),
		"storage file_system "+edgeStorage)
	for len(addrs) < len(backendNames) {
		addrs = append(addrs, addrs[0]) // fewer backends: repeat the first
	}
	newPinnedProc(t, "edge", o.edgeCPUs, cfg, "MCP_ADMIN=off", fmt.Sprintf("MCP_SITE=127.0.0.1:%d", edgePort),
		"MCP_B1="+addrs[0], "MCP_B2="+addrs[1], "MCP_B3="+addrs[2])
	c.base = fmt.Sprintf("https://127.0.0.1:%d", edgePort)
	c.rootFile = filepath.Join(edgeStorage, "pki", "authorities", "local", "root.crt")
	eventually(t, 30*time.Second, "the edge's local CA root", func() error {
		pem, err := os.ReadFile(c.rootFile)
		if err != nil {
			return err
		}
		c.roots = x509.NewCertPool()
		if !c.roots.AppendCertsFromPEM(pem) {
			return fmt.Errorf("no certificate in %s", c.rootFile)
		}
		return nil
	})
	// Ready when the edge answers over TLS and every backend is healthy.
	eventually(t, 30*time.Second, "every backend answering through the edge", func() error {
		seen := map[string]bool{}
		for range 6 {
			resp, err := c.httpClient(nil).Get(c.base + "/llms.txt")
			if err != nil {
				return err
			}
			resp.Body.Close()
			seen[resp.Header.Get("X-Backend")] = true
		}
		if len(seen) != o.backends {
			return fmt.Errorf("backends seen: %v", seen)
		}
		return nil
	})
	return c
}

// httpClient trusts the edge's CA and records which backend answered each
// request (the X-Backend header the backends set) in log, if non-nil.
func (c *cluster) httpClient(log *backendLog) *http.Client {
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: c.roots}, ForceAttemptHTTP2: true}
	if log == nil {
		return &http.Client{Transport: tr, Timeout: 10 * time.Second}
	}
	return &http.Client{Transport: &recorder{next: tr, log: log}}
}

// kill stops backend i abruptly (SIGKILL: no graceful shutdown).
func (c *cluster) kill(i int) { c.backends[i].stop(syscall.SIGKILL) }

// restart stops backend i gracefully, starts it again on the same port and
// waits until the edge's health check sees it again.
func (c *cluster) restart(i int) {
	c.t.Helper()
	c.backends[i].stop(syscall.SIGTERM)
	c.backends[i].start()
	waitListening(c.t, c.ports[i])
}
