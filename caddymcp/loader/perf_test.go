package loader

import (
	"strings"
	"testing"
	"time"
)

// TestNoQuadraticBlowup guards against inputs that made an earlier version
// quadratic (a long run of short lines took minutes in the TOC search): 4x
// the input must cost well under 16x the time.
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
		for range 3 {
			start := time.Now()
			markdownSections(s, mdContext{slug: Anchorize})
			splitPlainText(s, Anchorize)
			best = min(best, time.Since(start))
		}
		return best
	}
	for name, unit := range inputs {
		small, big := run(strings.Repeat(unit, 1000)), run(strings.Repeat(unit, 4000))
		if big > 10*small+50*time.Millisecond {
			t.Errorf("%s: 1000 units %v, 4000 units %v: superlinear", name, small, big)
		}
	}
}
