package corpus

import "time"

// needsLoop reports whether any source has background work to do.
func (c *Corpus) needsLoop() bool {
	for _, s := range c.sources {
		if s.remote && c.opts.Refresh > 0 {
			return true
		}
		if !s.remote && (c.opts.Watch > 0 || c.opts.Reload > 0) {
			return true
		}
	}
	return false
}

// loop wakes up when the next source is due (or the watch interval passes)
// and refreshes what is due, until Close. A Reindex may move a source's due
// time earlier (a failure starts a short retry backoff), so it pokes the loop
// through c.wake to re-arm the timer.
func (c *Corpus) loop() {
	defer close(c.done)
	timer := time.NewTimer(c.nextWake(time.Now()))
	defer timer.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-c.wake:
		case <-timer.C:
			// Errors are recorded per source and logged by loadSource.
			_ = c.refresh(c.ctx, false)
		}
		// Since Go 1.23 Reset discards a pending fire, so no drain.
		timer.Reset(c.nextWake(time.Now()))
	}
}

// poke makes the loop recompute its sleep; it never blocks.
func (c *Corpus) poke() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// nextWake is how long to sleep before the next check: the watch interval
// when local sources are polled, else until the earliest due source.
func (c *Corpus) nextWake(now time.Time) time.Duration {
	wait := time.Duration(-1)
	consider := func(d time.Duration) {
		if d < time.Millisecond {
			d = time.Millisecond
		}
		if wait < 0 || d < wait {
			wait = d
		}
	}
	for _, s := range c.sources {
		s.mu.Lock()
		next := s.nextDue
		s.mu.Unlock()
		switch {
		case s.remote && c.opts.Refresh > 0:
			consider(next.Sub(now))
		case !s.remote:
			if c.opts.Watch > 0 {
				consider(c.opts.Watch)
			}
			if c.opts.Reload > 0 {
				consider(next.Sub(now))
			}
		}
	}
	if wait < 0 {
		wait = time.Hour // unreachable: loop only runs when needsLoop
	}
	return wait
}
