package search

import (
	"crypto/sha256"
	"encoding/binary"
	"io"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// ContentDigest is a SHA-256 of the index's pages: every field that can
// change a search answer, in index order, length-prefixed so that no two
// page lists hash alike by shifting bytes between fields. Source (a
// config string, which may name a local path that differs between
// machines) is left out, so instances indexing the same documents agree.
// mcptools uses it as the index identity in search_docs cursors.
//
// It is computed once by Build and persisted with the index: it reads
// every page's text (120 MB at 100k pages), which a restart from the
// index cache would otherwise pay again, on the way to its first answer
// or beside it.
func (ix *Index) ContentDigest() [32]byte { return ix.digest }

func pagesDigest(pages []source.Page) [32]byte {
	h := sha256.New()
	var n [binary.MaxVarintLen64]byte
	num := func(v int64) { h.Write(n[:binary.PutVarint(n[:], v)]) }
	str := func(s string) {
		num(int64(len(s)))
		io.WriteString(h, s) // without a copy: sha256's digest is a StringWriter
	}
	num(int64(len(pages)))
	for i := range pages {
		p := &pages[i]
		for _, s := range [...]string{p.ID, p.Title, p.URL, p.Path, p.Summary, p.Section, p.Lang, p.Version} {
			str(s)
		}
		num(int64(len(p.Tags)))
		for _, t := range p.Tags {
			str(t)
		}
		num(p.LastMod.Unix())
		num(int64(p.LastMod.Nanosecond()))
		num(int64(len(p.Sections)))
		for _, s := range p.Sections {
			str(s.Heading)
			str(s.Anchor)
			num(int64(s.Level))
			str(s.Text)
		}
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}
