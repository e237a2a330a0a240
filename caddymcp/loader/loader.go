// Package loader reads documentation sources into source.Pages: a Spec is
// resolved once into a Loader that knows its kind, how to tell that the
// source changed, and how to load it. Local trees are read through an
// os.Root (nothing outside the configured root is ever read); remote
// sources are fetched with a redirect and address policy; every parser is
// linear in its input and the whole load of a source runs under a deadline.
//
// The parsers (YAML/TOML front matter, HTML, Markdown) live here so that
// the packages that only use the page model (search, mcptools, llmstxt)
// do not link them.
package loader

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"os"
	"time"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// Defaults for zero-valued Options fields.
const (
	DefaultRequestTimeout = 30 * time.Second
	DefaultMaxBytes       = 50 << 20
	DefaultParseTimeout   = 2 * time.Minute
)

// ErrParseDeadline is wrapped by the error of a load that ran out of its
// parse deadline: the source is treated like a failed fetch.
var ErrParseDeadline = errors.New("parsing took longer than the deadline")

// Options are the settings shared by the loaders of a corpus.
type Options struct {
	// HTTPClient fetches remote sources. Nil means a client that honours
	// the proxy environment variables and refuses to dial loopback,
	// private or link-local addresses other than the configured host's.
	// A given client keeps its transport; the redirect policy of the
	// source is applied on top.
	HTTPClient *http.Client
	// RequestTimeout bounds one remote fetch, body included.
	RequestTimeout time.Duration
	// MaxBytes caps a remote body, a local file, and the text a page's
	// includes add.
	MaxBytes int64
	// ParseTimeout bounds the whole load of one source (the walk and every
	// parse; a remote fetch has RequestTimeout on top). A source that
	// takes longer fails and keeps its last good pages.
	ParseTimeout time.Duration

	// internal classifies addresses a remote source may not reach (nil:
	// isInternal). Tests swap it to exercise the rule on loopback.
	internal func(netip.Addr) bool
}

func (o Options) withDefaults() Options {
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = DefaultRequestTimeout
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.ParseTimeout <= 0 {
		o.ParseTimeout = DefaultParseTimeout
	}
	if o.internal == nil {
		o.internal = isInternal
	}
	return o
}

// Loader loads one source. Loads of one Loader must not run concurrently
// (the corpus serializes them); Kind and Validators may be called anytime.
type Loader interface {
	// Spec is the source as configured.
	Spec() source.Spec
	// Kind is how the source is read: the one answer to "which kind is
	// this source". A remote source without a kind or telling file name
	// reports its Content-Type's kind after its first fetch.
	Kind() source.Kind
	// Name is the public name of the source (source.Spec.String with the
	// resolved kind).
	Name() string
	// Remote reports whether the source is fetched over HTTP.
	Remote() bool
	// Load reads the source. Result.Unchanged is set, with no pages,
	// when the source is the same as at the last successful Load.
	Load(ctx context.Context) (Result, error)
}

// Result is the outcome of a successful Load.
type Result struct {
	// Pages are the source's pages; nil when Unchanged. A remote page that
	// is a redirect stub or noindex yields an empty, non-nil slice.
	Pages []source.Page
	// Unchanged is set when the source did not change since the last
	// successful load (a 304, or the same bytes).
	Unchanged bool
	// NotModified is set when a remote answered 304.
	NotModified bool
}

// Watcher is implemented by local loaders: a cheap summary of the files
// (names, sizes, modification times) that changes when they do. Zero means
// the source cannot be read.
type Watcher interface {
	Fingerprint() uint64
}

// Validators is implemented by remote loaders: the HTTP validators sent on
// the next fetch.
type Validators interface {
	Validators() (etag, lastModified string)
}

// Resolve turns a spec into its loader, deciding its kind. A local location
// is resolved (symlinks included) and must exist.
func Resolve(spec source.Spec, opts Options) (Loader, error) {
	opts = opts.withDefaults()
	if source.IsRemote(spec.Location) {
		return newRemote(spec, opts)
	}
	return newLocal(spec, opts)
}

// KindOf is the kind a spec is read as, without loading it (a local
// location must exist). It is Resolve(spec).Kind().
func KindOf(spec source.Spec) (source.Kind, error) {
	l, err := Resolve(spec, Options{})
	if err != nil {
		return "", err
	}
	return l.Kind(), nil
}

// localKind decides the kind of an existing local location: a directory is
// a site root; llms*.txt files are llms_txt; other files index_json. A
// single HTML or Markdown file is no source.
func localKind(spec source.Spec, fi os.FileInfo) (source.Kind, error) {
	if spec.Kind != "" {
		return spec.Kind, nil
	}
	if fi.IsDir() {
		return source.KindSiteRoot, nil
	}
	if k := kindFromName(spec.Location); k != source.KindHTML && !isMarkdown(spec.Location) {
		return cmpKind(k, source.KindIndexJSON), nil
	}
	return "", fmt.Errorf("source %s: a single HTML or Markdown file is not a source; give its directory", spec)
}

// withDeadline bounds a whole load and turns running out of it into
// ErrParseDeadline (the caller's own cancellation stays as it is).
func withDeadline(ctx context.Context, d time.Duration, name string, load func(ctx context.Context) ([]source.Page, error)) (pages []source.Page, err error) {
	dctx, cancel := context.WithTimeoutCause(ctx, d, ErrParseDeadline)
	defer cancel()
	defer func() {
		// A parser bug on odd input must not take down the server.
		if r := recover(); r != nil {
			pages, err = nil, fmt.Errorf("source %s: internal error: %v", name, r)
		}
	}()
	pages, err = load(dctx)
	if ctx.Err() == nil && errors.Is(context.Cause(dctx), ErrParseDeadline) {
		return nil, fmt.Errorf("source %s: %w (%s)", name, ErrParseDeadline, d)
	}
	if err == nil && dctx.Err() != nil {
		return nil, fmt.Errorf("source %s: %w", name, context.Cause(dctx))
	}
	return pages, err
}
