package corpus

import (
	"time"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/loader"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// Status is a corpus's state as shown by the admin API.
type Status struct {
	// Name is the corpus name (Options.Name).
	Name string `json:"name"`
	// Labels are the other names it is known by (see AddLabel): the server
	// names of the sites it serves. ?corpus= in the admin API takes either.
	Labels []string `json:"labels,omitempty"`
	// Pages is the number of pages in the current index.
	Pages int `json:"pages"`
	// IndexedAt is when the current index was built.
	IndexedAt time.Time `json:"indexed_at"`
	// BuildDurationMS is how long the current index took to build.
	BuildDurationMS float64 `json:"build_duration_ms"`
	// Builds counts index builds since the corpus was opened.
	Builds uint64 `json:"builds"`
	// OpenedAt is when the corpus was opened.
	OpenedAt time.Time `json:"opened_at"`
	// Refresh, Watch and Reload are the effective intervals ("off" when
	// disabled).
	Refresh string `json:"refresh"`
	Watch   string `json:"watch"`
	Reload  string `json:"reload"`
	// Sources are the per-source states, in priority order.
	Sources []SourceStatus `json:"sources"`
}

// SourceStatus is one source's state.
type SourceStatus struct {
	// Location is the source's public location (source.PublicLocation):
	// a local file or directory by its base name only, a URL without user
	// info, query or fragment.
	Location string `json:"location"`
	// Kind is how the source is read (the loader's kind, also when the
	// configuration left it to be inferred).
	Kind string `json:"kind,omitempty"`
	// Remote is true for http(s) sources.
	Remote bool `json:"remote"`
	// Pages is the number of last good pages of this source (before
	// de-duplication across sources).
	Pages int `json:"pages"`
	// LastAttempt, LastSuccess and LastChange are when the source was last
	// loaded, last loaded without error, and last had new pages.
	LastAttempt time.Time `json:"last_attempt,omitzero"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	LastChange  time.Time `json:"last_change,omitzero"`
	// LastResult is one of updated, unchanged, not_modified, error.
	LastResult string `json:"last_result,omitempty"`
	// LastError is the error of the last attempt ("" when it succeeded).
	// It names the source by its public name; a remote's HTTP error is its
	// status code only.
	LastError string `json:"last_error,omitempty"`
	// LastDurationMS is how long the last attempt took.
	LastDurationMS float64 `json:"last_duration_ms"`
	// ETag and LastModified are the validators sent on the next refresh.
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	// NextRefresh is when the source is due next (remote refresh, remote
	// retry after a failure, or local forced reload); zero when only the
	// watcher or nothing triggers it.
	NextRefresh time.Time `json:"next_refresh,omitzero"`
	// Attempts and Failures count loads since Open.
	Attempts uint64 `json:"attempts"`
	Failures uint64 `json:"failures"`
	// Updates counts the loads that brought new pages (the first
	// successful one included); Attempts - Failures - Updates loaded the
	// same pages again or were answered 304.
	Updates uint64 `json:"updates"`
	// ConsecutiveFailures counts failures since the last success; a remote
	// source with some is retried with a growing delay (RetryInMS) that a
	// success resets to the Refresh interval.
	ConsecutiveFailures uint64 `json:"consecutive_failures,omitempty"`
	// RetryInMS is the backoff chosen after the last failed attempt of a
	// remote source (0 when it is healthy or refresh is off).
	RetryInMS float64 `json:"retry_in_ms,omitempty"`
}

// Status returns a consistent-enough view of the corpus for monitoring:
// each source is read under its own lock.
func (c *Corpus) Status() Status {
	snap := c.cur.Load()
	st := Status{
		Name:            c.opts.Name,
		Labels:          c.Labels(),
		Pages:           snap.ix.Len(),
		IndexedAt:       snap.at,
		BuildDurationMS: ms(snap.buildDur),
		Builds:          c.builds.Load(),
		OpenedAt:        c.openedAt,
		Refresh:         interval(c.opts.Refresh),
		Watch:           interval(c.opts.Watch),
		Reload:          interval(c.opts.Reload),
		Sources:         make([]SourceStatus, 0, len(c.sources)),
	}
	for _, s := range c.sources {
		etag, lastMod := "", ""
		if v, ok := s.ld.(loader.Validators); ok {
			etag, lastMod = v.Validators()
		}
		s.mu.Lock()
		ss := SourceStatus{
			Location:       source.PublicLocation(s.ld.Spec().Location),
			Kind:           string(s.ld.Kind()),
			Remote:         s.remote,
			Pages:          len(s.pages),
			LastAttempt:    s.lastAttempt,
			LastSuccess:    s.lastSuccess,
			LastChange:     s.lastChange,
			LastResult:     s.lastResult,
			LastError:      s.lastErr,
			LastDurationMS: ms(s.lastDur),
			ETag:           etag,
			LastModified:   lastMod,
			NextRefresh:    s.nextDue,
			Attempts:       s.attempts,
			Failures:       s.failures,
			Updates:        s.updates,

			ConsecutiveFailures: s.failStreak,
			RetryInMS:           ms(s.retryWait),
		}
		s.mu.Unlock()
		st.Sources = append(st.Sources, ss)
	}
	return st
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func interval(d time.Duration) string {
	if d <= 0 {
		return "off"
	}
	return d.String()
}
