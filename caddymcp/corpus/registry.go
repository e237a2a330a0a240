package corpus

import (
	"slices"
	"strings"
	"sync"
)

// registry holds every open corpus so the admin API can list and refresh
// them without a reference from the HTTP handler that opened them.
var registry struct {
	sync.Mutex
	m map[*Corpus]struct{}
}

func register(c *Corpus) {
	registry.Lock()
	defer registry.Unlock()
	if registry.m == nil {
		registry.m = make(map[*Corpus]struct{})
	}
	registry.m[c] = struct{}{}
}

func unregister(c *Corpus) {
	registry.Lock()
	defer registry.Unlock()
	delete(registry.m, c)
}

// All returns the open corpora sorted by name, then by opening time. During
// a config reload two corpora may briefly share a name (the new one is opened
// before the old one is closed).
func All() []*Corpus {
	registry.Lock()
	list := make([]*Corpus, 0, len(registry.m))
	for c := range registry.m {
		list = append(list, c)
	}
	registry.Unlock()
	slices.SortFunc(list, func(a, b *Corpus) int {
		if n := strings.Compare(a.opts.Name, b.opts.Name); n != 0 {
			return n
		}
		return a.openedAt.Compare(b.openedAt)
	})
	return list
}

// Lookup returns the open corpora with the given name or label.
func Lookup(name string) []*Corpus {
	var out []*Corpus
	for _, c := range All() {
		if c.opts.Name == name || slices.Contains(c.Labels(), name) {
			out = append(out, c)
		}
	}
	return out
}

// labels counts the users of each label of one corpus.
type labels struct {
	mu sync.Mutex
	m  map[string]int
}

// AddLabel tags the corpus with a user-facing name, e.g. the server name of
// a handler that serves it, so the admin API can find it by that name (one
// corpus may serve several sites, each with its own name). The returned
// func removes this use of the label; the label goes when its last use does.
func (c *Corpus) AddLabel(label string) (remove func()) {
	c.labels.mu.Lock()
	defer c.labels.mu.Unlock()
	if c.labels.m == nil {
		c.labels.m = make(map[string]int)
	}
	c.labels.m[label]++
	var once sync.Once
	return func() {
		once.Do(func() {
			c.labels.mu.Lock()
			defer c.labels.mu.Unlock()
			if c.labels.m[label]--; c.labels.m[label] <= 0 {
				delete(c.labels.m, label)
			}
		})
	}
}

// Labels returns the corpus's labels, sorted.
func (c *Corpus) Labels() []string {
	c.labels.mu.Lock()
	defer c.labels.mu.Unlock()
	out := make([]string, 0, len(c.labels.m))
	for l := range c.labels.m {
		out = append(out, l)
	}
	slices.Sort(out)
	return out
}
