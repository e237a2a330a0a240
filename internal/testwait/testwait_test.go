package testwait

import (
	"errors"
	"testing"
	"time"
)

func TestTail(t *testing.T) {
	if got := Tail("a\nb\nc\n", 2); got != "b\nc" {
		t.Fatalf("Tail = %q, want %q", got, "b\nc")
	}
	if got := Tail("a\n", 5); got != "a" {
		t.Fatalf("Tail = %q, want %q", got, "a")
	}
}

func TestEventuallySucceeds(t *testing.T) {
	n := 0
	Eventually(t, 2*time.Second, "third try", func() error {
		n++
		if n < 3 {
			return errors.New("not yet")
		}
		return nil
	})
	if n != 3 {
		t.Fatalf("cond called %d times, want 3", n)
	}
}

// fatalRecorder stands in for *testing.T to observe a failure without
// failing the real test.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (f *fatalRecorder) Helper() {}
func (f *fatalRecorder) Fatalf(format string, args ...any) {
	f.msg = format
	panic(f)
}

func TestEventuallyTimesOut(t *testing.T) {
	rec := &fatalRecorder{TB: t}
	start := time.Now()
	func() {
		defer func() {
			if r := recover(); r != rec {
				t.Fatalf("recovered %v, want the recorder's Fatalf", r)
			}
		}()
		Eventually(rec, 100*time.Millisecond, "never", func() error { return errors.New("no") })
	}()
	if rec.msg == "" {
		t.Fatal("Eventually returned without failing")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("timed out after %v, want ~100ms", d)
	}
}
