package corpus

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/search"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
	"github.com/caddy-mcp/caddy-mcp/internal/bigmem"
)

// The index cache lets a restart skip parsing and building: after every
// build the corpus writes the index to Options.IndexCache (one file per set
// of sources, replaced atomically), and Open loads that file instead when
// every source is local and its fingerprint (paths, sizes and modification
// times, the same summary the watcher polls) is the one recorded in the
// file. Anything else (other sources, changed files, another engine or
// format version, a damaged or truncated file) is logged and the index is
// built from the sources as usual; a bad file is never served.
//
// Remote sources are not cached: knowing whether they changed needs a fetch.
// Neither are corpora with Options.Reload set: that option exists for file
// systems whose modification times cannot be trusted, and the fingerprint is
// made of them.

// ResultCached is SourceStatus.LastResult after Open restored the source's
// pages from the index cache.
const ResultCached = "cached"

const (
	cacheMagic   = "caddymcp-corpus\x00"
	cacheVersion = 1
	cacheExt     = ".idx"
	// maxCacheFile bounds a cache file, written or read: an index that big
	// is a misconfiguration, and a file that big is not ours.
	maxCacheFile = 2 << 30
	// maxCacheFiles bounds the directory: files of source sets no longer
	// configured are removed, oldest first, beyond this many.
	maxCacheFiles = 16
)

// cacheMeta is the corpus part of a cache file, in JSON before the index.
type cacheMeta struct {
	// Key is the corpus identity (see cacheKey).
	Key     string        `json:"key"`
	BuiltAt time.Time     `json:"built_at"`
	Sources []cacheSource `json:"sources"`
}

type cacheSource struct {
	Name        string `json:"name"`
	Fingerprint uint64 `json:"fingerprint"`
	// Pages is the source's page count; they are the index's pages in
	// order, except the Shadowed ones, which an earlier source's page with
	// the same ID hid from the index but which the source still has.
	Pages    int            `json:"pages"`
	Shadowed []shadowedPage `json:"shadowed,omitempty"`
}

type shadowedPage struct {
	Pos  int         `json:"pos"`
	Page source.Page `json:"page"`
}

// cacheKey identifies the set of sources, in order, by their full
// identity (location, base URL, options: anything that changes the pages
// for the same files), hashed because a Spec's Key may hold secrets.
func (c *Corpus) cacheKey() string {
	parts := make([]string, len(c.sources))
	for i, s := range c.sources {
		parts[i] = s.ld.Spec().Key()
	}
	sum := sha256.Sum256([]byte("caddymcp index cache\n" + strings.Join(parts, "\n")))
	return hex.EncodeToString(sum[:])
}

// cachePath is the file of this set of sources.
func (c *Corpus) cachePath() string {
	return filepath.Join(c.opts.IndexCache, c.cacheKey()[:24]+cacheExt)
}

// cacheable reports whether this corpus uses the cache at all.
func (c *Corpus) cacheable() bool {
	if c.opts.IndexCache == "" || c.opts.Reload > 0 {
		return false
	}
	for _, s := range c.sources {
		if s.remote {
			return false
		}
	}
	return true
}

// restore publishes the cached index when it matches the sources, and
// reports whether it did. Every failure is logged and means "build".
func (c *Corpus) restore() bool {
	if !c.cacheable() {
		return false
	}
	start := time.Now()
	path := c.cachePath()
	log := c.log.With(zap.String("corpus", c.opts.Name), zap.String("file", path))
	meta, ix, err := c.readCache(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		log.Debug("no docs index cache yet; building")
		return false
	case errors.Is(err, errCacheStale):
		log.Info("docs index cache is stale; rebuilding", zap.Error(err))
		return false
	case err != nil:
		log.Warn("docs index cache unusable; rebuilding", zap.Error(err))
		return false
	}
	per, err := splitPages(meta, ix)
	if err != nil {
		log.Warn("docs index cache unusable; rebuilding", zap.Error(err))
		return false
	}
	for i, s := range c.sources {
		s.mu.Lock()
		s.pages, s.fp = per[i], meta.Sources[i].Fingerprint
		s.lastResult, s.lastSuccess, s.lastChange = ResultCached, start, meta.BuiltAt
		s.mu.Unlock()
	}
	// Page hashes are per process (see hashSeed), so they are recomputed,
	// off the start-up path; holding c.refreshing keeps any load waiting
	// until then.
	c.refreshing <- struct{}{}
	go func() {
		defer func() { <-c.refreshing }()
		for i, s := range c.sources {
			h := hashPages(per[i])
			s.mu.Lock()
			s.pagesHash = h
			s.mu.Unlock()
		}
	}()
	dur := time.Since(start)
	c.cur.Store(&snapshot{ix: ix, at: meta.BuiltAt, buildDur: dur})
	log.Info("docs index loaded from cache", zap.Int("pages", ix.Len()), zap.Duration("duration", dur),
		zap.Time("built_at", meta.BuiltAt))
	return true
}

var errCacheStale = errors.New("sources changed")

// readCache reads and checks a cache file against the current sources.
func (c *Corpus) readCache(path string) (*cacheMeta, *search.Index, error) {
	// The header says whether the file is for these sources as they are
	// now: read it alone first, so that a restart after the docs changed
	// does not read (and allocate) a whole stale file of up to 2 GiB just
	// to throw it away. The checks are repeated on the full read below,
	// in case the file was replaced in between.
	head, err := readCacheMeta(path)
	if err != nil {
		return nil, nil, err
	}
	if head != nil {
		if err := c.matchCache(head); err != nil {
			return nil, nil, err
		}
	}
	// Read in parallel into huge-page memory (see bigmem): at start-up,
	// faulting in the fresh memory the file is copied to costs more than
	// decoding it. The size cap is checked on the open file, before
	// anything is allocated.
	data, err := bigmem.ReadFile(path, maxCacheFile)
	if err != nil {
		return nil, nil, err
	}
	meta, blob, err := parseCacheFile(data)
	if err != nil {
		return nil, nil, err
	}
	if err := c.matchCache(meta); err != nil {
		return nil, nil, err
	}
	ix, err := search.ReadIndex(blob)
	if errors.Is(err, search.ErrStaleIndex) {
		err = fmt.Errorf("%w: %w", errCacheStale, err)
	}
	return meta, ix, err
}

// matchCache checks that a cache file's metadata is for these sources as
// they are now (errCacheStale if not).
func (c *Corpus) matchCache(meta *cacheMeta) error {
	if meta.Key != c.cacheKey() || len(meta.Sources) != len(c.sources) {
		return fmt.Errorf("%w: the file is for other sources", errCacheStale)
	}
	for i, s := range c.sources {
		fp := s.fingerprint()
		if fp == 0 || fp != meta.Sources[i].Fingerprint {
			return fmt.Errorf("%w: %s", errCacheStale, s.ld.Name())
		}
	}
	return nil
}

// maxCacheMeta bounds the metadata read ahead of the file: the source list
// is a few hundred bytes a source, but pages shadowed by an earlier
// source's are stored whole, so a larger one is left to the full read.
const maxCacheMeta = 16 << 20

// readCacheMeta reads and checks a cache file's header and metadata only;
// nil, nil when the metadata is too large to read ahead.
func readCacheMeta(path string) (*cacheMeta, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var hdr [32]byte
	if _, err := io.ReadFull(f, hdr[:]); err != nil {
		return nil, errors.New("not an index cache file")
	}
	buf := hdr[:]
	// Anything but our magic and version: parseCacheFile says which.
	if string(hdr[:16]) == cacheMagic && binary.LittleEndian.Uint32(hdr[16:]) == cacheVersion {
		n := binary.LittleEndian.Uint64(hdr[24:])
		if n > maxCacheMeta {
			return nil, nil // many shadowed pages: check on the full read
		}
		buf = make([]byte, (32+n+7)&^7) // with the padding parseCacheFile checks
		copy(buf, hdr[:])
		if _, err := io.ReadFull(f, buf[32:]); err != nil {
			return nil, errors.New("truncated metadata")
		}
	}
	meta, _, err := parseCacheFile(buf)
	return meta, err
}

// The file: magic[16] | version u32 | crc32c(meta) u32 | meta length u64 |
// meta JSON | zero padding to 8 bytes | the index (search.WriteTo, which
// checks itself).
func parseCacheFile(data []byte) (*cacheMeta, []byte, error) {
	if len(data) < 32 || string(data[:16]) != cacheMagic {
		return nil, nil, errors.New("not an index cache file")
	}
	if v := binary.LittleEndian.Uint32(data[16:]); v != cacheVersion {
		return nil, nil, fmt.Errorf("%w: cache format %d, want %d", errCacheStale, v, cacheVersion)
	}
	n := binary.LittleEndian.Uint64(data[24:])
	if n > uint64(len(data)-32) {
		return nil, nil, errors.New("truncated metadata")
	}
	metaJSON := data[32 : 32+n]
	if crc32.Checksum(metaJSON, crc32.MakeTable(crc32.Castagnoli)) != binary.LittleEndian.Uint32(data[20:]) {
		return nil, nil, errors.New("metadata checksum mismatch")
	}
	var meta cacheMeta
	if err := json.Unmarshal(metaJSON, &meta); err != nil {
		return nil, nil, fmt.Errorf("metadata: %w", err)
	}
	off := (32 + n + 7) &^ 7
	if off > uint64(len(data)) {
		return nil, nil, errors.New("truncated")
	}
	return &meta, data[off:], nil
}

// splitPages gives each source its pages back from the index's merged list.
func splitPages(meta *cacheMeta, ix *search.Index) ([][]source.Page, error) {
	all := ix.SourcePages()
	next := 0
	out := make([][]source.Page, len(meta.Sources))
	for i, ms := range meta.Sources {
		if ms.Pages < 0 || ms.Pages-len(ms.Shadowed) > len(all)-next {
			return nil, errors.New("page counts do not match the index")
		}
		if len(ms.Shadowed) == 0 {
			// The usual case: the source's pages are a run of the index's,
			// shared read-only (full slice expression: appends copy).
			out[i] = all[next : next+ms.Pages : next+ms.Pages]
			next += ms.Pages
			continue
		}
		pages := make([]source.Page, ms.Pages)
		sh := 0
		for pos := range pages {
			if sh < len(ms.Shadowed) && ms.Shadowed[sh].Pos == pos {
				pages[pos] = ms.Shadowed[sh].Page
				sh++
				continue
			}
			pages[pos] = all[next]
			next++
		}
		if sh != len(ms.Shadowed) {
			return nil, errors.New("shadowed pages out of order")
		}
		out[i] = pages
	}
	if next != len(all) {
		return nil, errors.New("page counts do not match the index")
	}
	return out, nil
}

// persist writes the index just built to the cache, in the background (a
// 100k-page index is a few hundred MB; serving must not wait for it).
// Writes are serialized and only the newest pending one runs.
func (c *Corpus) persist(merged []source.Page, ix *search.Index, builtAt time.Time) {
	if !c.cacheable() {
		return
	}
	meta := &cacheMeta{Key: c.cacheKey(), BuiltAt: builtAt}
	seen := make(map[string]bool, len(merged))
	next := 0
	for _, s := range c.sources {
		s.mu.Lock()
		pages, fp, failed := s.pages, s.fp, s.lastErr != ""
		s.mu.Unlock()
		if failed || fp == 0 {
			// The last good pages of a broken source are not what its
			// files say now: a restart must see the error, not a cache.
			return
		}
		ms := cacheSource{Name: s.ld.Name(), Fingerprint: fp, Pages: len(pages)}
		for pos, p := range pages {
			if seen[p.ID] {
				ms.Shadowed = append(ms.Shadowed, shadowedPage{pos, p})
				continue
			}
			seen[p.ID] = true
			if next >= len(merged) || merged[next].ID != p.ID {
				return // merged differently than replayed here: never write a wrong split
			}
			next++
		}
		meta.Sources = append(meta.Sources, ms)
	}
	if next != len(merged) {
		return
	}
	gen := c.cacheGen.Add(1)
	c.cacheWG.Add(1)
	go func() {
		defer c.cacheWG.Done()
		c.cacheMu.Lock()
		defer c.cacheMu.Unlock()
		if c.cacheGen.Load() != gen {
			return // a newer index is waiting to be written
		}
		start := time.Now()
		path := c.cachePath()
		log := c.log.With(zap.String("corpus", c.opts.Name), zap.String("file", path))
		size, err := writeCacheFile(path, meta, ix, &c.cacheStop)
		if err != nil {
			log.Warn("could not write the docs index cache", zap.Error(err))
			return
		}
		log.Debug("docs index cache written", zap.Int64("bytes", size), zap.Duration("duration", time.Since(start)))
		pruneCache(c.opts.IndexCache, path)
	}()
}

// writeCacheFile writes to a temporary file in the same directory and
// renames it over path, so readers see the old file or the new one.
func writeCacheFile(path string, meta *cacheMeta, ix *search.Index, stop *atomic.Bool) (int64, error) {
	metaJSON, err := json.Marshal(meta)
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return 0, err
	}
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return 0, err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after a successful rename, a no-op
	var hdr bytes.Buffer
	hdr.WriteString(cacheMagic)
	hdr.Write(binary.LittleEndian.AppendUint32(nil, cacheVersion))
	hdr.Write(binary.LittleEndian.AppendUint32(nil, crc32.Checksum(metaJSON, crc32.MakeTable(crc32.Castagnoli))))
	hdr.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(metaJSON))))
	hdr.Write(metaJSON)
	for hdr.Len()%8 != 0 {
		hdr.WriteByte(0)
	}
	w := &cappedWriter{w: f, left: maxCacheFile, stop: stop}
	_, err = w.Write(hdr.Bytes())
	if err == nil {
		_, err = ix.WriteTo(w)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, err
	}
	return maxCacheFile - w.left, os.Rename(tmp, path)
}

// cappedWriter fails once more than left bytes were written, or once stop
// is set (Close abandons a write rather than wait for it).
type cappedWriter struct {
	w    io.Writer
	left int64
	stop *atomic.Bool
}

func (c *cappedWriter) Write(p []byte) (int, error) {
	if c.stop.Load() {
		return 0, errors.New("corpus closed")
	}
	if int64(len(p)) > c.left {
		return 0, fmt.Errorf("index cache file over the %d-byte cap", int64(maxCacheFile))
	}
	c.left -= int64(len(p))
	return c.w.Write(p)
}

// pruneCache keeps the directory bounded: temporary files left by a crash
// (older than an hour, so another process's write in progress is spared)
// and, beyond maxCacheFiles, the least recently written cache files.
func pruneCache(dir, keep string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	type file struct {
		path string
		mod  time.Time
	}
	var files []file
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		path := filepath.Join(dir, e.Name())
		switch {
		case strings.Contains(e.Name(), cacheExt+".tmp-"):
			if time.Since(info.ModTime()) > time.Hour {
				os.Remove(path)
			}
		case strings.HasSuffix(e.Name(), cacheExt) && path != keep:
			files = append(files, file{path, info.ModTime()})
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].mod.After(files[j].mod) })
	for i := maxCacheFiles - 1; i < len(files); i++ {
		os.Remove(files[i].path)
	}
}
