package corpus

import (
	"bytes"
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

	"go.uber.org/zap"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// validators are the HTTP cache validators of a response.
type validators struct {
	etag, lastModified string
}

// fetchRemote GETs a remote source, conditionally when last good pages
// exist, and parses the body unless it is byte-identical to the last good
// one. pages is nil for a 304 or an identical body.
func (c *Corpus) fetchRemote(ctx context.Context, s *sourceState) (pages []source.Page, bodyHash uint64, val validators, result string, err error) {
	s.mu.Lock()
	have := s.pages != nil
	prev := validators{s.etag, s.lastModified}
	prevHash := s.bodyHash
	s.mu.Unlock()

	ctx, cancel := context.WithTimeout(ctx, c.opts.RequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.spec.Location, nil)
	if err != nil {
		return nil, 0, val, "", fmt.Errorf("source %s: %w", s.spec, err)
	}
	req.Header.Set("User-Agent", "caddy-mcp docs indexer")
	req.Header.Set("Accept", "application/json, text/plain;q=0.9, text/markdown;q=0.9, */*;q=0.1")
	// Validators only make sense when a 304 has something to fall back on.
	if have {
		if prev.etag != "" {
			req.Header.Set("If-None-Match", prev.etag)
		}
		if prev.lastModified != "" {
			req.Header.Set("If-Modified-Since", prev.lastModified)
		}
	}
	resp, err := c.opts.HTTPClient.Do(req)
	if err != nil {
		return nil, 0, val, "", fmt.Errorf("source %s: %w", s.spec, err)
	}
	defer resp.Body.Close()
	val = validators{resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")}

	switch {
	case resp.StatusCode == http.StatusNotModified && have:
		// Some servers omit validators on a 304; keep the ones we sent.
		if val.etag == "" {
			val.etag = prev.etag
		}
		if val.lastModified == "" {
			val.lastModified = prev.lastModified
		}
		return nil, prevHash, val, ResultNotModified, nil
	case resp.StatusCode != http.StatusOK:
		return nil, 0, val, "", fmt.Errorf("source %s: HTTP %s", s.spec, resp.Status)
	}
	max := c.opts.MaxSourceBytes
	if resp.ContentLength > max {
		return nil, 0, val, "", fmt.Errorf("source %s: body of %d bytes exceeds the limit of %d", s.spec, resp.ContentLength, max)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, 0, val, "", fmt.Errorf("source %s: reading body: %w", s.spec, err)
	}
	if int64(len(body)) > max {
		return nil, 0, val, "", fmt.Errorf("source %s: body exceeds the limit of %d bytes", s.spec, max)
	}
	bodyHash = maphash.Bytes(hashSeed, body)
	if have && bodyHash == prevHash {
		// Same bytes (a server without validators): no parse, no rebuild.
		return nil, bodyHash, val, ResultUnchanged, nil
	}
	pages, err = parseRemote(body, s.spec, resp.Header.Get("Content-Type"))
	if errors.Is(err, source.ErrNotIndexable) {
		// The page is a redirect stub or asks not to be indexed: the
		// source now has no pages (the site moved or hid them), which is
		// an answer, not a failure to retry. Empty but non-nil, so that
		// it replaces the last pages and later requests are conditional.
		c.log.Info("docs source page is a redirect or noindex; skipping it",
			zap.String("corpus", c.opts.Name), zap.String("source", s.spec.String()))
		return []source.Page{}, bodyHash, val, "", nil
	}
	if err == nil && len(pages) == 0 {
		err = fmt.Errorf("source %s: no pages", s.spec)
	}
	if err != nil {
		return nil, 0, val, "", err
	}
	return pages, bodyHash, val, "", nil
}

// parseRemote picks the parser from the spec's Kind, else from the URL's
// file name (.txt/.md: llms.txt; .json: index.json; .html: one page), else
// from the Content-Type, and hands the body to source.Parse. Relative
// permalinks resolve against the directory of the URL when no BaseURL is
// configured. A redirect or noindex page fails with an error wrapping
// source.ErrNotIndexable.
func parseRemote(body []byte, spec source.Spec, contentType string) ([]source.Page, error) {
	parseSpec := spec
	if parseSpec.BaseURL == "" {
		if u, err := url.Parse(spec.Location); err == nil {
			u.RawQuery, u.Fragment = "", ""
			u.Path = path.Dir(u.Path)
			parseSpec.BaseURL = strings.TrimSuffix(u.String(), "/") + "/"
		}
	}
	switch parseSpec.Kind = remoteKind(spec, contentType); parseSpec.Kind {
	case source.KindLLMSTxt, source.KindIndexJSON, source.KindHTML:
		return source.Parse(bytes.NewReader(body), parseSpec)
	default:
		return nil, fmt.Errorf("source %s: kind %q cannot be fetched over HTTP (use index_json or llms_txt)", spec, parseSpec.Kind)
	}
}

func remoteKind(spec source.Spec, contentType string) source.Kind {
	if spec.Kind != "" {
		return spec.Kind
	}
	p := spec.Location
	if u, err := url.Parse(p); err == nil {
		p = u.Path
	}
	switch strings.ToLower(path.Ext(p)) {
	case ".txt", ".md":
		return source.KindLLMSTxt
	case ".json":
		return source.KindIndexJSON
	case ".html", ".htm":
		return source.KindHTML
	}
	switch mt, _, _ := mime.ParseMediaType(contentType); mt {
	case "text/plain", "text/markdown":
		return source.KindLLMSTxt
	case "text/html":
		return source.KindHTML
	}
	return source.KindIndexJSON
}
