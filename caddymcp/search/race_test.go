//go:build race

package search

// raceEnabled: the race detector slows map-heavy and slice-heavy code by
// different factors, so cost ratios measured under it are not the
// engine's own; the timing guards run without -race (see .ci/run).
const raceEnabled = true
