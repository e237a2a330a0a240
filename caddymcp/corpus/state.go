package corpus

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// Results of one source load, as reported in SourceStatus.LastResult.
const (
	ResultUpdated     = "updated"      // new pages were swapped in
	ResultUnchanged   = "unchanged"    // loaded, same pages as before
	ResultNotModified = "not_modified" // remote answered 304
	ResultError       = "error"        // failed; the last good pages stay
)

// sourceState is one source with its last good pages and refresh history.
// Loads are serialized by Corpus.refreshMu; mu guards the fields against
// concurrent Status readers.
type sourceState struct {
	spec   source.Spec
	remote bool

	mu           sync.Mutex
	pages        []source.Page // last good pages; empty only for a redirect/noindex remote page
	bodyHash     uint64        // remote: hash of the last good response body
	pagesHash    uint64        // hash of the last good pages (see hashPages)
	fp           uint64        // local: stat fingerprint at the last load
	pendingFP    uint64        // local: changed fingerprint waiting to settle
	hasPending   bool          // pendingFP is set
	etag         string        // remote validators of the last good response
	lastModified string
	lastAttempt  time.Time
	lastSuccess  time.Time
	lastChange   time.Time
	lastErr      string
	lastResult   string
	lastDur      time.Duration
	attempts     uint64
	failures     uint64
	updates      uint64        // loads that swapped in new pages
	failStreak   uint64        // failures since the last success
	retryWait    time.Duration // remote: backoff before nextDue; 0 when healthy
	nextDue      time.Time     // remote: next refresh or retry; local: next forced reload
}

func newSourceState(spec source.Spec) *sourceState {
	return &sourceState{spec: spec, remote: source.IsRemote(spec.Location)}
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
	cur, _ := fingerprint(s.spec.Location)
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

// loadSource loads one source and, when it succeeded with different pages,
// swaps them into the state. Any failure keeps the last good pages.
func (c *Corpus) loadSource(ctx context.Context, s *sourceState, initial bool) loadResult {
	start := time.Now()
	var (
		pages    []source.Page
		bodyHash uint64
		fp       uint64
		val      validators
		result   string
		err      error
		changed  bool
	)
	if s.remote {
		pages, bodyHash, val, result, err = c.fetchRemote(ctx, s)
	} else {
		// Fingerprint before reading: a change during the read then shows
		// up as a new fingerprint on the next poll instead of being lost.
		fp, _ = fingerprint(s.spec.Location)
		pages, err = source.LoadSpec(ctx, s.spec)
		if err == nil && len(pages) == 0 {
			err = fmt.Errorf("source %s: no pages", s.spec)
		}
	}
	var pagesHash uint64
	if err == nil && pages != nil {
		// Identical pages from a different body (a regenerated file, a
		// touched one) must not cost a rebuild.
		pagesHash = hashPages(pages)
	}
	dur := time.Since(start)

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
	case result == ResultNotModified:
		s.lastErr = ""
		s.lastSuccess = start
	case result == ResultUnchanged || s.pages != nil && pagesHash == s.pagesHash:
		s.lastErr = ""
		s.lastSuccess = start
		result = ResultUnchanged
		s.bodyHash = bodyHash
		s.etag, s.lastModified = val.etag, val.lastModified
	default:
		for i := range pages {
			pages[i].Source = s.spec.String()
		}
		s.pages, s.pagesHash, s.bodyHash = pages, pagesHash, bodyHash
		s.etag, s.lastModified = val.etag, val.lastModified
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
		zap.String("source", s.spec.String()),
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
