package corpus

import (
	"hash/maphash"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

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
		str(p.SiteTitle)
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
