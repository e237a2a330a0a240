package corpus

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// writeFile replaces path atomically (a hidden temp file, then rename, as
// site generators should) with an mtime moved by age seconds, so the
// watcher sees exactly one change even on coarse-timestamp filesystems.
func writeFile(t *testing.T, path string, data []byte, age int) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		t.Fatal(err)
	}
	mt := time.Now().Add(time.Duration(age) * time.Second)
	if err := os.Chtimes(tmp, mt, mt); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// TestLocalWatch runs on synctest's clock: the watcher's polls and the
// "not retried while unchanged" wait cost no wall-clock time.
func TestLocalWatch(t *testing.T) { synctest.Test(t, testLocalWatch) }

func testLocalWatch(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "index.json")
	writeFile(t, path, indexJSON(3, "a"), 1)
	c, err := Open(context.Background(), Options{
		Specs:  []source.Spec{{Location: path}},
		Logger: zaptest.NewLogger(t),
		Watch:  10 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	writeFile(t, path, indexJSON(6, "b"), 2)
	waitFor(t, "watcher to pick up the new file", func() bool { return c.Index().Len() == 6 })
	if c.Builds() != 2 {
		t.Errorf("builds = %d", c.Builds())
	}

	// A broken file keeps the last good pages and records the error.
	writeFile(t, path, []byte(`[{"title": "half`), 3)
	waitFor(t, "error to be recorded", func() bool { return c.Status().Sources[0].LastError != "" })
	st := c.Status()
	mustContain(t, st.Sources[0].LastError, "invalid JSON")
	if c.Index().Len() != 6 || st.Builds != 2 {
		t.Fatalf("broken file: pages %d builds %d", c.Index().Len(), st.Builds)
	}
	// It is not retried while unchanged.
	attempts := st.Sources[0].Attempts
	time.Sleep(60 * time.Millisecond)
	if got := c.Status().Sources[0].Attempts; got != attempts {
		t.Errorf("unchanged broken file reloaded %d times", got-attempts)
	}

	// Touching with the same content as the index: loaded, no rebuild.
	writeFile(t, path, indexJSON(6, "b"), 4)
	waitFor(t, "recovery", func() bool { return c.Status().Sources[0].LastError == "" })
	if st := c.Status(); st.Builds != 2 || st.Sources[0].LastResult != ResultUnchanged {
		t.Errorf("same content: builds %d result %q", st.Builds, st.Sources[0].LastResult)
	}

	// A deleted file is an error too, not an empty index.
	os.Remove(path)
	waitFor(t, "deletion to be noticed", func() bool { return c.Status().Sources[0].LastError != "" })
	if c.Index().Len() != 6 {
		t.Errorf("pages = %d after deletion", c.Index().Len())
	}
}

func TestLocalReloadInterval(t *testing.T) { synctest.Test(t, testLocalReloadInterval) }

func testLocalReloadInterval(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "index.json")
	writeFile(t, path, indexJSON(2, "a"), 0)
	c, err := Open(context.Background(), Options{
		Specs:  []source.Spec{{Location: path}},
		Watch:  Off,
		Reload: 15 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	waitFor(t, "forced reloads", func() bool { return c.Status().Sources[0].Attempts >= 3 })
	if c.Builds() != 1 {
		t.Errorf("identical reloads rebuilt: builds = %d", c.Builds())
	}
	// Same size and mtime (which the watcher could miss): Reload catches it.
	fi, _ := os.Stat(path)
	os.WriteFile(path, indexJSON(2, "b"), 0o644)
	os.Chtimes(path, fi.ModTime(), fi.ModTime())
	waitFor(t, "reload to see new content", func() bool { return c.Builds() == 2 })
}

func TestLocalErrorAtOpen(t *testing.T) {
	_, err := Open(context.Background(), Options{Specs: []source.Spec{{Location: filepath.Join(t.TempDir(), "missing.json")}}})
	if err == nil {
		t.Fatal("Open succeeded with a missing local file")
	}
	mustContain(t, err.Error(), "missing.json")
	if _, err := Open(context.Background(), Options{}); err == nil {
		t.Fatal("Open succeeded without sources")
	}
}

func TestFingerprint(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "a", ".git"), 0o755)
	writeFile(t, filepath.Join(dir, "a", "x.md"), []byte("# x"), 0)
	fp1, err := fingerprint(dir)
	if err != nil || fp1 == 0 {
		t.Fatal(fp1, err)
	}
	writeFile(t, filepath.Join(dir, "a", ".git", "HEAD"), []byte("ref"), 0)
	if fp2, _ := fingerprint(dir); fp2 != fp1 {
		t.Error("hidden files changed the fingerprint")
	}
	writeFile(t, filepath.Join(dir, "a", "y.md"), []byte("# y"), 0)
	if fp3, _ := fingerprint(dir); fp3 == fp1 {
		t.Error("new file did not change the fingerprint")
	}
}

// TestMarkdownDirWatch: a new file in a watched Markdown tree appears in
// the index; an edit to a hidden file does not trigger a load.
func TestMarkdownDirWatch(t *testing.T) { synctest.Test(t, testMarkdownDirWatch) }

func testMarkdownDirWatch(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "install.md"), []byte("---\ntitle: Install\n---\n\nInstall the thing.\n"), 0)
	c, err := Open(context.Background(), Options{
		Specs:  []source.Spec{{Kind: source.KindMarkdown, Location: dir, BaseURL: "https://d.test/"}},
		Logger: zaptest.NewLogger(t),
		Watch:  10 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Index().Len() != 1 {
		t.Fatalf("pages = %d", c.Index().Len())
	}
	os.MkdirAll(filepath.Join(dir, ".git"), 0o755)
	writeFile(t, filepath.Join(dir, ".git", "index"), []byte("x"), 1)
	time.Sleep(50 * time.Millisecond)
	if n := c.Status().Sources[0].Attempts; n != 1 {
		t.Errorf("hidden file change caused %d loads", n-1)
	}
	os.MkdirAll(filepath.Join(dir, "guide"), 0o755)
	writeFile(t, filepath.Join(dir, "guide", "proxy.md"), []byte("---\ntitle: Proxy\n---\n\n# Proxy\n\nReverse proxy.\n"), 1)
	waitFor(t, "new Markdown file", func() bool { return c.Index().Len() == 2 })
	if _, ok := c.Index().Page("d.test/guide/proxy"); !ok {
		var ids []string
		for _, p := range c.Index().Pages() {
			ids = append(ids, p.ID)
		}
		t.Errorf("page ids %v", ids)
	}
}

// TestWatchSettles: a change is loaded only after the files stayed the same
// for one poll, so a tree being rewritten is not loaded half-written.
func TestWatchSettles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "index.json")
	writeFile(t, path, indexJSON(2, "a"), 0)
	c, err := Open(context.Background(), Options{Specs: []source.Spec{{Location: path}}, Watch: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, now := c.sources[0], time.Now()
	if c.due(s, now) {
		t.Fatal("due without a change")
	}
	writeFile(t, path, indexJSON(3, "b"), 1)
	if c.due(s, now) {
		t.Fatal("due on the first poll after a change")
	}
	writeFile(t, path, indexJSON(4, "c"), 2) // still being written
	if c.due(s, now) {
		t.Fatal("due while still changing")
	}
	if !c.due(s, now) {
		t.Fatal("not due once settled")
	}
	c.refresh(context.Background(), false)
	if c.Index().Len() != 4 || c.due(s, now) {
		t.Fatalf("pages %d after settled load", c.Index().Len())
	}
	os.Remove(path)
	c.due(s, now)
	if !c.due(s, now) {
		t.Fatal("deletion never due")
	}
}
