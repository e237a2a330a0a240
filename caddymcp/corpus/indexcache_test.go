package corpus

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/search"
	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// cacheFixture is two local sources whose page IDs overlap (the second
// source's first pages are shadowed by the first's) and a cache directory.
type cacheFixture struct {
	t          *testing.T
	a, b, dir  string
	watch      time.Duration
	extraFiles bool
}

func newCacheFixture(t *testing.T) *cacheFixture {
	root := t.TempDir()
	f := &cacheFixture{t: t, a: filepath.Join(root, "a.json"), b: filepath.Join(root, "b.json"), dir: filepath.Join(root, "cache"), watch: Off}
	writeFile(t, f.a, indexJSON(3, "a"), -10)
	writeFile(t, f.b, indexJSON(5, "b"), -10)
	return f
}

// open opens the corpus and waits for its cache write, if any.
func (f *cacheFixture) open() *Corpus {
	f.t.Helper()
	c, err := Open(context.Background(), Options{
		Specs:      []source.Spec{{Location: f.a}, {Location: f.b}},
		Logger:     zaptest.NewLogger(f.t),
		Watch:      f.watch,
		IndexCache: f.dir,
	})
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { c.Close() })
	c.cacheWG.Wait()
	return c
}

func (f *cacheFixture) file() string {
	files, _ := filepath.Glob(filepath.Join(f.dir, "*"+cacheExt))
	if len(files) != 1 {
		f.t.Fatalf("cache files: %v", files)
	}
	return files[0]
}

func restored(c *Corpus) bool {
	for _, s := range c.Status().Sources {
		if s.LastResult != ResultCached {
			return false
		}
	}
	return c.Builds() == 0
}

// answers is what the corpus serves: pages and the hits of a query.
func answers(c *Corpus) string {
	ix := c.Index()
	out := ""
	for _, p := range ix.Pages() {
		out += p.ID + " " + p.Title + "\n"
	}
	for _, h := range ix.Search(search.Query{Text: "reverse proxy version b"}).Hits {
		out += fmt.Sprintf("%s %.4f %s\n", h.URL, h.Score, h.Snippet)
	}
	return out
}

func sourcePages(c *Corpus) [][]source.Page {
	var out [][]source.Page
	for _, s := range c.sources {
		out = append(out, s.snapshotPages())
	}
	return out
}

// TestIndexCacheRestart: the second Open loads the index the first built,
// with the same answers and the same per-source pages (shadowed ones
// included), and keeps watching: a change after the restore rebuilds.
func TestIndexCacheRestart(t *testing.T) {
	f := newCacheFixture(t)
	f.watch = 10 * time.Millisecond
	c1 := f.open()
	if restored(c1) || c1.Builds() != 1 {
		t.Fatalf("first open: builds %d", c1.Builds())
	}
	f.file()
	c1.Close()

	c2 := f.open()
	if !restored(c2) {
		t.Fatalf("second open did not use the cache: builds %d, status %+v", c2.Builds(), c2.Status().Sources)
	}
	if a, b := answers(c1), answers(c2); a != b {
		t.Fatalf("answers differ:\nbuilt:\n%s\nrestored:\n%s", a, b)
	}
	if !reflect.DeepEqual(sourcePages(c1), sourcePages(c2)) {
		t.Fatal("per-source pages differ after restore")
	}
	if got := len(c2.sources[1].snapshotPages()); got != 5 {
		t.Fatalf("source b has %d pages after restore, want 5 (3 shadowed)", got)
	}

	writeFile(t, f.a, indexJSON(6, "c"), 0)
	waitFor(t, "the watcher to rebuild after a restore", func() bool { return c2.Builds() == 1 })
	if c2.Index().Len() != 6 {
		t.Fatalf("pages %d after the rebuild", c2.Index().Len())
	}
	c2.cacheWG.Wait() // Close would abandon a write in progress
	c2.Close()
	// The rebuild was written back: a third start restores it.
	if c3 := f.open(); !restored(c3) || c3.Index().Len() != 6 {
		t.Fatalf("third open: restored %v, pages %d", restored(c3), c3.Index().Len())
	}
}

// TestIndexCacheNeverServesBadFiles: a changed source, a damaged or
// truncated file, another cache or engine version: each is detected, the
// index is built from the sources, and the file is rewritten.
func TestIndexCacheNeverServesBadFiles(t *testing.T) {
	flip := func(off func([]byte) int, bit byte) func(*cacheFixture) {
		return func(f *cacheFixture) {
			data, _ := os.ReadFile(f.file())
			data[off(data)] ^= bit
			os.WriteFile(f.file(), data, 0o600)
		}
	}
	indexAt := func(data []byte) int { return bytes.Index(data, []byte("caddymcp-index\x00")) }
	cases := []struct {
		name   string
		damage func(*cacheFixture)
		pages  int
	}{
		{"source changed", func(f *cacheFixture) { writeFile(t, f.b, indexJSON(6, "x"), 0) }, 6},
		{"source touched", func(f *cacheFixture) { writeFile(t, f.a, indexJSON(3, "a"), 0) }, 5},
		{"cache format version", flip(func([]byte) int { return 16 }, 0x04), 5},
		{"metadata byte", flip(func([]byte) int { return 40 }, 0x01), 5},
		{"engine version", func(f *cacheFixture) {
			data, _ := os.ReadFile(f.file())
			i := indexAt(data)
			binary.LittleEndian.PutUint32(data[i+20:], search.EngineVersion+1)
			os.WriteFile(f.file(), data, 0o600)
		}, 5},
		{"index payload byte", flip(func(d []byte) int { return indexAt(d) + (len(d)-indexAt(d))/2 }, 0x20), 5},
		{"last byte", flip(func(d []byte) int { return len(d) - 1 }, 0x01), 5},
		{"truncated", func(f *cacheFixture) {
			data, _ := os.ReadFile(f.file())
			os.WriteFile(f.file(), data[:len(data)*2/3], 0o600)
		}, 5},
		{"empty file", func(f *cacheFixture) { os.WriteFile(f.file(), nil, 0o600) }, 5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newCacheFixture(t)
			f.open().Close()
			tc.damage(f)
			c := f.open()
			if restored(c) || c.Builds() != 1 || c.Index().Len() != tc.pages {
				t.Fatalf("restored %v, builds %d, pages %d (want a rebuild with %d pages)", restored(c), c.Builds(), c.Index().Len(), tc.pages)
			}
			c.Close()
			if c2 := f.open(); !restored(c2) || c2.Index().Len() != tc.pages {
				t.Fatalf("the rebuilt index was not written back: restored %v", restored(c2))
			}
		})
	}
}

// TestIndexCacheKeyedOnFullSpec: the same files under another base URL
// (which changes Markdown pages' URLs) are another cache entry.
func TestIndexCacheKeyedOnFullSpec(t *testing.T) {
	f := newCacheFixture(t)
	f.open().Close()
	c, err := Open(context.Background(), Options{
		Specs:      []source.Spec{{Location: f.a, BaseURL: "https://other.example/"}, {Location: f.b}},
		Watch:      Off,
		IndexCache: f.dir,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if restored(c) {
		t.Fatal("restored the index of a source with another base URL")
	}
}

// TestIndexCacheOff: no directory, or Reload (mtimes not trusted), or a
// remote source: no cache file is written or read.
func TestIndexCacheOff(t *testing.T) {
	f := newCacheFixture(t)
	for _, opts := range []Options{
		{Specs: []source.Spec{{Location: f.a}}},
		{Specs: []source.Spec{{Location: f.a}}, IndexCache: f.dir, Reload: time.Hour},
		{Specs: []source.Spec{{Location: f.a}, {Location: newSite(t, indexJSON(2, "r")).url("/index.json")}}, IndexCache: f.dir, Refresh: Off},
	} {
		opts.Watch = Off
		for range 2 {
			c, err := Open(context.Background(), opts)
			if err != nil {
				t.Fatal(err)
			}
			c.Close()
			if c.Builds() != 1 {
				t.Fatalf("%+v: builds %d", opts, c.Builds())
			}
		}
	}
	if entries, _ := os.ReadDir(f.dir); len(entries) != 0 {
		t.Fatalf("cache files written: %v", entries)
	}
}

// TestIndexCacheBounded: one file per source set (rewritten in place), and
// files of other source sets and crashed writes are pruned.
func TestIndexCacheBounded(t *testing.T) {
	f := newCacheFixture(t)
	os.MkdirAll(f.dir, 0o700)
	old := time.Now().Add(-2 * time.Hour)
	for i := range maxCacheFiles + 5 {
		p := filepath.Join(f.dir, fmt.Sprintf("other%02d%s", i, cacheExt))
		os.WriteFile(p, []byte("x"), 0o600)
		os.Chtimes(p, old.Add(time.Duration(i)*time.Minute), old.Add(time.Duration(i)*time.Minute))
	}
	tmp := filepath.Join(f.dir, "abc"+cacheExt+".tmp-123")
	os.WriteFile(tmp, []byte("x"), 0o600)
	os.Chtimes(tmp, old, old)
	f.open().Close()
	f.watch = 10 * time.Millisecond
	c := f.open()
	writeFile(t, f.a, indexJSON(2, "z"), 0)
	waitFor(t, "rebuild", func() bool { return c.Builds() == 1 })
	c.cacheWG.Wait()
	c.Close()
	files, _ := filepath.Glob(filepath.Join(f.dir, "*"))
	if len(files) != maxCacheFiles {
		t.Fatalf("%d files in the cache directory, want %d: %v", len(files), maxCacheFiles, files)
	}
	if _, err := os.Stat(tmp); err == nil {
		t.Fatal("stale temporary file kept")
	}
	if _, err := os.Stat(filepath.Join(f.dir, "other00"+cacheExt)); err == nil {
		t.Fatal("oldest file of another source set kept")
	}
}

// TestIndexCacheStaleByHeader: whether a file is for the sources as they
// are now is decided from its header, before the file is read: a stale
// file too big to read at all is reported stale (so is rebuilt with an
// info line, not a warning), and a big stale one is not read to be thrown
// away.
func TestIndexCacheStaleByHeader(t *testing.T) {
	f := newCacheFixture(t)
	c := f.open()
	path := f.file()
	if _, _, err := c.readCache(path); err != nil {
		t.Fatalf("fresh file: %v", err)
	}
	writeFile(t, f.a, indexJSON(3, "a"), 0) // touched: the file is stale
	if err := os.Truncate(path, maxCacheFile+1); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.readCache(path); !errors.Is(err, errCacheStale) {
		t.Fatalf("stale file beyond the size cap: %v, want errCacheStale", err)
	}
	// A header that lies about its metadata size is refused, not trusted.
	data := make([]byte, 40)
	copy(data, cacheMagic)
	binary.LittleEndian.PutUint32(data[16:], cacheVersion)
	binary.LittleEndian.PutUint64(data[24:], 1<<20)
	os.WriteFile(path, data, 0o600)
	if _, _, err := c.readCache(path); err == nil || errors.Is(err, errCacheStale) {
		t.Fatalf("truncated metadata: %v", err)
	}
}
