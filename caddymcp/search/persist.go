package search

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"runtime"
	"sync/atomic"
	"unsafe"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

// EngineVersion names what Build makes of a set of pages. Bump it whenever
// Build's output changes for the same input (tokenizing, stemming, stop
// words, length norms, ...), so that indexes persisted by older builds are
// rebuilt instead of served. Changes to the Index's type layout and to the
// tuning parameters are caught without a bump (both feed the schema hash).
const EngineVersion = 1

// persistFormat is the version of the framing below. 2: the lookup
// tables are strTables (persisted as views) instead of Go maps (rebuilt
// entry by entry); the schema hash would tell the layouts apart anyway,
// the number says so plainly. 3: big slices are written in blocks (see
// sliceCodec), whose size and threshold are part of the format.
const persistFormat = 3

// The persisted form of an Index:
//
//	magic[16] | format u32 | engine u32 | schema u64 | payload | payload length u64 | crc32c(payload) u32
//
// all little-endian; the header is 32 bytes, so the payload starts 8-byte
// aligned whenever the encoding does.
const (
	persistMagic  = "caddymcp-index\x00\x01"
	headerSize    = 32
	trailerSize   = 12
	persistMinLen = headerSize + trailerSize
)

// ErrStaleIndex is returned (wrapped) by ReadIndex for a well-formed file
// written by a build with another format, engine version, index layout or
// architecture: not damage, but not usable either.
var ErrStaleIndex = errors.New("search: persisted index is from another version")

// ErrCorruptIndex is returned (wrapped) by ReadIndex for a damaged file:
// wrong magic, wrong length, checksum mismatch or undecodable content.
var ErrCorruptIndex = errCorrupt

// schemaHash identifies the Index layout and the tuning that Build bakes in
// (the default tuning: an index carries its knobs, and a restored one
// must rank as a fresh Build would), for this architecture.
func schemaHash() (uint64, error) {
	_, schema, err := codecForIndex()
	if err != nil {
		return 0, err
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "%s|%+v", schema, defaultTuning)
	return h.Sum64(), nil
}

func runtimeArch() string { return runtime.GOARCH }

// littleEndian: the file stores numbers in host order, read as views, so
// only little-endian hosts (all of Caddy's usual ones) use it.
var littleEndian = func() bool { x := uint16(1); return *(*byte)(unsafe.Pointer(&x)) == 1 }()

// WriteTo writes the index in its persisted form (see ReadIndex). It
// implements io.WriterTo.
func (ix *Index) WriteTo(w io.Writer) (int64, error) {
	if !littleEndian {
		return 0, fmt.Errorf("search: persisting an index needs a little-endian host (%s)", runtime.GOARCH)
	}
	c, _, err := codecForIndex()
	if err != nil {
		return 0, err
	}
	sh, _ := schemaHash()
	bw := bufio.NewWriterSize(w, 1<<16)
	var hdr [headerSize]byte
	copy(hdr[:], persistMagic)
	binary.LittleEndian.PutUint32(hdr[16:], persistFormat)
	binary.LittleEndian.PutUint32(hdr[20:], EngineVersion)
	binary.LittleEndian.PutUint64(hdr[24:], sh)
	if _, err := bw.Write(hdr[:]); err != nil {
		return 0, err
	}
	e := &encoder{w: bw}
	c.enc(e, unsafe.Pointer(ix))
	if e.err != nil {
		return headerSize + e.n, e.err
	}
	var tr [trailerSize]byte
	binary.LittleEndian.PutUint64(tr[:], uint64(e.n))
	binary.LittleEndian.PutUint32(tr[8:], e.crc)
	if _, err := bw.Write(tr[:]); err != nil {
		return headerSize + e.n, err
	}
	return headerSize + e.n + trailerSize, bw.Flush()
}

// ReadIndex decodes an index written by WriteTo from data, which must be
// exactly one encoded index. It checks the magic, the versions, the length
// and the checksum before decoding, and returns an error wrapping
// ErrStaleIndex or ErrCorruptIndex when the file must not be used.
//
// The index aliases data: its strings and number arrays are views of it, so
// data must never be modified afterwards (it stays alive as long as the
// index or any page string does).
func ReadIndex(data []byte) (ix *Index, err error) {
	if len(data) < persistMinLen || string(data[:16]) != persistMagic {
		return nil, fmt.Errorf("%w: not an index file", ErrCorruptIndex)
	}
	if !littleEndian {
		return nil, fmt.Errorf("%w: big-endian host", ErrStaleIndex)
	}
	format, engine := binary.LittleEndian.Uint32(data[16:]), binary.LittleEndian.Uint32(data[20:])
	sh, err := schemaHash()
	if err != nil {
		return nil, err
	}
	if format != persistFormat || engine != EngineVersion || binary.LittleEndian.Uint64(data[24:]) != sh {
		return nil, fmt.Errorf("%w (format %d, engine %d; want %d, %d, and the same index layout)",
			ErrStaleIndex, format, engine, persistFormat, EngineVersion)
	}
	tr := data[len(data)-trailerSize:]
	payload := data[headerSize : len(data)-trailerSize]
	if binary.LittleEndian.Uint64(tr) != uint64(len(payload)) {
		return nil, fmt.Errorf("%w: length %d, header says %d (truncated?)", ErrCorruptIndex, len(payload), binary.LittleEndian.Uint64(tr))
	}
	if uintptr(unsafe.Pointer(unsafe.SliceData(payload)))%8 != 0 {
		// Views of number arrays need aligned memory.
		aligned := make([]uint64, (len(payload)+7)/8)
		buf := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(aligned))), len(payload))
		copy(buf, payload)
		payload = buf
	}
	// The checksum runs on another core while the payload is decoded (the
	// decoder is bounds-checked, so damaged bytes cannot hurt it); the index
	// is returned only when both succeed.
	crcOK := make(chan bool, 1)
	go func() { crcOK <- crc32Update(0, payload) == binary.LittleEndian.Uint32(tr[8:]) }()
	ix, err = decodeIndex(payload)
	if !<-crcOK {
		return nil, fmt.Errorf("%w: checksum mismatch", ErrCorruptIndex)
	}
	return ix, err
}

func decodeIndex(payload []byte) (ix *Index, err error) {
	defer func() {
		// A panic here is a codec bug or a damaged file: an error, not a
		// crash.
		if r := recover(); r != nil {
			ix, err = nil, fmt.Errorf("%w: %v", ErrCorruptIndex, r)
		}
	}()
	c, _, _ := codecForIndex()
	d := &decoder{data: payload, budget: new(atomic.Int64)}
	d.budget.Store(2*int64(len(payload)) + 1<<20)
	ix = new(Index)
	c.dec(d, unsafe.Pointer(ix))
	d.wait()
	if d.err == nil && d.off != len(payload) {
		d.fail()
	}
	if d.err == nil && !ix.tablesValid() {
		d.fail()
	}
	if d.err != nil {
		return nil, fmt.Errorf("%w: undecodable content", ErrCorruptIndex)
	}
	return ix, nil
}

// tablesValid checks every lookup table of a decoded index (see
// strTable.valid).
func (ix *Index) tablesValid() bool {
	for _, t := range []*strTable{&ix.byID, &ix.byPath, &ix.terms} {
		if !t.valid() {
			return false
		}
	}
	for _, t := range ix.vocab {
		if !t.valid() {
			return false
		}
	}
	return true
}

// SourcePages returns the index's pages as one slice, in index order: the
// same pages as Pages, without a slice of pointers. It is owned by the
// index and must not be modified (a restored index's pages are views of
// its file); corpus.restore hands sub-slices of it back to the sources.
func (ix *Index) SourcePages() []source.Page { return ix.pages[:len(ix.pages):len(ix.pages)] }
