package corpus

import (
	"math/rand/v2"
	"time"
)

// defaultRetryInitial is the first retry delay of a failing remote source. A
// docs host that was briefly down when Caddy started should show up within
// seconds, not after a whole Refresh interval.
const defaultRetryInitial = 5 * time.Second

// retryDelay is how long to wait before retrying a remote source that has
// failed streak times in a row (streak >= 1): retryInitial, doubling per
// failure, capped at retryMax and never above Refresh (a failing source is
// never polled less often than a healthy one). Up to a tenth is taken off at
// random so that corpora failing on the same host do not retry in lockstep.
func (o *Options) retryDelay(streak uint64) time.Duration {
	limit := o.retryCap()
	d := o.retryInitial
	// Doubling stops at the limit, so no overflow whatever the streak.
	for i := uint64(1); i < streak && d < limit; i++ {
		d *= 2
	}
	d = min(d, limit)
	if j := int64(d / 10); j > 0 {
		d -= time.Duration(rand.Int64N(j + 1))
	}
	return d
}

// retryCap is the longest retry delay: Refresh, or retryMax when shorter.
func (o *Options) retryCap() time.Duration {
	if o.retryMax > 0 && o.retryMax < o.Refresh {
		return o.retryMax
	}
	return o.Refresh
}
