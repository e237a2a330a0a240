package corpus

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// flaky is a docs host that answers 503 to its first fails requests (all of
// them when fails < 0), then serves body; it records when each request came.
type flaky struct {
	mu    sync.Mutex
	fails int
	body  []byte
	times []time.Time
	srv   *httptest.Server
}

func newFlaky(t *testing.T, fails int) *flaky {
	f := &flaky{fails: fails, body: indexJSON(7, "remote")}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.times = append(f.times, time.Now())
		fail := f.fails != 0
		if f.fails > 0 {
			f.fails--
		}
		f.mu.Unlock()
		if fail {
			http.Error(w, "docs host down", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(f.body)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *flaky) setFails(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fails = n
}

func (f *flaky) requests() []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Time(nil), f.times...)
}

// openFlaky opens a corpus over the flaky remote (first, so it wins shared
// IDs) and a local file with 2 pages, so Open succeeds while the remote is
// down. Refresh is an hour: any retry seen within a test is the backoff.
func openFlaky(t *testing.T, f *flaky, log *zap.Logger, mod func(*Options)) *Corpus {
	t.Helper()
	local := filepath.Join(t.TempDir(), "index.json")
	if err := os.WriteFile(local, indexJSON(2, "local"), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := Options{
		Specs:   []source.Spec{{Location: f.srv.URL + "/index.json"}, {Location: local}},
		Logger:  log,
		Refresh: time.Hour,
		Watch:   Off,
	}
	mod(&opts)
	c, err := Open(context.Background(), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func remoteStatus(c *Corpus) SourceStatus { return c.Status().Sources[0] }

// wait is what a status says the source will wait after its last attempt,
// measured from the end of that attempt (give or take the ms rounding of
// LastDurationMS).
func wait(ss SourceStatus) time.Duration {
	end := ss.LastAttempt.Add(time.Duration(ss.LastDurationMS * float64(time.Millisecond)))
	return ss.NextRefresh.Sub(end)
}

func TestRetryDelay(t *testing.T) {
	o := Options{Refresh: 10 * time.Minute}.withDefaults()
	if o.retryInitial != defaultRetryInitial {
		t.Fatalf("default retryInitial = %v", o.retryInitial)
	}
	nominal := []time.Duration{5, 10, 20, 40, 80, 160, 320, 600, 600}
	for i, n := range nominal {
		n *= time.Second
		for range 50 {
			if d := o.retryDelay(uint64(i + 1)); d > n || d < n-n/10 {
				t.Fatalf("streak %d: delay %v, want in [%v, %v]", i+1, d, n-n/10, n)
			}
		}
	}
	if d := o.retryDelay(1 << 40); d > o.Refresh || d < o.Refresh*9/10 {
		t.Errorf("long streak: %v", d)
	}
	o.retryMax = time.Minute
	if d := o.retryDelay(100); d > time.Minute || d < 54*time.Second {
		t.Errorf("retryMax: %v", d)
	}
	// A refresh shorter than the first retry wins: never slower than healthy.
	o = Options{Refresh: 20 * time.Millisecond}.withDefaults()
	if d := o.retryDelay(1); d > 20*time.Millisecond {
		t.Errorf("short refresh: %v", d)
	}
	// Jitter actually varies the delay.
	o = Options{Refresh: time.Hour}.withDefaults()
	seen := map[time.Duration]bool{}
	for range 20 {
		seen[o.retryDelay(3)] = true
	}
	if len(seen) < 2 {
		t.Errorf("no jitter: %v", seen)
	}
}

// TestBackoffRecovers: a host down at start (3 failures) is picked up after
// about 20+40+80 ms, not after the hour of Refresh, and the waits grow.
func TestBackoffRecovers(t *testing.T) {
	const initial = 20 * time.Millisecond
	f := newFlaky(t, 3)
	core, logs := observer.New(zapcore.InfoLevel)
	opened := time.Now()
	c := openFlaky(t, f, zap.New(core), func(o *Options) { o.retryInitial = initial })

	// On a loaded machine the loop may already have retried: whatever the
	// streak, next_refresh is its backoff after the last attempt.
	if ss := remoteStatus(c); ss.LastResult == ResultError {
		nominal := initial << (ss.ConsecutiveFailures - 1)
		if w := wait(ss); w < nominal*9/10 || w > nominal+time.Millisecond {
			t.Errorf("next_refresh is %v after failure %d, want ~%v", w, ss.ConsecutiveFailures, nominal)
		}
	}
	if e := logs.FilterMessageSnippet("unavailable at start").All(); len(e) != 1 {
		t.Errorf("start warnings: %v", e)
	} else {
		mustContain(t, e[0].ContextMap()["retry"].(string), "ms, then backing off up to 1h0m0s")
	}

	waitFor(t, "remote recovery", func() bool { return c.Index().Len() == 7 })
	took := time.Since(opened)
	times := f.requests()
	if len(times) != 4 {
		t.Fatalf("%d requests, want 3 failures and 1 success", len(times))
	}
	for i := 1; i < len(times); i++ {
		gap, min := times[i].Sub(times[i-1]), initial<<(i-1)*9/10
		t.Logf("retry %d after %v (backoff >= %v)", i, gap.Round(time.Millisecond), min)
		if gap < min {
			t.Errorf("retry %d came after %v, before its backoff %v", i, gap, min)
		}
	}
	t.Logf("recovered %v after Open (backoffs sum to %v)", took.Round(time.Millisecond), 7*initial)
	if took > 3*time.Second {
		t.Errorf("recovery took %v", took)
	}
	if n := logs.FilterMessageSnippet("refresh failed").FilterField(zap.Duration("retry_in", 0)).Len(); n != 0 {
		t.Errorf("%d failure logs with a zero retry_in", n)
	}
	if n := logs.FilterMessageSnippet("refresh failed").Len(); n != 2 {
		t.Errorf("%d background failure logs, want 2", n)
	}

	// A success resets: back to the Refresh interval...
	ss := remoteStatus(c)
	if ss.ConsecutiveFailures != 0 || ss.RetryInMS != 0 || ss.Failures != 3 || ss.LastError != "" {
		t.Errorf("after recovery: %+v", ss)
	}
	if got := ss.NextRefresh.Sub(ss.LastAttempt); got != time.Hour {
		t.Errorf("next_refresh %v after a success, want the 1h refresh", got)
	}
	// ...and the next failure starts the backoff from the beginning.
	f.setFails(1)
	st, err := c.Reindex(context.Background())
	if err == nil {
		t.Fatal("Reindex succeeded against a failing host")
	}
	ss = st.Sources[0]
	if w := wait(ss); ss.ConsecutiveFailures != 1 || w < initial*9/10 || w > initial+time.Millisecond {
		t.Errorf("after a new failure: streak %d, wait %v", ss.ConsecutiveFailures, w)
	}
	waitFor(t, "second recovery", func() bool { return remoteStatus(c).LastResult != ResultError })
	if got := f.requests(); len(got) != 6 {
		t.Errorf("%d requests, want 6", len(got))
	}
}

// TestBackoffStatus walks the backoff with Reindex (no waiting): each
// failure doubles next_refresh up to the cap, a success restores Refresh.
func TestBackoffStatus(t *testing.T) {
	f := newFlaky(t, -1)
	c := openFlaky(t, f, zap.NewNop(), func(o *Options) {
		o.retryInitial = 30 * time.Second
		o.retryMax = 100 * time.Second
	})
	for i, nominal := range []time.Duration{30, 60, 100, 100} {
		nominal *= time.Second
		if i > 0 {
			c.Reindex(context.Background())
		}
		ss := remoteStatus(c)
		w := wait(ss)
		if ss.ConsecutiveFailures != uint64(i+1) || w < nominal*9/10 || w > nominal+time.Millisecond {
			t.Errorf("failure %d: streak %d, next_refresh in %v, want ~%v", i+1, ss.ConsecutiveFailures, w, nominal)
		}
		if got := time.Duration(ss.RetryInMS * float64(time.Millisecond)); got < nominal*9/10 || got > nominal {
			t.Errorf("failure %d: retry_in_ms %v", i+1, got)
		}
	}
	b, _ := json.Marshal(c.Status())
	mustContain(t, string(b), `"consecutive_failures":4`)
	mustContain(t, string(b), `"retry_in_ms":`)

	f.setFails(0)
	st, err := c.Reindex(context.Background())
	ss := st.Sources[0]
	if err != nil || ss.ConsecutiveFailures != 0 || ss.RetryInMS != 0 || ss.NextRefresh.Sub(ss.LastAttempt) != time.Hour {
		t.Errorf("after success: %v %+v", err, ss)
	}
	if b, _ := json.Marshal(ss); strings.Contains(string(b), "consecutive_failures") {
		t.Errorf("healthy source shows consecutive_failures: %s", b)
	}

	// Refresh off: no background retry at all, as before.
	f.setFails(-1)
	c2 := openFlaky(t, f, zap.NewNop(), func(o *Options) { o.Refresh = Off })
	if ss := remoteStatus(c2); !ss.NextRefresh.IsZero() || ss.RetryInMS != 0 || ss.ConsecutiveFailures != 1 {
		t.Errorf("refresh off: %+v", ss)
	}
}

// TestCloseStopsRetries: Close ends a backing-off source's retries at once,
// whether a retry is imminent or an hour away, and leaks no goroutine.
func TestCloseStopsRetries(t *testing.T) {
	before := runtime.NumGoroutine()
	f := newFlaky(t, -1)
	c := openFlaky(t, f, zap.NewNop(), func(o *Options) {
		o.retryInitial = 2 * time.Millisecond
		o.retryMax = 10 * time.Millisecond
	})
	waitFor(t, "retries", func() bool { return len(f.requests()) >= 5 })
	c.Close()
	select {
	case <-c.done:
	default:
		t.Fatal("background loop still running after Close")
	}
	n := len(f.requests())
	time.Sleep(50 * time.Millisecond) // five capped backoffs
	if got := len(f.requests()); got != n {
		t.Errorf("%d retries after Close", got-n)
	}

	far := openFlaky(t, f, zap.NewNop(), func(o *Options) { o.retryInitial = time.Hour })
	start := time.Now()
	far.Close()
	if d := time.Since(start); d > time.Second {
		t.Errorf("Close with a retry pending took %v", d)
	}

	f.srv.CloseClientConnections()
	waitFor(t, "goroutines to exit", func() bool { return runtime.NumGoroutine() <= before+2 })
}
