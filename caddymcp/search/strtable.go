package search

import (
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
	"unsafe"
)

// strTable is a read-only hash map from strings to int32 laid out in flat
// arrays: the index's lookup tables (page ids and paths, terms, the
// vocabularies) are built once and never change, and in this form a
// restored index uses them as views of its file (see persistcodec.go)
// instead of re-inserting every key into a Go map at start-up, which was
// most of the CPU of loading a 100k-page index.
//
// Open addressing with linear probing: slots has a power-of-two length at
// least twice the number of entries; a slot is 0 (empty) or the entry
// number + 1 in its low 32 bits and the top 32 bits of the key's hash in
// its high ones, so that a probe rarely reads a key that is not the one
// looked up. Entry i's key is keys[ents[i-1].end:ents[i].end] (from 0 for
// the first) and its value ents[i].val, side by side in memory: a hit
// costs about three cache misses (slot, entry, key).
type strTable struct {
	// seed keys the hash: chosen at random per table, so that which keys
	// collide cannot be planned by whoever writes the documentation.
	seed  uint64
	slots []uint64
	keys  string
	ents  []strEntry
}

type strEntry struct {
	end uint32 // end of the key in keys
	val int32
}

// newStrTable freezes m (nil when m is nil, so that the round trip of an
// index keeps nil and empty apart as its maps did).
func newStrTable(m map[string]int32) strTable {
	if m == nil {
		return strTable{}
	}
	t := strTable{seed: rand.Uint64(), ents: make([]strEntry, 0, len(m))}
	n := 0
	for k := range m {
		n += len(k)
	}
	keys := make([]byte, 0, n)
	t.slots = make([]uint64, max(2, 1<<bits.Len(uint(2*len(m)))))
	mask := uint64(len(t.slots) - 1)
	for k, v := range m {
		keys = append(keys, k...)
		t.ents = append(t.ents, strEntry{uint32(len(keys)), v})
		h := strHash(t.seed, k)
		i := h & mask
		for t.slots[i] != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = h&^0xffffffff | uint64(len(t.ents))
	}
	t.keys = string(keys)
	return t
}

// len is the number of entries.
func (t *strTable) len() int { return len(t.ents) }

// key returns entry i's key.
func (t *strTable) key(i int) string {
	lo := uint32(0)
	if i > 0 {
		lo = t.ents[i-1].end
	}
	return t.keys[lo:t.ents[i].end]
}

// get returns the value of k.
func (t *strTable) get(k string) (int32, bool) {
	if len(t.slots) == 0 {
		return 0, false
	}
	mask := uint64(len(t.slots) - 1)
	h := strHash(t.seed, k)
	tag := h &^ 0xffffffff
	for i := h & mask; ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			return 0, false
		}
		if s&^0xffffffff == tag {
			if e := int(uint32(s)) - 1; t.key(e) == k {
				return t.ents[e].val, true
			}
		}
	}
}

// getBytes is get for a byte-slice key, without copying it.
func (t *strTable) getBytes(k []byte) (int32, bool) {
	return t.get(unsafe.String(unsafe.SliceData(k), len(k)))
}

// valid reports whether a decoded table is well formed, so that get can
// neither index out of range nor probe forever: slots a power of two with
// an empty one, every slot naming an entry, key ends within keys and in
// order. Decoding runs it on every restored table (a damaged file whose
// checksum still matched must fail, not crash a request later).
func (t *strTable) valid() bool {
	if len(t.slots) == 0 {
		return len(t.ents) == 0
	}
	if len(t.slots)&(len(t.slots)-1) != 0 || len(t.ents) >= len(t.slots) {
		return false
	}
	prev := uint32(0)
	for _, e := range t.ents {
		if e.end < prev || int(e.end) > len(t.keys) {
			return false
		}
		prev = e.end
	}
	used := 0
	for _, s := range t.slots {
		if s == 0 {
			continue
		}
		if e := uint32(s); e == 0 || int(e) > len(t.ents) {
			return false
		}
		used++
	}
	// At most one slot per entry, so one is empty (len(ents) < len(slots)).
	return used <= len(t.ents)
}

// strHash is a seeded 64-bit hash of s: 8 bytes a step, then a final mix
// (the finalizer of MurmurHash3) so that the low bits, which pick the
// slot, depend on every input bit. The table is persisted, so the hash
// must be the same in every process; the seed is stored with it.
func strHash(seed uint64, s string) uint64 {
	const m1, m2 = 0x9e3779b97f4a7c15, 0xbf58476d1ce4e5b9
	h := seed ^ uint64(len(s))*m1
	for len(s) >= 8 {
		h = (h ^ binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(s), 8))) * m2
		h ^= h >> 31
		s = s[8:]
	}
	if len(s) > 0 {
		var tail [8]byte
		copy(tail[:], s)
		h = (h ^ binary.LittleEndian.Uint64(tail[:])) * m2
		h ^= h >> 31
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}
