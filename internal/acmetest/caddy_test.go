package acmetest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"

	"github.com/caddy-mcp/caddy-mcp/internal/pebble"
	"github.com/caddy-mcp/caddy-mcp/internal/testwait"
)

// docsHost is the site name every scenario uses; the mock DNS resolves
// every name to 127.0.0.1 for Pebble's VA.
const docsHost = "docs.example.com"

// env is one scenario's world: a Pebble CA whose VA dials this env's
// ports, a storage directory and a log file.
type env struct {
	t                   *testing.T
	CA                  *pebble.CA
	HTTPPort, HTTPSPort int
	Storage, LogFile    string
}

// newEnv allocates ports and storage and builds a CA (serving unless
// opts.StartLater) that validates challenges against those ports.
func newEnv(t *testing.T, opts pebble.Options) *env {
	t.Helper()
	e := &env{t: t, HTTPPort: freePort(t), HTTPSPort: freePort(t)}
	dir := t.TempDir()
	e.Storage = filepath.Join(dir, "storage")
	e.LogFile = filepath.Join(dir, "caddy.log")
	opts.HTTPPort, opts.TLSPort = e.HTTPPort, e.HTTPSPort
	ca, err := pebble.New(opts)
	if err != nil {
		t.Fatalf("starting Pebble: %v", err)
	}
	e.CA = ca
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("--- Pebble log ---\n%s", tail(ca.Log(), 40))
			if b, err := os.ReadFile(e.LogFile); err == nil {
				t.Logf("--- Caddy log ---\n%s", tail(string(b), 40))
			}
		}
		ca.Close()
	})
	return e
}

func freePort(t *testing.T) int {
	t.Helper()
	p, err := pebble.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// caddyfileData fills caddyfileTmpl.
type caddyfileData struct {
	*env
	RenewInterval string // renew_interval global option, if set
	Issuer        string // body of `cert_issuer acme { ... }`, if set
	Global        string // extra global options
	Sites         string // site blocks
}

var caddyfileTmpl = template.Must(template.New("Caddyfile").Parse(`{
	admin off
	persist_config off
	default_bind 127.0.0.1
	http_port {{.HTTPPort}}
	https_port {{.HTTPSPort}}
	storage file_system {{.Storage}}
	acme_ca {{.CA.DirectoryURL}}
	acme_ca_root {{.CA.ServerRootFile}}
	email ops@docs.example.com
{{- if .RenewInterval}}
	renew_interval {{.RenewInterval}}
{{- end}}
{{- if .Issuer}}
	cert_issuer acme {
		{{.Issuer}}
	}
{{- end}}
	{{.Global}}
	servers {
		protocols h1 h2
	}
	log {
		output file {{.LogFile}}
		format json
		level INFO
	}
}

{{.Sites}}
`))

// render returns the Caddyfile text.
func (d caddyfileData) render(t *testing.T) string {
	t.Helper()
	var b bytes.Buffer
	if err := caddyfileTmpl.Execute(&b, d); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// adapt turns a Caddyfile into JSON config, failing on adapter warnings.
func adapt(t *testing.T, caddyfile string) []byte {
	t.Helper()
	cfg, warns, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(caddyfile), nil)
	if err != nil {
		t.Fatalf("adapting Caddyfile: %v\n%s", err, caddyfile)
	}
	for _, w := range warns {
		if strings.Contains(w.Message, "not formatted") {
			continue // the template's whitespace, not a config problem
		}
		t.Logf("Caddyfile warning: %s", w.String())
	}
	return cfg
}

// startCaddy loads the config into the process-global Caddy and stops it
// at cleanup. It returns when caddy.Load returned, i.e. listeners are up
// and certificate management runs in the background.
func startCaddy(t *testing.T, caddyfile string) time.Time {
	t.Helper()
	cfg := adapt(t, caddyfile)
	start := time.Now()
	if err := caddy.Load(cfg, true); err != nil {
		t.Fatalf("caddy.Load: %v\n%s", err, caddyfile)
	}
	t.Cleanup(stopCaddy)
	return start
}

// stopCaddy stops the running config; safe to call twice.
func stopCaddy() { _ = caddy.Stop() }

// caddyLog returns Caddy's JSON log entries whose message contains msg.
func caddyLog(t *testing.T, file, msg string) []map[string]any {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var entry map[string]any
		if json.Unmarshal(sc.Bytes(), &entry) != nil {
			continue
		}
		if m, _ := entry["msg"].(string); strings.Contains(m, msg) {
			out = append(out, entry)
		}
	}
	return out
}

// waitLog waits until Caddy's log holds at least n entries containing msg
// and returns them. Caddy's events are not used for this: any event
// subscriber makes caddyevents.Emit read the *TLS app struct (origin
// module info) while TLS.Start may still be writing it, a data race inside
// Caddy that -race reports (seen with a subscription made in a module's
// Provision, not only with the global `events` option).
func waitLog(t *testing.T, file, msg string, n int, timeout time.Duration) []map[string]any {
	t.Helper()
	var got []map[string]any
	eventually(t, timeout, fmt.Sprintf("%d log entries %q", n, msg), func() error {
		got = caddyLog(t, file, msg)
		if len(got) < n {
			return fmt.Errorf("have %d", len(got))
		}
		return nil
	})
	return got
}

// The waiting helpers are shared with the other multi-process suite.
var (
	eventually = testwait.Eventually
	tail       = testwait.Tail
	logRuntime = testwait.LogRuntime
)
