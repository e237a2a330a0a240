package corpus

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/loader"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// Results of one source load, as reported in SourceStatus.LastResult.
const (
	ResultUpdated     = "updated"      // new pages were swapped in
	ResultUnchanged   = "unchanged"    // loaded, same pages as before
	ResultNotModified = "not_modified" // remote answered 304
	ResultError       = "error"        // failed; the last good pages stay
)

// sourceState is one source's loader with its last good pages and refresh
// history. Loads are serialized by Corpus.refreshing; mu guards the fields
// against concurrent Status readers. The loader owns the kind and change
// detection (fingerprint, validators, body hash); the state owns the
// schedule.
type sourceState struct {
	ld     loader.Loader
	remote bool

	mu          sync.Mutex
	pages       []source.Page // last good pages; empty only for a redirect/noindex remote page
	pagesHash   uint64        // hash of the last good pages (see hashPages)
	fp          uint64        // local: fingerprint at the last load
	pendingFP   uint64        // local: changed fingerprint waiting to settle
	hasPending  bool          // pendingFP is set
	lastAttempt time.Time
	lastSuccess time.Time
	lastChange  time.Time
	lastErr     string
	lastResult  string
	lastDur     time.Duration
	attempts    uint64
	failures    uint64
	updates     uint64        // loads that swapped in new pages
	failStreak  uint64        // failures since the last success
	retryWait   time.Duration // remote: backoff before nextDue; 0 when healthy
	nextDue     time.Time     // remote: next refresh or retry; local: next forced reload
}

func newSourceState(ld loader.Loader) *sourceState {
	return &sourceState{ld: ld, remote: ld.Remote()}
}

func (s *sourceState) snapshotPages() []source.Page {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pages
}

// retryIn is the backoff chosen after the last failed attempt (0 when the
// last attempt succeeded or refresh is off).
func (s *sourceState) retryIn() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.retryWait
}

func (s *sourceState) pageCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pages)
}

// fingerprint is the loader's change summary of a local source (0 for a
// remote one, or a local one that cannot be read).
func (s *sourceState) fingerprint() uint64 {
	if w, ok := s.ld.(loader.Watcher); ok {
		return w.Fingerprint()
	}
	return 0
}

// loadResult is the outcome of one load.
type loadResult struct {
	changed bool
	err     error
}

// due reports whether s should be loaded now by the background loop. A
// local change is loaded once the fingerprint has stayed the same for one
// watch interval, so a site generator rewriting hundreds of files causes one
// load of the finished tree rather than several of half-written ones.
func (c *Corpus) due(s *sourceState, now time.Time) bool {
	s.mu.Lock()
	next, fp, pending, hasPending := s.nextDue, s.fp, s.pendingFP, s.hasPending
	s.mu.Unlock()
	if s.remote {
		return c.opts.Refresh > 0 && !now.Before(next)
	}
	if c.opts.Reload > 0 && !now.Before(next) {
		return true
	}
	if c.opts.Watch <= 0 {
		return false
	}
	// A vanished path fingerprints as 0: a change (reported as an error
	// while the last pages stay), loaded once.
	cur := s.fingerprint()
	if cur == fp || hasPending && cur == pending {
		if cur == fp && hasPending {
			s.mu.Lock()
			s.hasPending = false
			s.mu.Unlock()
		}
		return cur != fp
	}
	s.mu.Lock()
	s.pendingFP, s.hasPending = cur, true
	s.mu.Unlock()
	return false
}

// load runs the loader; a panic on a hostile document is an error of this
// source, not the end of the server.
func load(ctx context.Context, ld loader.Loader) (res loader.Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			res, err = loader.Result{}, fmt.Errorf("source %s: internal error: %v", ld.Name(), r)
		}
	}()
	return ld.Load(ctx)
}

// loadSource loads one source and, when it succeeded with different pages,
// swaps them into the state. Any failure keeps the last good pages.
func (c *Corpus) loadSource(ctx context.Context, s *sourceState, initial bool) loadResult {
	start := time.Now()
	// Fingerprint before reading: a change during the read then shows up
	// as a new fingerprint on the next poll instead of being lost.
	fp := s.fingerprint()
	res, err := load(ctx, s.ld)
	if err == nil && res.Pages == nil && !res.Unchanged {
		err = fmt.Errorf("source %s: no pages", s.ld.Name())
	}
	var pagesHash uint64
	if err == nil && res.Pages != nil {
		// Identical pages from a different body (a regenerated file, a
		// touched one) must not cost a rebuild.
		pagesHash = hashPages(res.Pages)
	}
	dur := time.Since(start)
	changed := false
	result := ""

	s.mu.Lock()
	s.attempts++
	s.lastAttempt = start
	s.lastDur = dur
	if !s.remote {
		// Remember the fingerprint even on failure: a broken file is
		// retried when it changes again, not on every poll.
		s.fp, s.hasPending = fp, false
		if c.opts.Reload > 0 {
			s.nextDue = start.Add(c.opts.Reload)
		}
	}
	if err != nil {
		s.failStreak++
	} else {
		s.failStreak = 0
	}
	if s.remote && c.opts.Refresh > 0 {
		// A failing remote is retried soon and then less and less often;
		// any success returns it to the Refresh interval.
		s.retryWait = 0
		s.nextDue = start.Add(c.opts.Refresh)
		if err != nil {
			s.retryWait = c.opts.retryDelay(s.failStreak)
			// From the end of the attempt: a fetch that ran into
			// RequestTimeout must not be retried at once.
			s.nextDue = start.Add(dur + s.retryWait)
		}
	}
	retry := s.retryWait
	switch {
	case err != nil:
		s.failures++
		s.lastErr = err.Error()
		result = ResultError
	case res.NotModified:
		s.lastErr = ""
		s.lastSuccess = start
		result = ResultNotModified
	case res.Unchanged || s.pages != nil && pagesHash == s.pagesHash:
		s.lastErr = ""
		s.lastSuccess = start
		result = ResultUnchanged
	default:
		s.pages, s.pagesHash = res.Pages, pagesHash
		s.lastErr = ""
		s.lastSuccess = start
		s.lastChange = start
		s.updates++
		result = ResultUpdated
		changed = true
	}
	s.lastResult = result
	n := len(s.pages)
	s.mu.Unlock()

	fields := []zap.Field{
		zap.String("corpus", c.opts.Name),
		zap.String("source", s.ld.Name()),
		zap.Int("pages", n),
		zap.Duration("duration", dur),
		zap.String("result", result),
	}
	switch {
	case err != nil && initial:
		// Open decides whether this is fatal and logs accordingly.
		c.log.Debug("docs source load failed", append(fields, zap.Error(err))...)
	case err != nil && n > 0:
		c.log.Warn("docs source refresh failed; keeping the last good pages", append(fields, zap.Error(err), retryField(retry))...)
	case err != nil:
		c.log.Error("docs source refresh failed; source has no pages", append(fields, zap.Error(err), retryField(retry))...)
	case res.Pages != nil && len(res.Pages) == 0:
		c.log.Info("docs source page is a redirect or noindex; it has no pages", fields...)
	default:
		c.log.Info("docs source refreshed", fields...)
	}
	return loadResult{changed: changed, err: err}
}

// retryField tells the operator when a failed remote is tried again; it is
// omitted for sources without a retry (local ones, or refresh off).
func retryField(d time.Duration) zap.Field {
	if d <= 0 {
		return zap.Skip()
	}
	return zap.Duration("retry_in", d)
}
