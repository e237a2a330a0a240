package querylog

import (
	"fmt"
	"strings"
	"testing"
)

func TestRecordAndList(t *testing.T) {
	l := New("docs", 0)
	l.Record("search_docs", "Install  LINUX", 0)
	l.Record("search_docs", "install linux", 1)
	l.Record("search", "gizmo", 0)
	l.Record("search_docs", "popular", 7) // enough results: not kept
	got := l.List()
	if len(got) != 2 {
		t.Fatalf("entries %v, want 2", got)
	}
	if got[0].Query != "install linux" || got[0].Count != 2 || got[0].Results != 1 {
		t.Errorf("first entry %+v", got[0])
	}
}

// TestBounded: a flood of distinct, long queries keeps at most max
// entries, each clipped.
func TestBounded(t *testing.T) {
	l := New("docs", 50)
	long := strings.Repeat("é", MaxQueryLen) // 2 bytes each
	for i := range 10_000 {
		l.Record("search", fmt.Sprintf("%d %s", i, long), 0)
	}
	if n := l.Len(); n != 50 {
		t.Fatalf("%d entries, want the cap of 50", n)
	}
	for _, e := range l.List() {
		if len(e.Query) > MaxQueryLen || !strings.HasPrefix(e.Query, "99") && !strings.HasPrefix(e.Query, "9") {
			t.Fatalf("entry %d bytes %q...: want clipped, and only recent queries kept", len(e.Query), e.Query[:10])
		}
	}
}

func TestAcquireShared(t *testing.T) {
	a, relA := Acquire("t-shared")
	b, relB := Acquire("t-shared") // a reload: the new config gets the same log
	if a != b {
		t.Fatal("two handlers of one server got different logs")
	}
	a.Record("search", "x", 0)
	relA()
	relA() // idempotent
	if got := All("t-shared"); len(got) != 1 {
		t.Fatalf("All = %v, want the entry to survive the first release", got)
	}
	relB()
	if got := All("t-shared"); len(got) != 0 {
		t.Fatalf("All after the last release = %v", got)
	}
}
