package corpus

import (
	"encoding/binary"
	"hash/fnv"
	"hash/maphash"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// fingerprint summarizes a local source's files by path, size and
// modification time without reading them, so polling every few seconds
// stays cheap. Hidden files and directories (".git", editor swap files) are
// skipped: the loaders ignore them and they change all the time.
func fingerprint(location string) (uint64, error) {
	h := fnv.New64a()
	var buf [16]byte
	add := func(path string, fi fs.FileInfo) {
		h.Write([]byte(path))
		binary.LittleEndian.PutUint64(buf[:8], uint64(fi.Size()))
		binary.LittleEndian.PutUint64(buf[8:], uint64(fi.ModTime().UnixNano()))
		h.Write(buf[:])
	}
	fi, err := os.Stat(location)
	if err != nil {
		return 0, err
	}
	if !fi.IsDir() {
		add(location, fi)
		return h.Sum64() | 1, nil // never 0, which means "unknown"
	}
	err = filepath.WalkDir(location, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			// An unreadable subtree is part of the state: hash the error so
			// that it becoming readable again counts as a change.
			h.Write([]byte(path + "\x00" + err.Error()))
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if path != location && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				add(path, info)
			}
		}
		return nil
	})
	return h.Sum64() | 1, err
}

// hashPages hashes everything a page exposes, so that reloading identical
// content (a touched file, a forced reload) does not trigger a rebuild.
func hashPages(pages []source.Page) uint64 {
	var h maphash.Hash
	h.SetSeed(hashSeed)
	str := func(s string) {
		h.WriteString(s)
		h.WriteByte(0)
	}
	num := func(n int64) { maphash.WriteComparable(&h, n) }
	for i := range pages {
		p := &pages[i]
		str(p.ID)
		str(p.Title)
		str(p.URL)
		str(p.Path)
		str(p.Summary)
		str(p.Section)
		str(p.Lang)
		str(p.Version)
		num(int64(len(p.Tags)))
		for _, t := range p.Tags {
			str(t)
		}
		num(p.LastMod.UnixNano())
		num(int64(len(p.Sections)))
		for _, s := range p.Sections {
			str(s.Heading)
			str(s.Anchor)
			num(int64(s.Level))
			str(s.Text)
		}
	}
	return h.Sum64()
}

// hashSeed is fixed for the process: hashes are only compared in memory.
var hashSeed = maphash.MakeSeed()
