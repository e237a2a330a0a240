package search

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

func TestStrTable(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 100, 5000} {
		m := make(map[string]int32, n)
		for i := range n {
			m[fmt.Sprintf("key-%d-%s", i, "xxxxxxxxxxxxxxx"[:i%16])] = int32(i*7 - 3)
		}
		if n > 0 {
			m[""] = 42 // the empty key is a key like any other
		}
		tab := newStrTable(m)
		if !tab.valid() || tab.len() != len(m) {
			t.Fatalf("n=%d: valid %v, len %d", n, tab.valid(), tab.len())
		}
		for k, v := range m {
			if got, ok := tab.get(k); !ok || got != v {
				t.Fatalf("n=%d: get(%q) = %d, %v; want %d", n, k, got, ok, v)
			}
			if got, ok := tab.getBytes([]byte(k)); !ok || got != v {
				t.Fatalf("n=%d: getBytes(%q) = %d, %v", n, k, got, ok)
			}
		}
		for _, k := range []string{"key", "key-1-x", "nope", "key-0-\x00"} {
			if _, in := m[k]; in {
				continue
			}
			if _, ok := tab.get(k); ok {
				t.Fatalf("n=%d: get(%q) found a missing key", n, k)
			}
		}
	}
	var zero strTable
	if _, ok := zero.get("x"); ok || !zero.valid() {
		t.Fatal("zero table")
	}
	if nilTab := newStrTable(nil); nilTab.slots != nil {
		t.Fatal("a nil map must stay nil")
	}
}

// TestStrTableValid: every way a table can be damaged so that get would
// index out of range or probe forever is refused.
func TestStrTableValid(t *testing.T) {
	good := func() strTable {
		return newStrTable(map[string]int32{"a": 1, "bb": 2, "ccc": 3})
	}
	for name, damage := range map[string]func(*strTable){
		"slot past the entries":  func(t *strTable) { t.slots[0] = uint64(len(t.ents) + 1) },
		"slot naming entry 0":    func(t *strTable) { t.slots[0] = 1 << 40 },
		"slots not a power of 2": func(t *strTable) { t.slots = append(t.slots, 0) },
		"no empty slot": func(t *strTable) {
			for i := range t.slots {
				t.slots[i] = 1
			}
		},
		"ends past keys":    func(t *strTable) { t.ents[len(t.ents)-1].end = uint32(len(t.keys) + 1) },
		"ends out of order": func(t *strTable) { t.ents[0], t.ents[1] = t.ents[1], t.ents[0] },
		"more entries than slots": func(t *strTable) {
			t.ents = append(t.ents, make([]strEntry, len(t.slots))...)
		},
		"entries, no slots": func(t *strTable) { t.slots = nil },
	} {
		tab := good()
		damage(&tab)
		if tab.valid() {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestPersistDamagedTable: a file whose lookup table is inconsistent but
// whose checksum matches (written so) is refused at load, not served to
// crash or hang a later request.
func TestPersistDamagedTable(t *testing.T) {
	ix := Build([]source.Page{{ID: "x.test/a", Title: "Alpha", Path: "a"}, {ID: "x.test/b", Title: "Beta", Path: "b"}})
	ix.terms.slots = append([]uint64(nil), ix.terms.slots...)
	for i := range ix.terms.slots {
		ix.terms.slots[i] = 1 // full: a missing term would be probed forever
	}
	var buf bytes.Buffer
	if _, err := ix.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadIndex(buf.Bytes()); !errors.Is(err, ErrCorruptIndex) {
		t.Fatalf("damaged table: %v, want ErrCorruptIndex", err)
	}
}

func BenchmarkStrTableGet(b *testing.B) {
	m := make(map[string]int32, 200000)
	keys := make([]string, 0, 200000)
	for i := range 200000 {
		k := fmt.Sprintf("term%dx", i*7919)
		m[k] = int32(i)
		keys = append(keys, k)
	}
	tab := newStrTable(m)
	// Queries look terms up in no particular order.
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	b.Run("strTable", func(b *testing.B) {
		for i := range b.N {
			tab.get(keys[i%len(keys)])
		}
	})
	b.Run("map", func(b *testing.B) {
		for i := range b.N {
			_ = m[keys[i%len(keys)]]
		}
	})
}
