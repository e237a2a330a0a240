package clustertest

import (
	"net/http"
	"sync"
)

// backendLog records, in order, which backend answered each request.
type backendLog struct {
	mu      sync.Mutex
	entries []logEntry
}

type logEntry struct {
	method, path, backend string
	status                int
}

func (l *backendLog) add(e logEntry) {
	l.mu.Lock()
	l.entries = append(l.entries, e)
	l.mu.Unlock()
}

func (l *backendLog) all() []logEntry {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]logEntry(nil), l.entries...)
}

// distinct counts the backends that answered entries matching keep.
func (l *backendLog) distinct(keep func(logEntry) bool) map[string]int {
	n := map[string]int{}
	for _, e := range l.all() {
		if keep(e) {
			n[e.backend]++
		}
	}
	return n
}

type recorder struct {
	next http.RoundTripper
	log  *backendLog
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err == nil {
		r.log.add(logEntry{method: req.Method, path: req.URL.Path, backend: resp.Header.Get("X-Backend"), status: resp.StatusCode})
	}
	return resp, err
}
