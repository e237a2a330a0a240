package bigmem

import (
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
)

// TestAdviseHugeFallback: when the kernel refuses the advice (no THP
// support), Alloc still returns an ordinary, usable buffer.
func TestAdviseHugeFallback(t *testing.T) {
	var asked int
	madvise = func([]byte, int) error { asked++; return syscall.EINVAL }
	defer func() { madvise = syscall.Madvise }()
	b := Alloc(4 * hugePage)
	if asked != 1 {
		t.Fatalf("madvise called %d times, want 1", asked)
	}
	if adviseHuge(b) {
		t.Error("refused advice reported as taken")
	}
	for i := range b {
		if b[i] != 0 {
			t.Fatal("not zeroed")
		}
		b[i] = 1
	}
}

// TestAdviseHuge: on a kernel with transparent huge pages, the advice is
// taken on exactly the whole huge pages inside the buffer.
func TestAdviseHuge(t *testing.T) {
	mode, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil || strings.Contains(string(mode), "[never]") {
		t.Skip("no transparent huge pages here")
	}
	var got []byte
	madvise = func(b []byte, advice int) error {
		got = b
		if advice != madvHugepage {
			return errors.New("wrong advice")
		}
		return syscall.Madvise(b, advice)
	}
	defer func() { madvise = syscall.Madvise }()
	b := Alloc(5 * hugePage)
	if !adviseHuge(b) {
		t.Fatal("advice not taken")
	}
	if len(got) < 3*hugePage || len(got)%hugePage != 0 {
		t.Errorf("advised %d bytes of a %d-byte buffer", len(got), len(b))
	}
}
