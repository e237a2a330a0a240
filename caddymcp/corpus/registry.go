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

// Lookup returns the open corpora with the given name.
func Lookup(name string) []*Corpus {
	var out []*Corpus
	for _, c := range All() {
		if c.opts.Name == name {
			out = append(out, c)
		}
	}
	return out
}
