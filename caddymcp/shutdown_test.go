package caddymcp

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	caddycmd "github.com/caddyserver/caddy/v2/cmd"
)

// TestMain doubles as a Caddy binary: with CADDYMCP_TEST_CADDY set, the
// test executable runs `caddy run` on that config. The shutdown test needs
// a real process: only an exiting Caddy waits for its servers to drain,
// which is where open streams used to hang it.
func TestMain(m *testing.M) {
	if cfg := os.Getenv("CADDYMCP_TEST_CADDY"); cfg != "" {
		os.Args = []string{"caddy", "run", "--config", cfg, "--adapter", "caddyfile"}
		caddycmd.Main()
		return
	}
	os.Exit(m.Run())
}

// TestShutdownWithOpenStreams proves pitfall 3: with a legacy SSE stream
// and a streamable GET stream open, `caddy stop` (admin API) and SIGTERM
// make Caddy exit in well under a second. Without the shutdown hook, the
// unlimited default grace period waits for the streams forever.
func TestShutdownWithOpenStreams(t *testing.T) {
	for _, how := range []string{"SIGTERM", "admin-stop"} {
		t.Run(how, func(t *testing.T) {
			s := newSiteDir(t)
			s.port = freePort(t)
			adminPort := freePort(t)
			cfg := s.caddyfile(false, "mcp {\n\t\tsource "+s.index+"\n\t}", "")
			cfg = strings.Replace(cfg, "admin off", fmt.Sprintf("admin 127.0.0.1:%d", adminPort), 1)
			path := filepath.Join(t.TempDir(), "Caddyfile")
			if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
				t.Fatal(err)
			}

			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "CADDYMCP_TEST_CADDY="+path,
				"XDG_DATA_HOME="+t.TempDir(), "XDG_CONFIG_HOME="+t.TempDir(),
				// Under -race the runtime sleeps 1s at exit by default.
				"GORACE=atexit_sleep_ms=0")
			logs := new(syncBuffer)
			cmd.Stdout, cmd.Stderr = logs, logs
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan struct{}) // closed when the process is gone
			var waitErr error
			go func() { waitErr = cmd.Wait(); close(exited) }()
			t.Cleanup(func() {
				_ = cmd.Process.Kill()
				<-exited
			})

			hc := s.httpClient(t)
			waitServing(t, hc, s.base+"/hello.txt", exited, logs)

			// Open one stream of each kind and see their first bytes.
			_, sseBody, _ := rawGet(t, s, "/sse", nil)
			if line, err := sseBody.ReadString('\n'); err != nil || line != "event: endpoint\n" {
				t.Fatalf("SSE stream: %q %v", line, err)
			}
			resp, _ := post(t, hc, s.base+"/mcp", initBody, nil)
			id := resp.Header.Get("Mcp-Session-Id")
			head, getBody, _ := rawGet(t, s, "/mcp", map[string]string{"Mcp-Session-Id": id, "MCP-Protocol-Version": "2025-06-18"})
			if !strings.HasPrefix(head, "HTTP/1.1 200") {
				t.Fatalf("streamable GET: %q", head)
			}

			start := time.Now()
			switch how {
			case "SIGTERM":
				if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
					t.Fatal(err)
				}
			default:
				resp, err := http.Post(fmt.Sprintf("http://127.0.0.1:%d/stop", adminPort), "", nil)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
			}
			select {
			case <-exited:
			case <-time.After(10 * time.Second):
				t.Fatalf("Caddy still running 10s after %s with open streams\n%s", how, logs.String())
			}
			took := time.Since(start)
			t.Logf("exit status: %v", waitErr)
			t.Logf("%s with open SSE and streamable GET streams: exit after %v", how, took)
			if took > time.Second {
				t.Errorf("exit took %v, want < 1s\n%s", took, logs.String())
			}
			// Both streams ended.
			for name, r := range map[string]io.Reader{"sse": sseBody, "streamable": getBody} {
				if _, err := io.Copy(io.Discard, r); err != nil && !strings.Contains(err.Error(), "EOF") &&
					!strings.Contains(err.Error(), "reset") {
					t.Errorf("%s stream: %v", name, err)
				}
			}
		})
	}
}

// waitServing polls url until it answers 200.
func waitServing(t *testing.T, hc *http.Client, url string, exited chan struct{}, logs *syncBuffer) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-exited:
			t.Fatalf("caddy exited early\n%s", logs.String())
		default:
		}
		resp, err := hc.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("not serving: %v\n%s", err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// syncBuffer is a bytes.Buffer safe for the exec copier and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
