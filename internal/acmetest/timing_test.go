package acmetest

import (
	"slices"
	"testing"
	"time"

	"github.com/caddy-mcp/caddy-mcp/internal/pebble"
)

// TestIssuanceTime measures, over several fresh starts, the time from
// caddy.Load's return to the first verified TLS handshake with the issued
// certificate (what a user waits for), and the ACME part alone (Caddy's
// "obtaining certificate" to "certificate obtained successfully" log
// timestamps). It reports the medians and fails if the median exceeds a
// bound far above normal (a sign of a hidden sleep or retry).
func TestIssuanceTime(t *testing.T) {
	logRuntime(t)
	const runs = 5
	var load, serve, acme []time.Duration
	for i := range runs {
		e := newEnv(t, pebble.Options{})
		begin := startCaddy(t, caddyfileData{env: e, Sites: docsSite(docsHost)}.render(t))
		start := time.Now() // Load returned: listeners up, certificate management running
		load = append(load, start.Sub(begin))
		roots := e.CA.IssuerPool()
		deadline := start.Add(issueTimeout)
		for {
			if _, err := handshake(roots, e.HTTPSPort, docsHost); err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("run %d: no certificate within %v", i, issueTimeout)
			}
			time.Sleep(5 * time.Millisecond)
		}
		serve = append(serve, time.Since(start))
		began := waitLog(t, e.LogFile, "obtaining certificate", 1, time.Second)
		done := waitLog(t, e.LogFile, "certificate obtained successfully", 1, time.Second)
		acme = append(acme, logTS(done[0]).Sub(logTS(began[0])))
		stopCaddy()
	}
	ms, ma := median(serve), median(acme)
	t.Logf("ISSUANCE caddy.Load (includes building the docs index): median %v, all %v", median(load), load)
	t.Logf("ISSUANCE Load returned->verified handshake: median %v, all %v", ms, serve)
	t.Logf("ISSUANCE ACME obtain (log): median %v, all %v", ma, acme)
	if ms > 10*time.Second {
		t.Fatalf("median issuance %v: far slower than expected (~1s)", ms)
	}
}

// logTS is the time of a Caddy JSON log entry (ts: float Unix seconds).
func logTS(entry map[string]any) time.Time {
	ts, _ := entry["ts"].(float64)
	return time.Unix(0, int64(ts*float64(time.Second)))
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2].Round(time.Millisecond)
}
