package clustertest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// caddyBin is ./cmd/caddy, built once for the whole package by TestMain.
var caddyBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "clustertest-caddy-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	caddyBin = filepath.Join(dir, "caddy")
	_, file, _, _ := runtime.Caller(0)
	cmd := exec.Command("go", "build", "-o", caddyBin, "./cmd/caddy")
	cmd.Dir = filepath.Join(filepath.Dir(file), "..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build ./cmd/caddy: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
