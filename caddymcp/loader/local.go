package loader

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// local is a file or directory on this machine. Its location is resolved
// (symlinks included) at every load, so a deploy that switches a symlink
// (/var/www/current -> releases/43) is followed; what lies under the
// resolved root is read through an os.Root, so no symlink inside the tree
// reaches outside it.
type local struct {
	spec source.Spec
	opts Options
	kind source.Kind
	dir  bool
}

func newLocal(spec source.Spec, opts Options) (*local, error) {
	real, err := filepath.EvalSymlinks(spec.Location)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", spec, pathless(err))
	}
	fi, err := os.Stat(real)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", spec, pathless(err))
	}
	kind, err := localKind(spec, fi)
	if err != nil {
		return nil, err
	}
	l := &local{spec: spec, opts: opts, kind: kind, dir: fi.IsDir()}
	switch {
	case (kind == source.KindMarkdown || kind == source.KindSiteRoot) && !l.dir:
		return nil, fmt.Errorf("source %s: not a directory (kind %s reads a folder)", spec, kind)
	case (kind == source.KindIndexJSON || kind == source.KindLLMSTxt) && l.dir:
		return nil, fmt.Errorf("source %s: is a directory, want a file", spec)
	case kind == source.KindHTML:
		return nil, fmt.Errorf("source %s: kind %q cannot be configured (a folder of HTML files is site_root)", spec, kind)
	}
	return l, nil
}

func (l *local) Spec() source.Spec { return l.spec }
func (l *local) Kind() source.Kind { return l.kind }
func (l *local) Remote() bool      { return false }
func (l *local) Name() string {
	s := l.spec
	s.Kind = l.kind
	return s.String()
}

// open resolves the location and opens the folder to read as an os.Root;
// name is the file to read in it ("" for a tree).
func (l *local) open() (root *os.Root, name string, err error) {
	real, err := filepath.EvalSymlinks(l.spec.Location)
	if err != nil {
		return nil, "", pathless(err)
	}
	dir := real
	if !l.dir {
		dir, name = filepath.Dir(real), filepath.Base(real)
	}
	root, err = os.OpenRoot(dir)
	if err != nil {
		return nil, "", pathless(err)
	}
	return root, name, nil
}

// Load reads the tree or file under the parse deadline.
func (l *local) Load(ctx context.Context) (Result, error) {
	name := l.Name()
	pages, err := withDeadline(ctx, l.opts.ParseTimeout, name, func(ctx context.Context) ([]source.Page, error) {
		root, file, err := l.open()
		if err != nil {
			return nil, fmt.Errorf("source %s: %w", name, err)
		}
		defer root.Close()
		spec := l.spec
		spec.Kind = l.kind
		t := &tree{fsys: root.FS(), spec: spec, name: name, max: l.opts.MaxBytes, ctx: ctx}
		switch l.kind {
		case source.KindIndexJSON:
			return t.loadFile(file, parseIndexJSON)
		case source.KindLLMSTxt:
			return t.loadFile(file, parseLLMSTxt)
		case source.KindMarkdown:
			return t.loadMarkdown()
		case source.KindSiteRoot:
			return t.loadSiteRoot()
		}
		return nil, fmt.Errorf("source %s: unknown kind %q", name, l.kind)
	})
	if err != nil {
		return Result{}, err
	}
	if len(pages) == 0 {
		return Result{}, fmt.Errorf("source %s: no pages", name)
	}
	return Result{Pages: finishSource(pages, name)}, nil
}

// finishSource names the source of every page, keeps the first page of
// each ID and strips the site-wide part of the titles.
func finishSource(pages []source.Page, name string) []source.Page {
	for i := range pages {
		pages[i].Source = name
	}
	pages = source.Merge(pages)
	stripSiteTitles(pages)
	return pages
}

// Fingerprint summarizes the files by path, size and modification time
// without reading them, so polling every few seconds stays cheap. Hidden
// files and directories (".git", editor swap files) are skipped: the
// loaders ignore them and they change all the time. Symlinks count by
// their target, when it lies inside the root.
func (l *local) Fingerprint() uint64 {
	root, file, err := l.open()
	if err != nil {
		return 0
	}
	defer root.Close()
	fsys := root.FS()
	h := fnv.New64a()
	var buf [16]byte
	add := func(p string, fi fs.FileInfo) {
		h.Write([]byte(p))
		binary.LittleEndian.PutUint64(buf[:8], uint64(fi.Size()))
		binary.LittleEndian.PutUint64(buf[8:], uint64(fi.ModTime().UnixNano()))
		h.Write(buf[:])
	}
	if file != "" {
		fi, err := fs.Stat(fsys, file)
		if err != nil {
			return 0
		}
		add(file, fi)
		return h.Sum64() | 1 // never 0, which means "unreadable"
	}
	_ = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			// An unreadable subtree is part of the state: hash the error so
			// that it becoming readable again counts as a change.
			h.Write([]byte(p + "\x00" + err.Error()))
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if p != "." && hiddenName(d.Name()) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() || d.Type()&fs.ModeSymlink != 0 {
			if fi, err := fs.Stat(fsys, p); err == nil && fi.Mode().IsRegular() {
				add(p, fi)
			}
		}
		return nil
	})
	return h.Sum64() | 1
}

// hiddenName reports whether a file or folder is hidden (".git", ".env")
// or a dependency folder: never content.
func hiddenName(name string) bool {
	return strings.HasPrefix(name, ".") || name == "node_modules"
}

// tree reads the files of one local source through its os.Root.
type tree struct {
	fsys fs.FS
	spec source.Spec
	name string // public name of the source, for errors
	max  int64  // largest file read
	ctx  context.Context
}

// errSkip marks a file that is not content: a symlink whose target is
// outside the root, missing or not a regular file (a FIFO, a device).
var errSkip = errors.New("not a regular file inside the source")

// read reads a regular file of at most t.max bytes. Stat before open: a
// FIFO would block the open itself.
func (t *tree) read(name string) ([]byte, fs.FileInfo, error) {
	fi, err := fs.Stat(t.fsys, name)
	if err != nil {
		return nil, nil, errSkip
	}
	if !fi.Mode().IsRegular() {
		return nil, nil, errSkip
	}
	if fi.Size() > t.max {
		return nil, nil, fmt.Errorf("%s: %d bytes exceeds the limit of %d", name, fi.Size(), t.max)
	}
	f, err := t.fsys.Open(name)
	if err != nil {
		return nil, nil, pathless(err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, t.max+1))
	if err != nil {
		return nil, nil, pathless(err)
	}
	if int64(len(data)) > t.max {
		return nil, nil, fmt.Errorf("%s: exceeds the limit of %d bytes", name, t.max)
	}
	return data, fi, nil
}

// loadFile parses one file with a parser of a file kind.
func (t *tree) loadFile(name string, parse func(ctx context.Context, data []byte, spec source.Spec) ([]source.Page, error)) ([]source.Page, error) {
	data, _, err := t.read(name)
	if errors.Is(err, errSkip) {
		return nil, fmt.Errorf("source %s: not a regular file", t.name)
	}
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", t.name, err)
	}
	return parse(t.ctx, data, t.spec)
}

// walk lists the content files under the root (hidden folders and
// node_modules skipped) whose name keep accepts, in walk order.
func (t *tree) walk(keep func(lowName string) bool) ([]string, error) {
	var files []string
	err := fs.WalkDir(t.fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return pathless(err)
		}
		if err := t.ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() {
			if p != "." && hiddenName(d.Name()) {
				return fs.SkipDir
			}
			return nil
		}
		if !hiddenName(d.Name()) && keep(strings.ToLower(d.Name())) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", t.name, err)
	}
	return files, nil
}

// pathless drops the path from a file system error: the message must not
// tell clients or logs how the server is laid out.
func pathless(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s %s: %w", pe.Op, filepath.Base(pe.Path), pe.Err)
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return fmt.Errorf("%s: %w", le.Op, le.Err)
	}
	return err
}
