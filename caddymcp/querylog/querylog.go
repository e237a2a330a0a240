// Package querylog remembers the searches that found little, so docs
// owners can see what models look for and do not find. Memory is bounded:
// at most MaxEntries distinct queries, each clipped to MaxQueryLen bytes;
// when full, the least recently seen query is forgotten.
//
// Logs register themselves by server name (Register); the admin API
// (GET /mcp/queries) lists them.
package querylog

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Defaults for New.
const (
	// MaxEntries bounds the distinct queries kept per log.
	MaxEntries = 1000
	// MaxQueryLen bounds the bytes kept of one query.
	MaxQueryLen = 200
	// FewResults is the most results a search may find and still be
	// logged: zero or a few results mean a page is likely missing.
	FewResults = 2
)

// Entry is one remembered query.
type Entry struct {
	Server string `json:"server"`
	Tool   string `json:"tool"`
	Query  string `json:"query"`
	// Count is how often it was searched (and found little).
	Count uint64 `json:"count"`
	// Results is what the last search found.
	Results  int       `json:"results"`
	LastSeen time.Time `json:"last_seen"`
}

// Log is a bounded set of queries with few results.
type Log struct {
	server string
	max    int

	mu      sync.Mutex
	entries map[key]*Entry
}

type key struct{ tool, query string }

// New returns an empty log for server keeping up to max queries (0 or
// less: MaxEntries).
func New(server string, max int) *Log {
	if max <= 0 {
		max = MaxEntries
	}
	return &Log{server: server, max: max, entries: map[key]*Entry{}}
}

// Record notes a search of tool for query that found results; searches
// that found more than FewResults are not kept.
func (l *Log) Record(tool, query string, results int) {
	if l == nil || results > FewResults {
		return
	}
	query = normalize(query)
	if query == "" {
		return
	}
	now := time.Now()
	k := key{tool, query}
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.entries[k]
	if !ok {
		if len(l.entries) >= l.max {
			l.evictOldest()
		}
		e = &Entry{Server: l.server, Tool: tool, Query: query}
		l.entries[k] = e
	}
	e.Count++
	e.Results = results
	e.LastSeen = now
}

// evictOldest forgets the least recently seen query. Linear, but it runs
// only when a new query arrives at a full log, over at most max entries.
func (l *Log) evictOldest() {
	var oldest key
	var at time.Time
	first := true
	for k, e := range l.entries {
		if first || e.LastSeen.Before(at) {
			oldest, at, first = k, e.LastSeen, false
		}
	}
	delete(l.entries, oldest)
}

// Len is the number of queries kept.
func (l *Log) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.entries)
}

// List returns the kept queries, most frequent first (then most recent).
func (l *Log) List() []Entry {
	l.mu.Lock()
	out := make([]Entry, 0, len(l.entries))
	for _, e := range l.entries {
		out = append(out, *e)
	}
	l.mu.Unlock()
	Sort(out)
	return out
}

// Sort orders entries most frequent first, then most recent, then by text.
func Sort(list []Entry) {
	slices.SortFunc(list, func(a, b Entry) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		if c := b.LastSeen.Compare(a.LastSeen); c != 0 {
			return c
		}
		return cmp.Compare(a.Query, b.Query)
	})
}

// normalize folds case and spacing (so "Install  Linux" and "install
// linux" are one entry) and clips to MaxQueryLen on a rune boundary.
func normalize(q string) string {
	q = strings.Join(strings.Fields(strings.ToLower(q)), " ")
	if len(q) > MaxQueryLen {
		n := MaxQueryLen
		for n > 0 && !utf8.RuneStart(q[n]) {
			n--
		}
		q = q[:n]
	}
	return q
}

// The registry of live logs, by server name, read by the admin API. A
// log is shared by every handler with that name and outlives a config
// reload (the new config acquires it before the old one releases it), so
// reloading does not forget what was asked.
var (
	regMu sync.Mutex
	reg   = map[string]*shared{}
)

type shared struct {
	log  *Log
	refs int
}

// Acquire returns the log of server, creating it if no live config has
// one; release gives it back, and the last release forgets it.
func Acquire(server string) (l *Log, release func()) {
	regMu.Lock()
	defer regMu.Unlock()
	s, ok := reg[server]
	if !ok {
		s = &shared{log: New(server, 0)}
		reg[server] = s
	}
	s.refs++
	var once sync.Once
	return s.log, func() {
		once.Do(func() {
			regMu.Lock()
			defer regMu.Unlock()
			if s.refs--; s.refs == 0 && reg[server] == s {
				delete(reg, server)
			}
		})
	}
}

// All returns the entries of every live log (of server, when not empty),
// most frequent first.
func All(server string) []Entry {
	regMu.Lock()
	var logs []*Log
	for name, s := range reg {
		if server == "" || name == server {
			logs = append(logs, s.log)
		}
	}
	regMu.Unlock()
	var out []Entry
	for _, l := range logs {
		out = append(out, l.List()...)
	}
	Sort(out)
	return out
}
