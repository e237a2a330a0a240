package search

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"unsafe"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// TestSlabCarving: slices carved from one slab never overlap, are zeroed,
// cross chunk boundaries correctly, and big ones get their own memory.
func TestSlabCarving(t *testing.T) {
	d := &decoder{}
	typ := reflect.TypeFor[[]uint64]()
	type span struct{ lo, hi uintptr }
	var spans []span
	var all [][]uint64
	for i, total := 0, 0; total < 2*slabMaxBytes; i++ {
		n := 1 + i%97 // crosses many chunk ends, and the doubling up to slabMaxBytes
		total += n * 8
		p := d.slab(typ, n)
		s := unsafe.Slice((*uint64)(p), n)
		for j := range s {
			if s[j] != 0 {
				t.Fatalf("slice %d not zeroed", i)
			}
			s[j] = uint64(i)
		}
		all = append(all, s)
		spans = append(spans, span{uintptr(p), uintptr(p) + uintptr(n*8)})
	}
	for i, s := range all {
		for _, v := range s {
			if v != uint64(i) {
				t.Fatalf("slice %d overwritten by another (%d)", i, v)
			}
		}
	}
	if s := d.slabs[typ]; s.lastElem*8 != slabMaxBytes {
		t.Errorf("last chunk %d bytes, want the %d cap", s.lastElem*8, slabMaxBytes)
	}
	if p := d.slab(typ, 0); p != nil {
		t.Error("n == 0 got memory")
	}
	big := slabMaxBytes/4/8 + 1
	p := d.slab(typ, big)
	for _, sp := range spans {
		if uintptr(p) < sp.hi && sp.lo < uintptr(p)+uintptr(big*8) {
			t.Fatal("a big slice overlaps a slab")
		}
	}
}

// TestPersistSlabSlices: a restored index's small slices come from slabs
// but have cap == len, so a caller appending to one page's tags or
// sections copies instead of writing over the next page's; and decoding
// makes far fewer allocations than there are small slices. 5000 pages:
// the page list is written in blocks and decoded on several goroutines.
func TestPersistSlabSlices(t *testing.T) {
	pages := blockPages(5000)
	if encodesAligned(reflect.TypeFor[source.Page](), map[reflect.Type]bool{}) {
		t.Fatal("pages would not be written in blocks")
	}
	if !encodesAligned(reflect.TypeFor[postings](), map[reflect.Type]bool{}) {
		t.Fatal("postings hold aligned arrays")
	}
	var buf bytes.Buffer
	orig := Build(pages)
	if _, err := orig.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	ix, err := ReadIndex(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(orig, ix) {
		t.Fatal("decoded index differs from the built one")
	}
	got := ix.SourcePages()
	for i := range got {
		if cap(got[i].Tags) != len(got[i].Tags) || cap(got[i].Sections) != len(got[i].Sections) {
			t.Fatalf("page %d: cap %d/%d for len %d/%d", i, cap(got[i].Tags), cap(got[i].Sections), len(got[i].Tags), len(got[i].Sections))
		}
	}
	_ = append(got[0].Tags, "appended")
	_ = append(got[0].Sections, source.Section{Text: "appended"})
	if got[1].Tags[0] != "a" || got[1].Sections[0].Text != "first section" {
		t.Fatal("an append to one page's slices changed the next page")
	}
	allocs := testing.AllocsPerRun(3, func() {
		if _, err := ReadIndex(data); err != nil {
			t.Fatal(err)
		}
	})
	// 10000 small slices (tags and sections); the maps and the rest are a
	// few hundred allocations.
	if allocs > 1000 {
		t.Errorf("ReadIndex made %.0f allocations for %d pages: the small slices are not from slabs", allocs, len(pages))
	}
}

// TestDecodeDamagedBlocks: damage anywhere in a file with blocked slices
// (decoded on several goroutines) is an error or a harmless success,
// never a crash or a race (run with -race). The checksum is bypassed to
// reach the decoder with the damage.
func TestDecodeDamagedBlocks(t *testing.T) {
	var buf bytes.Buffer
	if _, err := Build(blockPages(4500)).WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	payload := buf.Bytes()[headerSize : buf.Len()-trailerSize]
	r := rand.New(rand.NewPCG(3, 4))
	for range 60 {
		damaged := append([]byte(nil), payload...)
		for range 1 + r.IntN(3) {
			damaged[r.IntN(len(damaged))] ^= byte(1 + r.IntN(255))
		}
		decodeIndex(damaged) // must return
	}
	// A truncated block: the decoder runs out of bytes.
	if _, err := decodeIndex(payload[:len(payload)/2]); err == nil {
		t.Fatal("half a payload decoded")
	}
}

func blockPages(n int) []source.Page {
	var pages []source.Page
	for i := range n {
		pages = append(pages, source.Page{
			ID: fmt.Sprintf("x.test/p%d", i), Title: fmt.Sprintf("Page %d", i), URL: fmt.Sprintf("https://x.test/p%d", i),
			Path: fmt.Sprintf("p%d", i), Tags: []string{"a", fmt.Sprint(i)},
			Sections: []source.Section{{Text: "first section"}, {Heading: "Two", Anchor: "two", Level: 2, Text: fmt.Sprintf("text %d", i)}},
		})
	}
	return pages
}
