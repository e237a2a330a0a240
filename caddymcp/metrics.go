package caddymcp

import (
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/corpus"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/search"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// Reasons a request is refused before it reaches mcp-go, the values of
// caddy_mcp_rejected_total's reason label. Code that refuses a request
// calls h.reject with one of these; the set is fixed so the label stays
// bounded.
const (
	RejectOrigin       = "origin"
	RejectBodySize     = "body_size"
	RejectSessionLimit = "session_limit"
	RejectQueueFull    = "queue_full"
	RejectBadRequest   = "bad_request"
)

var rejectReasons = []string{RejectOrigin, RejectBodySize, RejectSessionLimit, RejectQueueFull, RejectBadRequest}

// Outcomes of a tool call (caddy_mcp_tool_calls_total's outcome label).
const (
	outcomeOK        = "ok"         // answered
	outcomeToolError = "tool_error" // answered with isError (bad arguments, not found, ...)
	outcomeError     = "error"      // the handler failed: JSON-RPC error
)

// metrics are this module's Prometheus collectors in one config's
// registry. Caddy gives every config load a fresh registry, and every
// handler of that config registers the same families: the first one
// registers, the others find it (prometheus.AlreadyRegisteredError) and
// share it, each writing under its own `server` label.
type metrics struct {
	toolCalls     *prometheus.CounterVec
	toolDuration  *prometheus.HistogramVec
	sessionsOpen  *prometheus.GaugeVec
	sessionsTotal *prometheus.CounterVec
	rejected      *prometheus.CounterVec
	zeroResults   *prometheus.CounterVec

	// Read from the corpus when scraped, so they are never stale and cost
	// nothing per request.
	indexPages, indexSections, refreshes, lastSuccess *prometheus.Desc

	mu       sync.Mutex
	handlers []*Handler // live handlers of this config, for the scraped families
	sections sectionCount
}

const ns, sub = "caddy", "mcp"

func newMetrics() *metrics {
	server := []string{"server"}
	opts := func(name, help string) prometheus.Opts {
		return prometheus.Opts{Namespace: ns, Subsystem: sub, Name: name, Help: help}
	}
	desc := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(ns, sub, name), help, append(server, labels...), nil)
	}
	return &metrics{
		toolCalls: prometheus.NewCounterVec(prometheus.CounterOpts(opts("tool_calls_total",
			"Tool calls by tool and outcome (ok, tool_error, error).")), []string{"server", "tool", "outcome"}),
		toolDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: ns, Subsystem: sub, Name: "tool_call_duration_seconds",
			Help: "Time spent in tool handlers.",
			// Searches take microseconds to milliseconds; reads of long
			// pages up to tens of milliseconds.
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
		}, []string{"server", "tool"}),
		sessionsOpen: prometheus.NewGaugeVec(prometheus.GaugeOpts(opts("sessions_open",
			"Open MCP sessions by transport (streamable, sse).")), []string{"server", "transport"}),
		sessionsTotal: prometheus.NewCounterVec(prometheus.CounterOpts(opts("sessions_total",
			"MCP sessions started, by transport.")), []string{"server", "transport"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts(opts("rejected_total",
			"Requests refused before reaching the MCP server, by reason.")), []string{"server", "reason"}),
		zeroResults: prometheus.NewCounterVec(prometheus.CounterOpts(opts("search_zero_results_total",
			"Searches that found nothing, by tool.")), []string{"server", "tool"}),
		indexPages:    desc("index_pages", "Pages in the current index."),
		indexSections: desc("index_sections", "Sections in the current index."),
		refreshes: desc("source_refreshes_total",
			"Loads of each source by result (changed, unchanged, failed), counted since its index was opened.", "source", "result"),
		lastSuccess: desc("source_last_success_timestamp_seconds",
			"When each source was last loaded without error (Unix time).", "source"),
	}
}

// Describe implements prometheus.Collector.
func (m *metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range m.vecs() {
		c.Describe(ch)
	}
	ch <- m.indexPages
	ch <- m.indexSections
	ch <- m.refreshes
	ch <- m.lastSuccess
}

func (m *metrics) vecs() []prometheus.Collector {
	return []prometheus.Collector{m.toolCalls, m.toolDuration, m.sessionsOpen, m.sessionsTotal, m.rejected, m.zeroResults}
}

// Collect implements prometheus.Collector.
func (m *metrics) Collect(ch chan<- prometheus.Metric) {
	for _, c := range m.vecs() {
		c.Collect(ch)
	}
	m.mu.Lock()
	handlers := append([]*Handler(nil), m.handlers...)
	m.mu.Unlock()
	seen := map[string]bool{}
	for _, h := range handlers {
		// Two handlers with one name write the same series; report the
		// index of the first (a registry refuses duplicate series).
		if seen[h.serverName] || h.corpus == nil {
			continue
		}
		seen[h.serverName] = true
		m.collectCorpus(ch, h.serverName, h.corpus)
	}
}

func (m *metrics) collectCorpus(ch chan<- prometheus.Metric, server string, c *corpus.Corpus) {
	ix := c.Index()
	ch <- prometheus.MustNewConstMetric(m.indexPages, prometheus.GaugeValue, float64(ix.Len()), server)
	ch <- prometheus.MustNewConstMetric(m.indexSections, prometheus.GaugeValue, float64(m.sections.of(ix)), server)
	names := map[string]int{}
	for _, s := range c.Status().Sources {
		name := metricSourceName(s.Location, s.Kind)
		if names[name]++; names[name] > 1 {
			name += "#" + strconv.Itoa(names[name])
		}
		unchanged := s.Attempts - s.Failures - min(s.Updates, s.Attempts-s.Failures)
		for _, r := range []struct {
			result string
			n      uint64
		}{{"changed", s.Updates}, {"unchanged", unchanged}, {"failed", s.Failures}} {
			ch <- prometheus.MustNewConstMetric(m.refreshes, prometheus.CounterValue, float64(r.n), server, name, r.result)
		}
		if !s.LastSuccess.IsZero() {
			ch <- prometheus.MustNewConstMetric(m.lastSuccess, prometheus.GaugeValue,
				float64(s.LastSuccess.UnixNano())/1e9, server, name)
		}
	}
}

// sectionCount caches the section count of the last index seen: indexes
// are immutable, so it changes only with the pointer.
type sectionCount struct {
	mu sync.Mutex
	ix *search.Index
	n  int
}

func (s *sectionCount) of(ix *search.Index) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ix != s.ix {
		n := 0
		for _, p := range ix.Pages() {
			n += len(p.Sections)
		}
		s.ix, s.n = ix, n
	}
	return s.n
}

// metricSourceName is a source's label, from its public location
// (source.PublicLocation: base name of a local path, URL without user info
// or query): a remote source by its URL, a local one by kind and name.
func metricSourceName(loc, kind string) string {
	loc = source.PublicLocation(loc)
	if source.IsRemote(loc) {
		return loc
	}
	return kind + ":" + loc
}

// registerMetrics registers (or joins) this config's collectors and adds h
// to the handlers whose index is reported.
func registerMetrics(ctx caddy.Context, h *Handler) (*metrics, error) {
	reg := ctx.GetMetricsRegistry()
	m := newMetrics()
	if reg != nil {
		if err := reg.Register(m); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				return nil, err
			}
			existing, ok := are.ExistingCollector.(*metrics)
			if !ok {
				return nil, err
			}
			m = existing
		}
	}
	m.mu.Lock()
	m.handlers = append(m.handlers, h)
	m.mu.Unlock()
	// Zero series for every reason, so dashboards and alerts see the
	// families before the first refusal.
	for _, r := range rejectReasons {
		m.rejected.WithLabelValues(h.serverName, r)
	}
	return m, nil
}

// unregister stops reporting h's index (its config is being unloaded).
func (m *metrics) unregister(h *Handler) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, x := range m.handlers {
		if x == h {
			m.handlers = append(m.handlers[:i], m.handlers[i+1:]...)
			return
		}
	}
}

// reject counts a request refused for reason (one of the Reject*
// constants). Safe on an unprovisioned handler.
func (h *Handler) reject(r *http.Request, reason string) {
	if h.metrics != nil {
		h.metrics.rejected.WithLabelValues(h.serverName, reason).Inc()
	}
	// The access log says why too, so a 403/413/429/503 line explains itself.
	logField(r, zap.String(fieldError, reason))
}

// observeCall records one tool call.
func (h *Handler) observeCall(tool, outcome string, d time.Duration) {
	if h.metrics == nil {
		return
	}
	h.metrics.toolCalls.WithLabelValues(h.serverName, tool, outcome).Inc()
	h.metrics.toolDuration.WithLabelValues(h.serverName, tool).Observe(d.Seconds())
}
