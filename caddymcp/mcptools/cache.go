package mcptools

import (
	"sync"

	"github.com/mark3labs/mcp-go/mcp"
)

// Bounds of the per-index result cache. Models re-issue the same searches
// (retries, the same question in a new conversation, deep research fanning
// out), and a search answer is pure: a function of the index and the
// arguments. 512 entries of a typical 5–15 KB answer fit the byte budget;
// one huge answer (50 hits with long snippets) cannot evict everything.
const (
	resultCacheEntries = 512
	resultCacheBytes   = 8 << 20
	resultCacheMaxItem = resultCacheBytes / 64
)

// resultCache is a small LRU of successful tool answers, safe for
// concurrent use. It lives in an indexCache, so an index swap (a live
// refresh) starts a new, empty one: keys need no index generation.
type resultCache struct {
	mu    sync.Mutex
	m     map[string]*cacheEntry
	head  cacheEntry // sentinel of a circular list, most recent first
	bytes int
}

// cacheEntry is one cached answer: the text item and structuredContent,
// both immutable once stored.
type cacheEntry struct {
	key        string
	text       string
	raw        []byte
	prev, next *cacheEntry
}

func (e *cacheEntry) size() int { return len(e.key) + len(e.text) + len(e.raw) + 96 }

// get returns a fresh result with the cached answer for key. Results are
// rebuilt per call (they are cheap shells around shared immutable bytes)
// so nothing downstream can change a cached answer.
func (c *resultCache) get(key string) (*mcp.CallToolResult, bool) {
	c.mu.Lock()
	e, ok := c.m[key]
	if ok {
		c.unlink(e)
		c.pushFront(e)
	}
	c.mu.Unlock()
	if !ok {
		return nil, false
	}
	return &mcp.CallToolResult{
		Content:              []mcp.Content{mcp.NewTextContent(e.text)},
		RawStructuredContent: e.raw,
	}, true
}

// put caches r under key when it is a successful answer of the shape the
// tools build (one text item plus structuredContent) and small enough.
func (c *resultCache) put(key string, r *mcp.CallToolResult) {
	if r == nil || r.IsError || len(r.Content) != 1 || r.StructuredContent != nil || r.Meta != nil {
		return
	}
	t, ok := r.Content[0].(mcp.TextContent)
	if !ok || t.Annotations != nil || t.Meta != nil {
		return
	}
	e := &cacheEntry{key: key, text: t.Text, raw: r.RawStructuredContent}
	if e.size() > resultCacheMaxItem {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]*cacheEntry)
		c.head.prev, c.head.next = &c.head, &c.head
	}
	if old, dup := c.m[key]; dup {
		c.remove(old)
	}
	c.m[key] = e
	c.pushFront(e)
	c.bytes += e.size()
	for len(c.m) > resultCacheEntries || c.bytes > resultCacheBytes {
		c.remove(c.head.prev)
	}
}

// len returns the number of cached answers (for tests).
func (c *resultCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}

func (c *resultCache) remove(e *cacheEntry) {
	c.unlink(e)
	delete(c.m, e.key)
	c.bytes -= e.size()
}

func (c *resultCache) unlink(e *cacheEntry) {
	e.prev.next, e.next.prev = e.next, e.prev
}

func (c *resultCache) pushFront(e *cacheEntry) {
	e.prev, e.next = &c.head, c.head.next
	c.head.next.prev = e
	c.head.next = e
}
