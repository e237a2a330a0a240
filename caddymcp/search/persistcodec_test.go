package search

import (
	"reflect"
	"strings"
	"testing"
)

// TestCodecRefusesUnknownKinds: a field the codec cannot store (a func, an
// interface) is an error naming the field, so a new Index field of such a
// kind fails WriteTo and the round-trip test instead of being dropped.
func TestCodecRefusesUnknownKinds(t *testing.T) {
	type withFunc struct {
		ok   []int32
		hook func()
	}
	type withIface struct{ v any }
	for _, typ := range []reflect.Type{reflect.TypeFor[withFunc](), reflect.TypeFor[withIface]()} {
		cs := &codecSet{byType: map[reflect.Type]*codec{}}
		cs.of(typ, "T")
		if cs.err == nil || !strings.Contains(cs.err.Error(), "T.") {
			t.Errorf("%s: error %v, want one naming the field", typ, cs.err)
		}
	}
	if _, _, err := codecForIndex(); err != nil {
		t.Fatalf("Index itself: %v", err)
	}
}
