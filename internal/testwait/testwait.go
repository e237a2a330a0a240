// Package testwait holds the waiting and logging helpers that the
// multi-process test suites (internal/acmetest, internal/clustertest)
// share, so that both poll and report the same way.
package testwait

import (
	"strings"
	"testing"
	"time"
)

// Eventually polls cond every 25ms until it returns nil, and fails the
// test with cond's last error once timeout has passed. Every wait has a
// deadline so a regression fails instead of hanging the suite.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() error) {
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

// Tail returns the last n lines of s (a process log), for failure messages.
func Tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// LogRuntime records the test's wall time in its output as a
// "RUNTIME <name> <duration>" line, which CI logs are grepped for.
func LogRuntime(t testing.TB) {
	start := time.Now()
	t.Cleanup(func() { t.Logf("RUNTIME %s %v", t.Name(), time.Since(start).Round(time.Millisecond)) })
}
