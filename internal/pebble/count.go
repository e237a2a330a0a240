package pebble

import (
	"bytes"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
)

// countingHandler wraps Pebble's WFE and counts what clients achieved, so
// tests can assert "one order across two runs" or "nothing reached the CA".
// Orders are counted by response status, not by request: with bad-nonce
// injection a rejected new-order POST is retried and must count once.
type countingHandler struct {
	next                        http.Handler
	newOrderPath, finalizePfx   string
	requests, orders, finalized atomic.Int64
	badNonces                   atomic.Int64
	beforeNewOrder              func()
}

func newCountingHandler(next http.Handler) (*countingHandler, error) {
	paths, err := directoryPaths(next)
	if err != nil {
		return nil, err
	}
	return &countingHandler{
		next:         next,
		newOrderPath: paths["newOrder"],
		// The finalize URL is per order and not in the directory; Pebble
		// names it /finalize-order/<id>.
		finalizePfx: "/finalize-order/",
	}, nil
}

func (h *countingHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.requests.Add(1)
	if h.beforeNewOrder != nil && r.Method == http.MethodPost && r.URL.Path == h.newOrderPath {
		h.beforeNewOrder()
	}
	rec := &statusRecorder{ResponseWriter: w}
	h.next.ServeHTTP(rec, r)
	if r.Method != http.MethodPost {
		return
	}
	switch {
	case rec.status == http.StatusCreated && r.URL.Path == h.newOrderPath:
		h.orders.Add(1)
	case rec.status == http.StatusOK && strings.HasPrefix(r.URL.Path, h.finalizePfx):
		h.finalized.Add(1)
	case rec.status == http.StatusBadRequest && bytes.Contains(rec.errBody.Bytes(), []byte("badNonce")):
		h.badNonces.Add(1)
	}
}

// statusRecorder remembers the status and the start of error bodies.
type statusRecorder struct {
	http.ResponseWriter
	status  int
	errBody bytes.Buffer
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(p []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	if s.status >= 400 && s.errBody.Len() < 1024 {
		s.errBody.Write(p)
	}
	return s.ResponseWriter.Write(p)
}

// lockedBuffer is a goroutine-safe log sink.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
