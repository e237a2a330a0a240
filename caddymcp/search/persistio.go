package search

import (
	"bufio"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"reflect"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/caddy-mcp/caddy-mcp/internal/bigmem"
)

// The byte-level reading and writing of the persisted index: varints,
// strings, alignment, the running checksum, and the decoder's bounds and
// allocation budget that keep a damaged file from doing harm.

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

type encoder struct {
	w   *bufio.Writer
	crc uint32
	n   int64 // payload bytes written, for alignment
	err error
	buf [binary.MaxVarintLen64]byte
}

func (e *encoder) write(b []byte) {
	if e.err != nil || len(b) == 0 {
		return
	}
	e.crc = crc32.Update(e.crc, castagnoli, b)
	_, e.err = e.w.Write(b)
	e.n += int64(len(b))
}

func (e *encoder) uvarint(v uint64) { e.write(e.buf[:binary.PutUvarint(e.buf[:], v)]) }
func (e *encoder) varint(v int64)   { e.write(e.buf[:binary.PutVarint(e.buf[:], v)]) }

func (e *encoder) str(s string) {
	e.uvarint(uint64(len(s)))
	if len(s) > 0 {
		e.write(unsafe.Slice(unsafe.StringData(s), len(s)))
	}
}

// align pads the payload to a multiple of n bytes.
func (e *encoder) align(n int) {
	var zero [8]byte
	if pad := (int64(n) - e.n%int64(n)) % int64(n); pad > 0 {
		e.write(zero[:pad])
	}
}

type decoder struct {
	data []byte
	off  int
	err  error
	// Big maps are built by goroutines (see mapCodec) while decoding goes
	// on; wait collects them.
	wg     sync.WaitGroup
	mu     sync.Mutex
	subErr error
	// inCopy is set while decoding into a temporary that is copied away
	// (a generic map's key or value): nothing may be built later there.
	inCopy int
	// budget bounds what decoding allocates. The checksum is verified in
	// parallel with decoding, so a damaged length must not make us
	// allocate gigabytes before the mismatch is known; a valid file needs
	// less than its own size. Shared by the decoders of one file (big
	// slices are decoded on several goroutines, see sliceCodec).
	budget *atomic.Int64
	// slabs hand out the memory of small slices (see slab), per slice type.
	slabs map[reflect.Type]*slab
}

// A slab is one allocation that many small slices of one type are carved
// from: a 100k-page index has a Sections and a Tags slice per page, and
// allocating them one by one was a large part of decoding (the allocator,
// the fresh memory's page faults, the collector's bookkeeping). The slices
// have cap == len, so an append by a reader copies instead of writing
// over a neighbour; the index is immutable, so nothing else writes them.
type slab struct {
	next     unsafe.Pointer // first free element
	left     int            // free elements at next
	size     int            // element size
	lastElem int            // elements in the last chunk allocated
}

// Slab chunks start small (a small index should not hold hundreds of
// unused KiB) and double up to slabMaxBytes; a slice of more than a
// quarter of that is allocated on its own, so at most a quarter of a
// chunk is left unused when a slice does not fit in the rest. The cap is
// a few huge pages, so that big chunks (a 100k-page index has ~30 MB of
// sections) are filled with a fault per 2 MiB rather than per 4 KiB.
const (
	slabMinBytes = 4 << 10
	slabMaxBytes = 8 << 20
)

// slab returns zeroed memory for n elements of the slice type t (nil for
// n == 0). The decoder's budget was charged for the n elements already; a
// chunk's unused rest is bounded by slabMaxBytes per type, and the types
// are the Index's (a handful).
func (d *decoder) slab(t reflect.Type, n int) unsafe.Pointer {
	if n == 0 {
		return nil
	}
	size := int(t.Elem().Size())
	if size == 0 || n*size > slabMaxBytes/4 {
		v := reflect.MakeSlice(t, n, n)
		// Big slices (the page list) are fresh memory the decoder is about
		// to fill: huge pages make that a few faults instead of thousands.
		bigmem.Advise(v.UnsafePointer(), n*size)
		return v.UnsafePointer()
	}
	if d.slabs == nil {
		d.slabs = make(map[reflect.Type]*slab)
	}
	s := d.slabs[t]
	if s == nil {
		s = &slab{size: size}
		d.slabs[t] = s
	}
	if s.left < n {
		chunk := min(max(2*s.lastElem*size, slabMinBytes), slabMaxBytes) / size
		chunk = max(chunk, n)
		s.next, s.left, s.lastElem = reflect.MakeSlice(t, chunk, chunk).UnsafePointer(), chunk, chunk
		bigmem.Advise(s.next, chunk*size) // nothing below one whole huge page
	}
	p := s.next
	if s.left -= n; s.left > 0 {
		s.next = unsafe.Add(s.next, n*size)
	} else {
		// One past the end of the chunk is another object's memory (or
		// none): the collector must never see such a pointer.
		s.next = nil
	}
	return p
}

// alloc takes n bytes from the budget and reports whether they were there.
func (d *decoder) alloc(n uint64) bool {
	if n > 1<<62 || d.budget.Add(-int64(n)) < 0 {
		d.fail()
		return false
	}
	return true
}

// setSubErr records the error of a goroutine decoding part of the file.
func (d *decoder) setSubErr(err error) {
	d.mu.Lock()
	if d.subErr == nil {
		d.subErr = err
	}
	d.mu.Unlock()
}

// wait waits for the map builders and merges their errors.
func (d *decoder) wait() {
	d.wg.Wait()
	if d.err == nil && d.subErr != nil {
		d.err = d.subErr
	}
}

// parallelMapMin is the size from which a map[string]int32 is built on
// its own goroutine: map inserts are slow, and a restart should use every
// core. (The index's big lookup tables are strTables now, read as views;
// this serves any such map a future field adds.)
const parallelMapMin = 4096

var errCorrupt = errors.New("search: persisted index is corrupt")

func (d *decoder) fail() {
	if d.err == nil {
		d.err = errCorrupt
	}
	d.off = len(d.data) // every later read fails too
}

func (d *decoder) take(n int) []byte {
	if n < 0 || n > len(d.data)-d.off {
		d.fail()
		return nil
	}
	b := d.data[d.off : d.off+n : d.off+n]
	d.off += n
	return b
}

func (d *decoder) uvarint() uint64 {
	// Most values (string lengths, counts) fit in one or two bytes: decode
	// those inline, they are a fifth of the decoding time otherwise.
	if d.off+1 < len(d.data) {
		b0 := d.data[d.off]
		if b0 < 0x80 {
			d.off++
			return uint64(b0)
		}
		if b1 := d.data[d.off+1]; b1 < 0x80 {
			d.off += 2
			return uint64(b0&0x7f) | uint64(b1)<<7
		}
	}
	v, n := binary.Uvarint(d.data[d.off:])
	if n <= 0 {
		d.fail()
		return 0
	}
	d.off += n
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.data[d.off:])
	if n <= 0 {
		d.fail()
		return 0
	}
	d.off += n
	return v
}

// length reads a count that must fit in the remaining bytes (each element
// takes at least one byte), so a corrupt count cannot make us allocate more
// than the file holds.
func (d *decoder) length() int {
	v := d.uvarint()
	if v > uint64(len(d.data)-d.off) {
		d.fail()
		return 0
	}
	return int(v)
}

func (d *decoder) str() string {
	b := d.take(d.length())
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

func (d *decoder) align(n int) { d.take((n - d.off%n) % n) }

// sliceHeader is the runtime layout of a slice.
type sliceHeader struct {
	data     unsafe.Pointer
	len, cap int
}

// emptyData is where empty non-nil slices point (DeepEqual tells nil from
// empty, and so must the round trip).
var emptyData [0]uint64

func crc32Update(crc uint32, b []byte) uint32 { return crc32.Update(crc, castagnoli, b) }
