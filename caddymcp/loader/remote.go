package loader

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// remote is an http(s) source: fetched with conditional requests, parsed
// only when its bytes changed, under a redirect and address policy.
type remote struct {
	spec   source.Spec
	opts   Options
	client *http.Client
	base   string // BaseURL, else the URL's folder

	mu       sync.Mutex // guards the fields below against Kind/Validators readers
	kind     source.Kind
	etag     string // validators of the last good response
	lastMod  string
	bodyHash uint64
	have     bool // a good response was loaded: validators may be sent
}

func newRemote(spec source.Spec, opts Options) (*remote, error) {
	u, err := url.Parse(spec.Location)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("source %s: not a valid URL", spec)
	}
	r := &remote{spec: spec, opts: opts, base: spec.BaseURL}
	if r.base == "" {
		// Relative permalinks resolve against the URL's folder.
		b := *u
		b.User, b.RawQuery, b.Fragment = nil, "", ""
		b.Path = path.Dir(b.Path)
		r.base = strings.TrimSuffix(b.String(), "/") + "/"
	}
	r.kind = cmpKind(spec.Kind, kindFromName(u.Path))
	switch r.kind {
	case "", source.KindIndexJSON, source.KindLLMSTxt, source.KindHTML:
	default:
		return nil, fmt.Errorf("source %s: kind %q cannot be fetched over HTTP (use index_json or llms_txt)", spec, r.kind)
	}
	if r.client, err = newClient(u, spec.FollowRedirects, opts); err != nil {
		return nil, fmt.Errorf("source %s: %w", spec, err)
	}
	return r, nil
}

func (r *remote) Spec() source.Spec { return r.spec }
func (r *remote) Remote() bool      { return true }

// Kind is the configured kind, else the one the URL's file name tells,
// else (after the first fetch) the Content-Type's; index_json until then.
func (r *remote) Kind() source.Kind {
	r.mu.Lock()
	defer r.mu.Unlock()
	return cmpKind(r.kind, source.KindIndexJSON)
}

func (r *remote) Name() string {
	s := r.spec
	s.Kind = r.Kind()
	return s.String()
}

// Validators are the validators sent with the next fetch.
func (r *remote) Validators() (etag, lastModified string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.etag, r.lastMod
}

// Load fetches the source, conditionally once a good response was loaded,
// and parses the body unless it is byte-identical to the last good one.
func (r *remote) Load(ctx context.Context) (Result, error) {
	name := r.Name()
	r.mu.Lock()
	have, etag, lastMod, prevHash := r.have, r.etag, r.lastMod, r.bodyHash
	r.mu.Unlock()

	fctx, cancel := context.WithTimeout(ctx, r.opts.RequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(fctx, http.MethodGet, r.spec.Location, nil)
	if err != nil {
		return Result{}, fmt.Errorf("source %s: invalid request", name)
	}
	req.Header.Set("User-Agent", "caddy-mcp docs indexer")
	req.Header.Set("Accept", "application/json, text/plain;q=0.9, text/markdown;q=0.9, */*;q=0.1")
	if have {
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		if lastMod != "" {
			req.Header.Set("If-Modified-Since", lastMod)
		}
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return Result{}, fmt.Errorf("source %s: %w", name, fetchError(err))
	}
	defer resp.Body.Close()
	newETag, newLastMod := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	switch {
	case resp.StatusCode == http.StatusNotModified && have:
		// Some servers omit validators on a 304; keep the ones we sent.
		r.setValidators(cmpStr(newETag, etag), cmpStr(newLastMod, lastMod), prevHash)
		return Result{Unchanged: true, NotModified: true}, nil
	case resp.StatusCode != http.StatusOK:
		// The status code only: the reason phrase is the remote's text,
		// and errors reach every client's model.
		return Result{}, fmt.Errorf("source %s: HTTP %d", name, resp.StatusCode)
	}
	max := r.opts.MaxBytes
	if resp.ContentLength > max {
		return Result{}, fmt.Errorf("source %s: body of %d bytes exceeds the limit of %d", name, resp.ContentLength, max)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return Result{}, fmt.Errorf("source %s: reading body: %w", name, fetchError(err))
	}
	if int64(len(body)) > max {
		return Result{}, fmt.Errorf("source %s: body exceeds the limit of %d bytes", name, max)
	}
	hash := maphash.Bytes(hashSeed, body)
	if have && hash == prevHash {
		// Same bytes (a server without validators): no parse.
		r.setValidators(newETag, newLastMod, hash)
		return Result{Unchanged: true}, nil
	}
	kind := r.kindFor(resp.Header.Get("Content-Type"))
	spec := r.spec
	spec.Kind, spec.BaseURL = kind, r.base
	pages, err := withDeadline(ctx, r.opts.ParseTimeout, name, func(ctx context.Context) ([]source.Page, error) {
		return parseBytes(ctx, body, spec, kind)
	})
	if errors.Is(err, ErrNotIndexable) {
		// The page is a redirect stub or asks not to be indexed: the
		// source now has no pages (the site moved or hid them), which is
		// an answer, not a failure to retry. Empty but non-nil, so that
		// it replaces the last pages and later requests are conditional.
		r.setValidators(newETag, newLastMod, hash)
		return Result{Pages: []source.Page{}}, nil
	}
	if err == nil && len(pages) == 0 {
		err = fmt.Errorf("source %s: no pages", name)
	}
	if err != nil {
		return Result{}, err
	}
	r.setValidators(newETag, newLastMod, hash)
	return Result{Pages: finishSource(pages, r.Name())}, nil
}

func (r *remote) setValidators(etag, lastMod string, hash uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.etag, r.lastMod, r.bodyHash, r.have = etag, lastMod, hash, true
}

// kindFor settles the kind of a source whose name said nothing from the
// Content-Type of its first good response.
func (r *remote) kindFor(contentType string) source.Kind {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.kind != "" {
		return r.kind
	}
	switch mt, _, _ := mime.ParseMediaType(contentType); mt {
	case "text/plain", "text/markdown":
		r.kind = source.KindLLMSTxt
	case "text/html":
		r.kind = source.KindHTML
	default:
		r.kind = source.KindIndexJSON
	}
	return r.kind
}

func cmpStr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// fetchError drops the URL from a client error (*url.Error names it, with
// any credentials and query), keeping the cause.
func fetchError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// hashSeed is fixed for the process: hashes are only compared in memory.
var hashSeed = maphash.MakeSeed()
