package caddymcp

import (
	"testing"
)

// TestMediaFastPaths: the exact Content-Type and Accept values answered
// without parsing get the parsers' answers, without allocating; other
// values still go through the parsers.
func TestMediaFastPaths(t *testing.T) {
	for _, ct := range []string{
		"application/json", "application/json; charset=utf-8", "application/json;charset=utf-8", "application/json; charset=UTF-8",
		"Application/JSON", "application/json; charset=latin1", "application/json;", "application/json ", "text/plain", "",
		"application/json; charset=utf-8; x=1", "application/jsonx", "application/json; charset=\"utf-8\"",
	} {
		if got, want := jsonContent(ct), parseJSONContent(ct); got != want {
			t.Errorf("jsonContent(%q) = %v, parser says %v", ct, got, want)
		}
	}
	for _, ct := range []string{"application/json", "application/json; charset=utf-8"} {
		if n := testing.AllocsPerRun(100, func() { _ = jsonContent(ct) }); n != 0 {
			t.Errorf("jsonContent(%q): %v allocations", ct, n)
		}
	}
	for _, a := range [][]string{
		{"application/json, text/event-stream"}, {"text/event-stream, application/json"}, {"application/json,text/event-stream"},
		{"text/event-stream,application/json"}, {"*/*"}, {"application/json"}, {"text/event-stream"}, nil, {},
		{"application/json", "text/event-stream"}, {"application/json;q=0, text/event-stream"}, {"text/*"}, {"application/*"},
		{"text/html"}, {""}, {"application/json; q=0"}, {"APPLICATION/JSON"}, {"text/event-stream;q=0.5"},
	} {
		gj, gs := accepts(a)
		wj, ws := parseAccepts(a)
		if gj != wj || gs != ws {
			t.Errorf("accepts(%q) = %v %v, parser says %v %v", a, gj, gs, wj, ws)
		}
	}
	both := []string{"application/json, text/event-stream"}
	if n := testing.AllocsPerRun(100, func() { _, _ = accepts(both) }); n != 0 {
		t.Errorf("accepts(%q): %v allocations", both, n)
	}
}
