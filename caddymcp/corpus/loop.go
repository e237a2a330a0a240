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
// and refreshes what is due, until Close.
func (c *Corpus) loop() {
	defer close(c.done)
	timer := time.NewTimer(c.nextWake(time.Now()))
	defer timer.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-timer.C:
		}
		// Errors are recorded per source and logged by loadSource.
		_ = c.refresh(c.ctx, false)
		timer.Reset(c.nextWake(time.Now()))
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
