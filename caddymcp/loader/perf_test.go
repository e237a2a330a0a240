package loader

import (
	"strings"
	"testing"
	"time"
)

// TestNoQuadraticBlowup guards against inputs that made an earlier version
// quadratic (a long run of short lines took minutes in the TOC search): 8x
// the input must cost well under the 64x a quadratic parser needs. The
// margin is wide (24x) because the machines that run it are shared and
// noisy; a regression to quadratic still fails it by a factor of 2.6.
func TestNoQuadraticBlowup(t *testing.T) {
	inputs := map[string]string{
		"backticks":   "` a `` b ",
		"emphasis":    "*a _b ",
		"links":       "[a](",
		"comments":    "<!-- ",
		"short lines": "a\n",
		"repeated":    "Heading\n",
	}
	run := func(s string) time.Duration {
		best := time.Hour
		for range 5 {
			start := time.Now()
			markdownSections(s, mdContext{slug: Anchorize})
			splitPlainText(s, Anchorize)
			best = min(best, time.Since(start))
		}
		return best
	}
	for name, unit := range inputs {
		small, big := run(strings.Repeat(unit, 500)), run(strings.Repeat(unit, 4000))
		if big > 24*small+50*time.Millisecond {
			t.Errorf("%s: 500 units %v, 4000 units %v: superlinear", name, small, big)
		}
	}
}
