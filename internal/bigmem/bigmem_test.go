package bigmem

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"unsafe"
)

func randomBytes(n int) []byte {
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{1})
	r.Read(b)
	return b
}

// fakeReader serves data, at most max bytes per call (short reads without
// an error, which io.ReaderAt forbids but a robust reader tolerates), and
// shrinks to shrinkTo bytes after shrinkAfter calls (a file truncated by
// someone else while it is read).
type fakeReader struct {
	data        []byte
	max         int
	calls       atomic.Int64
	shrinkAfter int64
	shrinkTo    int
	err         error // returned by every call when set
	stall       bool  // return 0, nil
}

func (f *fakeReader) ReadAt(p []byte, off int64) (int, error) {
	call := f.calls.Add(1)
	if f.err != nil {
		return 0, f.err
	}
	if f.stall {
		return 0, nil
	}
	data := f.data
	if f.shrinkAfter > 0 && call > f.shrinkAfter {
		data = data[:f.shrinkTo]
	}
	if off >= int64(len(data)) {
		return 0, io.EOF
	}
	n := copy(p, data[off:])
	if f.max > 0 && n > f.max {
		n = f.max
	}
	if n < len(p) && off+int64(n) == int64(len(data)) {
		return n, io.EOF
	}
	return n, nil
}

func TestReadAtChunksAndShortReads(t *testing.T) {
	data := randomBytes(100_003)
	for _, tc := range []struct {
		name           string
		chunk, workers int
		max            int
	}{
		{"one chunk", 1 << 20, 4, 0},
		{"many chunks, many workers", 4096, 8, 0},
		{"uneven last chunk", 999, 3, 0},
		{"short reads", 4096, 4, 100},
		{"one worker", 1000, 1, 333},
	} {
		t.Run(tc.name, func(t *testing.T) {
			buf := make([]byte, len(data))
			r := &fakeReader{data: data, max: tc.max}
			if err := readAt(r, buf, 0, tc.chunk, tc.workers); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf, data) {
				t.Fatal("content differs")
			}
		})
	}
	// From an offset, and exactly at the end (io.EOF with the last byte).
	buf := make([]byte, 1000)
	if err := readAt(&fakeReader{data: data}, buf, int64(len(data)-1000), 300, 2); err != nil || !bytes.Equal(buf, data[len(data)-1000:]) {
		t.Fatalf("tail read: %v", err)
	}
}

func TestReadAtTruncated(t *testing.T) {
	data := randomBytes(50_000)
	// Shorter from the start.
	buf := make([]byte, len(data)+1)
	if err := readAt(&fakeReader{data: data}, buf, 0, 4096, 4); !errors.Is(err, ErrTruncated) {
		t.Fatalf("short source: %v, want ErrTruncated", err)
	}
	// Truncated while read: the chunks read after the third call find the
	// file cut to 10 000 bytes.
	for _, max := range []int{0, 700} {
		buf = make([]byte, len(data))
		r := &fakeReader{data: data, max: max, shrinkAfter: 3, shrinkTo: 10_000}
		if err := readAt(r, buf, 0, 4096, 4); !errors.Is(err, ErrTruncated) {
			t.Fatalf("max %d: truncated during the read: %v, want ErrTruncated", max, err)
		}
	}
	// Truncated to nothing.
	if err := readAt(&fakeReader{data: data, shrinkAfter: 1, shrinkTo: 0}, make([]byte, len(data)), 0, 4096, 2); !errors.Is(err, ErrTruncated) {
		t.Fatalf("truncated to 0: %v", err)
	}
}

func TestReadAtErrors(t *testing.T) {
	boom := errors.New("boom")
	r := &fakeReader{data: randomBytes(10_000), err: boom}
	if err := readAt(r, make([]byte, 10_000), 0, 100, 4); !errors.Is(err, boom) {
		t.Fatalf("got %v, want boom", err)
	}
	// After the first error the workers stop taking chunks.
	if n := r.calls.Load(); n > 4 {
		t.Errorf("%d reads after an error, want at most one per worker", n)
	}
	if err := readAt(&fakeReader{data: randomBytes(100), stall: true}, make([]byte, 100), 0, 10, 2); err == nil {
		t.Fatal("a reader that makes no progress must fail, not spin")
	}
	if err := readAt(&fakeReader{}, nil, 0, 10, 2); err != nil {
		t.Fatalf("empty buffer: %v", err)
	}
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	data := randomBytes(3*chunkSize + 12345) // several chunks, several goroutines
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFile(path, int64(len(data)))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("ReadFile: %v (equal %v)", err, bytes.Equal(got, data))
	}
	if uintptr(unsafe.Pointer(unsafe.SliceData(got)))%8 != 0 {
		t.Error("buffer not 8-byte aligned")
	}
	if _, err := ReadFile(path, int64(len(data)-1)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("over the limit: %v, want ErrTooLarge", err)
	}
	if _, err := ReadFile(dir, 1<<30); err == nil {
		t.Error("a directory read as a file")
	}
	if _, err := ReadFile(filepath.Join(dir, "missing"), 1<<30); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o600)
	if b, err := ReadFile(empty, 10); err != nil || len(b) != 0 {
		t.Errorf("empty file: %q %v", b, err)
	}

	// A real file truncated while it is read: the reader sees the new
	// size on some chunk and fails (or, if the truncation lands after the
	// last read, returns the whole old content; never a mix with zeros
	// reported as success).
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, len(data))
	var once sync.Once
	tr := readerAtFunc(func(p []byte, off int64) (int, error) {
		once.Do(func() {
			if err := os.Truncate(path, chunkSize); err != nil {
				t.Error(err)
			}
		})
		return f.ReadAt(p, off)
	})
	if err := readAt(tr, buf, 0, chunkSize, 2); !errors.Is(err, ErrTruncated) {
		t.Fatalf("file truncated during the read: %v, want ErrTruncated", err)
	}
}

type readerAtFunc func(p []byte, off int64) (int, error)

func (f readerAtFunc) ReadAt(p []byte, off int64) (int, error) { return f(p, off) }

func TestAlloc(t *testing.T) {
	for _, n := range []int{0, 1, 7, 4096, 3 * hugePage} {
		b := Alloc(n)
		if len(b) != n {
			t.Fatalf("Alloc(%d): len %d", n, len(b))
		}
		if n > 0 && uintptr(unsafe.Pointer(unsafe.SliceData(b)))%8 != 0 {
			t.Fatalf("Alloc(%d) not 8-byte aligned", n)
		}
		for i, c := range b {
			if c != 0 {
				t.Fatalf("Alloc(%d)[%d] = %d, want zero", n, i, c)
			}
		}
		for i := range b {
			b[i] = byte(i)
		}
	}
}

func TestHugeRange(t *testing.T) {
	for _, tc := range []struct{ p, n, start, end uintptr }{
		{0, hugePage, 0, hugePage},
		{1, hugePage, hugePage, hugePage},            // no whole huge page inside
		{4096, 3 * hugePage, hugePage, 3 * hugePage}, // head and tail left out
		{hugePage, 2*hugePage + 5, hugePage, 3 * hugePage},
		{hugePage - 8, 16, hugePage, hugePage},
	} {
		if s, e := hugeRange(tc.p, tc.n); s != tc.start || e != tc.end {
			t.Errorf("hugeRange(%#x, %#x) = %#x, %#x; want %#x, %#x", tc.p, tc.n, s, e, tc.start, tc.end)
		}
	}
	if adviseHuge(make([]byte, 100)) {
		t.Error("a buffer without a whole huge page was advised")
	}
}
