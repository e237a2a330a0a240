// Package bigmem allocates and fills the large buffers a restart loads its
// index into, as fast as the machine allows.
//
// At start-up the index cache file (24 MB at 10k pages, 214 MB at 100k) is
// read into fresh memory, and the first write to each 4 KiB page of fresh
// memory is a page fault: ~15 µs each on a small VM, so 100 ms for 24 MB,
// more than the decoding. Two things hide it: asking the kernel for
// transparent huge pages on the buffer (one fault per 2 MiB instead of per
// 4 KiB, where the kernel allows it: THP "madvise" mode, the common default),
// and reading the file on several goroutines, so that the faults and copies
// of different parts of the file overlap on different cores.
//
// Buffers are ordinary Go heap memory (the garbage collector decides when
// they are freed, as for any []byte): an index's strings are views of its
// file buffer and are handed around freely, so memory mapped outside the
// heap could never be safely unmapped.
package bigmem

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
)

// hugePage is the size of a transparent huge page on the usual Linux
// architectures (amd64, arm64 with 4 KiB base pages).
const hugePage = 2 << 20

// Alloc returns a zeroed buffer of n bytes whose first byte is 8-byte
// aligned (so that arrays of numbers can be viewed in place), advised for
// huge pages where the platform supports it.
//
// The advice only helps on memory not touched yet: a large allocation is
// fresh address space from the runtime (a span the runtime knows is zero
// is not cleared, so not touched) in a starting process, which is when
// it matters; otherwise it is merely advice on pages already there.
func Alloc(n int) []byte {
	if n <= 0 {
		return []byte{}
	}
	words := make([]uint64, (n+7)/8) // noscan, 8-aligned
	b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(words))), n)
	adviseHuge(b)
	return b
}

// hugeRange returns the part of [p, p+n) made of whole huge pages:
// advising a partial one would make the kernel back memory beyond the
// buffer (another object's) with it too, which is harmless but wasted.
func hugeRange(p, n uintptr) (start, end uintptr) {
	start = (p + hugePage - 1) &^ (hugePage - 1)
	end = (p + n) &^ (hugePage - 1)
	if end < start {
		end = start
	}
	return start, end
}

// ErrTooLarge is returned (wrapped) by ReadFile for a file over its limit.
var ErrTooLarge = errors.New("file too large")

// ErrTruncated is returned (wrapped) by ReadFile when the file got shorter
// while it was read.
var ErrTruncated = errors.New("file truncated while reading")

// ReadFile reads the whole file at path into a buffer from Alloc, in
// parallel chunks. A file over limit bytes is refused before anything is
// allocated. The size is the one the open file has when ReadFile starts:
// if someone truncates it meanwhile the read fails (ErrTruncated); if
// someone appends, the appended bytes are not read (the callers check
// their files' own length and checksum).
func ReadFile(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	if fi.Size() > limit {
		return nil, fmt.Errorf("%w: %s is %d bytes, over the %d-byte cap", ErrTooLarge, path, fi.Size(), limit)
	}
	buf := Alloc(int(fi.Size()))
	if err := ReadAt(f, buf, 0); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return buf, nil
}

// chunkSize is the unit of work of ReadAt: a multiple of the huge page
// size, so that no two goroutines fault on the same huge page, and small
// enough that the work splits evenly.
const chunkSize = 4 << 20

// ReadAt fills buf with the bytes of r from off on, in chunks read by up
// to GOMAXPROCS goroutines. It fails if r has fewer bytes (ErrTruncated);
// a short read without an error is retried, one that makes no progress is
// an error.
func ReadAt(r io.ReaderAt, buf []byte, off int64) error {
	return readAt(r, buf, off, chunkSize, runtime.GOMAXPROCS(0))
}

func readAt(r io.ReaderAt, buf []byte, off int64, chunk, workers int) error {
	chunks := (len(buf) + chunk - 1) / chunk
	workers = max(1, min(workers, chunks))
	var (
		next   atomic.Int64
		failed atomic.Bool
		mu     sync.Mutex
		first  error
		wg     sync.WaitGroup
	)
	work := func() {
		for !failed.Load() {
			i := int(next.Add(1) - 1)
			if i >= chunks {
				return
			}
			lo := i * chunk
			hi := min(lo+chunk, len(buf))
			if err := readFull(r, buf[lo:hi], off+int64(lo)); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
				failed.Store(true)
				return
			}
		}
	}
	for range workers - 1 {
		wg.Go(work)
	}
	work()
	wg.Wait()
	return first
}

// readFull reads exactly len(b) bytes at off.
func readFull(r io.ReaderAt, b []byte, off int64) error {
	for len(b) > 0 {
		n, err := r.ReadAt(b, off)
		if n < 0 || n > len(b) {
			return fmt.Errorf("bigmem: ReadAt returned %d bytes for %d", n, len(b))
		}
		b, off = b[n:], off+int64(n)
		switch {
		case len(b) == 0:
			return nil // io.EOF with the last byte is fine
		case errors.Is(err, io.EOF):
			return fmt.Errorf("%w: %d bytes missing at offset %d", ErrTruncated, len(b), off)
		case err != nil:
			return err
		case n == 0:
			return fmt.Errorf("bigmem: no progress reading at offset %d", off)
		}
	}
	return nil
}

// Advise asks for huge pages on the whole huge pages of the n bytes at p,
// typically a large slice just allocated and not yet written, and reports
// whether the advice was taken. p must point into one object of at least
// n bytes.
func Advise(p unsafe.Pointer, n int) bool {
	if p == nil || n <= 0 {
		return false
	}
	return adviseHuge(unsafe.Slice((*byte)(p), n))
}
