// Package corpus owns a live search index built from a set of sources: it
// loads them, builds the index, and swaps in a new index atomically when the
// sources change, keeping the last good pages of a source on any failure.
//
// Remote sources (http/https index.json or llms.txt) are re-fetched on an
// interval with conditional requests, and retried with backoff (5s, doubling
// up to that interval) while they fail; local sources are watched by polling
// file sizes and modification times. A rebuild happens only when the pages
// of some source actually changed, and readers never see a half-built index:
// Index returns an immutable index that a refresh replaces, never mutates.
package corpus

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/loader"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/search"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// Off disables an interval option (Refresh, Watch, Reload). A zero value
// means "use the default" instead, so that an unset option behaves well.
const Off time.Duration = -1

// Defaults for zero-valued Options fields.
const (
	DefaultRefresh        = 10 * time.Minute
	DefaultWatch          = 2 * time.Second
	DefaultRequestTimeout = 30 * time.Second
	DefaultMaxSourceBytes = 50 << 20
)

// Options configures a Corpus.
type Options struct {
	// Specs are the sources, in priority order: when two pages share an ID,
	// the one from the earlier source wins.
	Specs []source.Spec
	// Logger receives load/refresh logs; nil means no logs.
	Logger *zap.Logger
	// Name identifies the corpus in the registry and the admin API.
	// Default: the spec strings joined with ",".
	Name string
	// Refresh is how often remote sources are re-fetched (with
	// If-None-Match/If-Modified-Since, so an unchanged source costs one
	// 304). Zero means DefaultRefresh; Off (any negative value) never.
	// A remote whose fetch failed (at Open or later) is retried sooner:
	// after 5s, then with a doubling delay up to Refresh, until a success
	// puts it back on the Refresh interval.
	Refresh time.Duration
	// Watch is how often local sources are polled for changes (a stat walk
	// of sizes and modification times; no file is read unless one changed).
	// Zero means DefaultWatch; Off (any negative value) disables watching.
	Watch time.Duration
	// Reload re-reads local sources on this interval even when the stat walk
	// sees no change (for filesystems where mtimes lie). Zero or Off: never.
	// The index is still rebuilt only when the pages differ.
	Reload time.Duration
	// RequestTimeout bounds one remote fetch, body included. Zero means
	// DefaultRequestTimeout.
	RequestTimeout time.Duration
	// MaxSourceBytes caps a remote response body (after decompression).
	// A larger body is an error and the last good pages stay. Zero means
	// DefaultMaxSourceBytes.
	MaxSourceBytes int64
	// HTTPClient fetches remote sources. Nil means a client that honours
	// the proxy environment variables and refuses to dial loopback,
	// private or link-local addresses other than the configured host's
	// (see loader.Options).
	HTTPClient *http.Client
	// IndexCache is a directory where each built index is persisted, so
	// that a restart with unchanged local sources loads it instead of
	// parsing and building (see indexcache.go). Empty: no cache.
	IndexCache string
	// ParseTimeout bounds the whole load of one source (walk and parse;
	// a remote fetch has RequestTimeout on top). A source that takes
	// longer fails like a bad fetch and keeps its last good pages. Zero
	// means loader.DefaultParseTimeout.
	ParseTimeout time.Duration

	// retryInitial and retryMax shape the backoff of a failing remote
	// source (see retryDelay). They are not user options; tests shrink
	// them. Zero means defaultRetryInitial and Refresh.
	retryInitial, retryMax time.Duration
	// resolve and build are loader.Resolve and search.Build; tests swap
	// them for ones that panic.
	resolve func(source.Spec, loader.Options) (loader.Loader, error)
	build   func([]source.Page) *search.Index
}

// withDefaults fills zero-valued fields.
func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	if o.Name == "" {
		names := make([]string, len(o.Specs))
		for i, s := range o.Specs {
			names[i] = s.String()
		}
		o.Name = strings.Join(names, ",")
	}
	if o.Refresh == 0 {
		o.Refresh = DefaultRefresh
	}
	if o.Watch == 0 {
		o.Watch = DefaultWatch
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = DefaultRequestTimeout
	}
	if o.MaxSourceBytes <= 0 {
		o.MaxSourceBytes = DefaultMaxSourceBytes
	}
	if o.resolve == nil {
		o.resolve = loader.Resolve
	}
	if o.build == nil {
		o.build = search.Build
	}
	if o.retryInitial <= 0 {
		o.retryInitial = defaultRetryInitial
	}
	return o
}

// Corpus is a set of sources and the current index over them. It is safe for
// concurrent use.
type Corpus struct {
	opts    Options
	log     *zap.Logger
	sources []*sourceState

	// cur is the published index with its build time, swapped as one
	// pointer so the index and its timestamp always agree.
	cur    atomic.Pointer[snapshot]
	builds atomic.Uint64

	// refreshing serializes refreshes (the background loop and Reindex),
	// so sources are never loaded twice at once and builds never
	// interleave. It is a channel so that a waiting Reindex gives up when
	// its caller does: a long parse (bounded by ParseTimeout) must not pin
	// an admin request.
	refreshing chan struct{}

	ctx       context.Context // cancelled by Close
	cancel    context.CancelFunc
	done      chan struct{} // closed when the background loop has exited
	wake      chan struct{} // see poke
	closeOnce sync.Once
	openedAt  time.Time
	labels    labels // see AddLabel

	cacheMu   sync.Mutex     // serializes index cache writes
	cacheGen  atomic.Uint64  // newest index waiting to be written
	cacheWG   sync.WaitGroup // cache writes in flight (Close stops and waits)
	cacheStop atomic.Bool    // set by Close: abandon cache writes
}

// Open loads every source and builds the first index, then starts watching
// and refreshing in the background until Close. It fails when no usable page
// could be loaded, or when a local source fails (a typo in a path should stop
// the server at start rather than silently hide documentation). A remote
// source that fails while other sources have pages is only a warning: it is
// retried with backoff, from a few seconds up to the Refresh interval.
func Open(ctx context.Context, opts Options) (*Corpus, error) {
	opts = opts.withDefaults()
	if len(opts.Specs) == 0 {
		return nil, errors.New("corpus: no sources configured")
	}
	c := &Corpus{opts: opts, log: opts.Logger, done: make(chan struct{}), wake: make(chan struct{}, 1), refreshing: make(chan struct{}, 1), openedAt: time.Now()}
	lopts := loader.Options{
		HTTPClient:     opts.HTTPClient,
		RequestTimeout: opts.RequestTimeout,
		MaxBytes:       opts.MaxSourceBytes,
		ParseTimeout:   opts.ParseTimeout,
	}
	for _, spec := range opts.Specs {
		ld, err := opts.resolve(spec, lopts)
		if err != nil {
			return nil, err
		}
		c.sources = append(c.sources, newSourceState(ld))
	}

	restored := c.restore()
	var results []loadResult
	if !restored {
		results = c.loadSources(ctx, c.sources, true)
	}
	var localErrs, allErrs []error
	total := 0
	for i, r := range results {
		total += c.sources[i].pageCount()
		if r.err != nil {
			allErrs = append(allErrs, r.err)
			if !c.sources[i].remote {
				localErrs = append(localErrs, r.err)
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(localErrs) > 0 {
		return nil, errors.Join(localErrs...)
	}
	if total == 0 && !restored {
		if len(allErrs) > 0 {
			return nil, errors.Join(allErrs...)
		}
		return nil, fmt.Errorf("sources %s: no usable pages (every source is a remote page that is a redirect or noindex)", opts.Name)
	}
	for i, r := range results {
		if r.err == nil {
			continue
		}
		retry := "only on POST /mcp/reindex (refresh is off)"
		if opts.Refresh > 0 {
			retry = fmt.Sprintf("in %s, then backing off up to %s",
				c.sources[i].retryIn().Round(time.Millisecond), opts.retryCap())
		}
		c.log.Warn("docs source unavailable at start; serving the other sources",
			zap.Error(r.err), zap.String("retry", retry))
	}
	if !restored {
		c.rebuild()
	}

	c.ctx, c.cancel = context.WithCancel(context.Background())
	if c.needsLoop() {
		go c.loop()
	} else {
		close(c.done)
	}
	register(c)
	return c, nil
}

// snapshot is one published index.
type snapshot struct {
	ix       *search.Index
	at       time.Time
	buildDur time.Duration
}

// Index returns the current index. Callers keep using the index they got for
// the whole request; a refresh never mutates it.
func (c *Corpus) Index() *search.Index { return c.cur.Load().ix }

// IndexedAt is when the current index was built.
func (c *Corpus) IndexedAt() time.Time { return c.cur.Load().at }

// Snapshot returns the current index and its build time, read together
// (calling Index and IndexedAt separately may straddle a swap). HTTP
// handlers that derive an ETag from the build time should use it.
func (c *Corpus) Snapshot() (*search.Index, time.Time) {
	s := c.cur.Load()
	return s.ix, s.at
}

// Name is the corpus name used by the registry and the admin API.
func (c *Corpus) Name() string { return c.opts.Name }

// Builds counts the index builds since Open (the first build included).
func (c *Corpus) Builds() uint64 { return c.builds.Load() }

// Close stops background work and removes the corpus from the registry. The
// last index stays readable. Close is idempotent.
func (c *Corpus) Close() error {
	c.closeOnce.Do(func() {
		unregister(c)
		c.cancel()
		<-c.done
		c.cacheStop.Store(true)
		c.cacheWG.Wait()
	})
	return nil
}

// Reindex refreshes every source now (remote sources still send their
// validators, so an unchanged remote answers 304), rebuilds the index if any
// source changed, and returns the resulting status. The error joins the
// failures of this refresh; the status is valid either way.
func (c *Corpus) Reindex(ctx context.Context) (Status, error) {
	if c.ctx.Err() != nil {
		return c.Status(), errors.New("corpus: closed")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(c.ctx, cancel)
	defer stop()
	err := c.refresh(ctx, true)
	// The refresh reset every due time: the loop must not keep sleeping
	// until an old one (a failed source now retries within seconds).
	c.poke()
	return c.Status(), err
}

// refresh loads the sources that are due (all of them when force is set)
// and rebuilds the index when some source's pages changed.
func (c *Corpus) refresh(ctx context.Context, force bool) error {
	select {
	case c.refreshing <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-c.refreshing }()
	if err := ctx.Err(); err != nil {
		// Closed while waiting for another refresh: record nothing.
		return err
	}
	now := time.Now()
	var due []*sourceState
	for _, s := range c.sources {
		if force || c.due(s, now) {
			due = append(due, s)
		}
	}
	if len(due) == 0 {
		return nil
	}
	results := c.loadSources(ctx, due, false)
	changed := false
	var errs []error
	for _, r := range results {
		changed = changed || r.changed
		if r.err != nil {
			errs = append(errs, r.err)
		}
	}
	if changed && ctx.Err() == nil {
		c.rebuild()
	}
	return errors.Join(errs...)
}

// loadSources loads the given sources concurrently (a slow remote must not
// delay the others) and records each outcome in its state.
func (c *Corpus) loadSources(ctx context.Context, list []*sourceState, initial bool) []loadResult {
	results := make([]loadResult, len(list))
	var wg sync.WaitGroup
	for i, s := range list {
		wg.Go(func() { results[i] = c.loadSource(ctx, s, initial) })
	}
	wg.Wait()
	return results
}

// rebuild merges the last good pages of every source, in spec order, builds
// a new index and publishes it with one atomic store. A build that panics
// (a hostile document tripping a bug) is logged and the last good index
// stays.
func (c *Corpus) rebuild() {
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("docs index build failed; keeping the last good index",
				zap.String("corpus", c.opts.Name), zap.Any("panic", r), zap.StackSkip("stack", 1))
		}
	}()
	start := time.Now()
	lists := make([][]source.Page, len(c.sources))
	for i, s := range c.sources {
		lists[i] = s.snapshotPages()
	}
	pages := source.Merge(lists...)
	if len(pages) == 0 {
		// Only when every source is a remote page that turned into a
		// redirect or noindex: an empty index must never replace a good
		// one, so the last index stays until some source has pages again.
		return
	}
	ix := c.opts.build(pages)
	dur := time.Since(start)
	snap := &snapshot{ix: ix, at: time.Now(), buildDur: dur}
	c.cur.Store(snap)
	c.persist(pages, ix, snap.at)
	n := c.builds.Add(1)
	c.log.Info("docs index built",
		zap.String("corpus", c.opts.Name),
		zap.Int("pages", len(pages)),
		zap.Duration("duration", dur),
		zap.Uint64("build", n))
}
