package search

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// The persisted index is written by a codec derived from the Index type by
// reflection, field by field, unexported fields included. Deriving it (not
// hand-writing it) is what keeps it complete: a field added to Index, or to
// any type it holds, is persisted without anyone remembering to, and a field
// of a kind the codec cannot store (a func, an interface, a channel) makes
// WriteTo fail at once. The type layout also feeds the schema hash in the
// file header, so a file written by a build with a different Index shape is
// stale, never misread.
//
// Loading is fast because little is copied: the caller hands ReadIndex the
// whole file as one []byte, strings are unsafe.String views into it, and
// slices of pointer-free fixed-size elements (postings, norms, docs, the
// strTable lookup tables) are views too, stored aligned in the file. The
// buffer is a single noscan heap object that stays alive while anything
// points into it; the index is immutable, so nothing ever writes through
// these views. What must be built (the page list's Go structs) is built
// from slabs (see decoder.slab) and, for big slices, on every core (see
// sliceCodec).

// codec encodes and decodes one value of a type at an address.
type codec struct {
	enc func(e *encoder, p unsafe.Pointer)
	dec func(d *decoder, p unsafe.Pointer)
}

// codecs is built once per type; schema describes every type reached.
type codecSet struct {
	byType map[reflect.Type]*codec
	schema strings.Builder
	err    error
}

var (
	indexCodecOnce sync.Once
	indexCodec     *codec
	indexSchema    string
	indexCodecErr  error
)

// codecForIndex derives the Index codec once.
func codecForIndex() (*codec, string, error) {
	indexCodecOnce.Do(func() {
		cs := &codecSet{byType: map[reflect.Type]*codec{}}
		fmt.Fprintf(&cs.schema, "%s/%d;", runtimeArch(), unsafe.Sizeof(0))
		indexCodec = cs.of(reflect.TypeFor[Index](), "Index")
		indexSchema, indexCodecErr = cs.schema.String(), cs.err
	})
	return indexCodec, indexSchema, indexCodecErr
}

var (
	typeTime     = reflect.TypeFor[time.Time]()
	typeLanguage = reflect.TypeFor[*language]()
	typeStrI32   = reflect.TypeFor[map[string]int32]()
)

// of returns the codec of t; path names the field for error messages.
func (cs *codecSet) of(t reflect.Type, path string) *codec {
	if c, ok := cs.byType[t]; ok {
		return c
	}
	c := &codec{}
	cs.byType[t] = c // before recursing: recursive types reuse it
	fmt.Fprintf(&cs.schema, "%s=%s/%d{", t.String(), t.Kind(), t.Size())
	defer cs.schema.WriteString("}")
	switch {
	case t == typeTime:
		c.enc, c.dec = encTime, decTime
	case t == typeLanguage:
		c.enc = func(e *encoder, p unsafe.Pointer) { e.str((*(**language)(p)).name) }
		c.dec = func(d *decoder, p unsafe.Pointer) {
			name := d.str()
			l := plainLanguage
			if name != "" {
				l = languages[name]
			}
			if l == nil || l.name != name {
				d.fail()
				return
			}
			*(**language)(p) = l
		}
	case t.PkgPath() == "sync":
		// sync.Pool and friends: runtime state, zero in a fresh index.
		c.enc = func(*encoder, unsafe.Pointer) {}
		c.dec = func(*decoder, unsafe.Pointer) {}
	case isRaw(t):
		size := int(t.Size())
		c.enc = func(e *encoder, p unsafe.Pointer) { e.write(unsafe.Slice((*byte)(p), size)) }
		c.dec = func(d *decoder, p unsafe.Pointer) {
			if b := d.take(size); b != nil {
				copy(unsafe.Slice((*byte)(p), size), b)
			}
		}
	case t.Kind() == reflect.Bool:
		c.enc = func(e *encoder, p unsafe.Pointer) {
			v := uint64(0)
			if *(*bool)(p) {
				v = 1
			}
			e.uvarint(v)
		}
		c.dec = func(d *decoder, p unsafe.Pointer) { *(*bool)(p) = d.uvarint() == 1 }
	case t.Kind() == reflect.String:
		c.enc = func(e *encoder, p unsafe.Pointer) { e.str(*(*string)(p)) }
		c.dec = func(d *decoder, p unsafe.Pointer) { *(*string)(p) = d.str() }
	case t.Kind() == reflect.Struct:
		cs.structCodec(c, t, path)
	case t.Kind() == reflect.Slice:
		cs.sliceCodec(c, t, path)
	case t.Kind() == reflect.Array:
		cs.arrayCodec(c, t, path)
	case t.Kind() == reflect.Map:
		cs.mapCodec(c, t, path)
	case t.Kind() == reflect.Pointer:
		cs.pointerCodec(c, t, path)
	default:
		if cs.err == nil {
			cs.err = fmt.Errorf("search: cannot persist %s of type %s (add it to the codec in persistcodec.go)", path, t)
		}
		c.enc = func(e *encoder, _ unsafe.Pointer) {}
		c.dec = func(d *decoder, _ unsafe.Pointer) { d.fail() }
	}
	return c
}

// isRaw reports whether t is fixed-size plain data without pointers or
// bools, so its memory can be written and read as bytes (the schema hash
// pins the layout, so a file is only read by a build with the same one).
func isRaw(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return true
	case reflect.Array:
		return isRaw(t.Elem())
	case reflect.Struct:
		if t == typeTime || t.PkgPath() == "sync" {
			return false
		}
		for i := range t.NumField() {
			if !isRaw(t.Field(i).Type) {
				return false
			}
		}
		return true
	}
	return false
}

func (cs *codecSet) structCodec(c *codec, t reflect.Type, path string) {
	type field struct {
		off uintptr
		c   *codec
	}
	var fields []field
	for i := range t.NumField() {
		f := t.Field(i)
		fmt.Fprintf(&cs.schema, "%s@%d:", f.Name, f.Offset)
		fields = append(fields, field{f.Offset, cs.of(f.Type, path+"."+f.Name)})
	}
	c.enc = func(e *encoder, p unsafe.Pointer) {
		for _, f := range fields {
			f.c.enc(e, unsafe.Add(p, f.off))
		}
	}
	c.dec = func(d *decoder, p unsafe.Pointer) {
		for _, f := range fields {
			f.c.dec(d, unsafe.Add(p, f.off))
		}
	}
}

// sliceCodec writes 0 for nil, else 1+len. Raw elements are stored aligned
// and read back as a view of the buffer; others one by one.
func (cs *codecSet) sliceCodec(c *codec, t reflect.Type, path string) {
	et := t.Elem()
	size, align := int(et.Size()), et.Align()
	if isRaw(et) {
		fmt.Fprintf(&cs.schema, "raw %s/%d", et, size)
		c.enc = func(e *encoder, p unsafe.Pointer) {
			h := (*sliceHeader)(p)
			if h.data == nil {
				e.uvarint(0)
				return
			}
			e.uvarint(uint64(h.len) + 1)
			e.align(align)
			e.write(unsafe.Slice((*byte)(h.data), h.len*size))
		}
		c.dec = func(d *decoder, p unsafe.Pointer) {
			n := d.uvarint()
			if n == 0 {
				return
			}
			d.align(align)
			if n-1 > uint64(len(d.data)-d.off)/uint64(max(size, 1)) {
				d.fail()
				return
			}
			b := d.take(int(n-1) * size)
			h := sliceHeader{data: unsafe.Pointer(&emptyData), len: int(n - 1), cap: int(n - 1)}
			if len(b) > 0 {
				h.data = unsafe.Pointer(&b[0])
			}
			*(*sliceHeader)(p) = h
		}
		return
	}
	ec := cs.of(et, path+"[]")
	aligned := encodesAligned(et, map[reflect.Type]bool{})
	// A big slice whose elements encode the same wherever they start (the
	// page list) is written in blocks of sliceBlock elements, each
	// prefixed by its byte length, so the decoder can hand blocks to
	// goroutines: decoding 100k pages' strings and sections into Go
	// structs was the largest single item of a restart, on one core.
	blocked := func(n int) bool { return n >= parallelSliceMin && !aligned }
	c.enc = func(e *encoder, p unsafe.Pointer) {
		h := (*sliceHeader)(p)
		if h.data == nil {
			e.uvarint(0)
			return
		}
		e.uvarint(uint64(h.len) + 1)
		if !blocked(h.len) {
			for i := range h.len {
				ec.enc(e, unsafe.Add(h.data, i*size))
			}
			return
		}
		var buf bytes.Buffer
		for lo := 0; lo < h.len && e.err == nil; lo += sliceBlock {
			buf.Reset()
			be := &encoder{w: bufio.NewWriter(&buf)}
			for i := lo; i < min(lo+sliceBlock, h.len); i++ {
				ec.enc(be, unsafe.Add(h.data, i*size))
			}
			if be.err == nil {
				be.err = be.w.Flush()
			}
			if be.err != nil {
				e.err = be.err
				return
			}
			e.uvarint(uint64(buf.Len()))
			e.write(buf.Bytes())
		}
	}
	c.dec = func(d *decoder, p unsafe.Pointer) {
		n := d.uvarint()
		if n == 0 {
			return
		}
		if n-1 > uint64(len(d.data)-d.off) || !d.alloc((n-1)*uint64(size)) {
			d.fail()
			return
		}
		h := sliceHeader{data: d.slab(t, int(n-1)), len: int(n - 1), cap: int(n - 1)}
		if h.data == nil {
			h.data = unsafe.Pointer(&emptyData)
		}
		if !blocked(h.len) {
			for i := range h.len {
				ec.dec(d, unsafe.Add(h.data, i*size))
			}
		} else {
			decodeBlocks(d, ec, h, size)
		}
		*(*sliceHeader)(p) = h
	}
}

// encodesAligned reports whether values of t may be encoded with
// alignment padding (a raw slice somewhere inside), so that their bytes
// depend on where in the file they start: such values cannot be encoded
// apart and spliced in.
func encodesAligned(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] {
		return false // already being looked at (a recursive type)
	}
	seen[t] = true
	switch {
	case t == typeTime || t == typeLanguage || t.PkgPath() == "sync" || isRaw(t):
		return false
	}
	switch t.Kind() {
	case reflect.Slice:
		return isRaw(t.Elem()) || encodesAligned(t.Elem(), seen)
	case reflect.Array, reflect.Pointer:
		return encodesAligned(t.Elem(), seen)
	case reflect.Map:
		return encodesAligned(t.Key(), seen) || encodesAligned(t.Elem(), seen)
	case reflect.Struct:
		for i := range t.NumField() {
			if encodesAligned(t.Field(i).Type, seen) {
				return true
			}
		}
	}
	return false
}

// Big slices: blocks of sliceBlock elements from parallelSliceMin on
// (both part of the file format: change them and bump persistFormat).
const (
	parallelSliceMin = 4096
	sliceBlock       = 2048
)

// decodeBlocks decodes the blocks of a big slice into h's elements on
// GOMAXPROCS goroutines (this one included); the others are waited for
// with the map builders (decoder.wait). Each goroutine has its own
// decoder (offsets, slabs) and shares the allocation budget.
func decodeBlocks(d *decoder, ec *codec, h sliceHeader, size int) {
	type block struct {
		body  []byte
		first int
	}
	blocks := make([]block, 0, (h.len+sliceBlock-1)/sliceBlock)
	for lo := 0; lo < h.len; lo += sliceBlock {
		body := d.take(d.length())
		if d.err != nil {
			return
		}
		blocks = append(blocks, block{body, lo})
	}
	var next atomic.Int64
	work := func() error {
		sub := &decoder{budget: d.budget}
		for {
			i := int(next.Add(1) - 1)
			if i >= len(blocks) {
				break
			}
			b := blocks[i]
			sub.data, sub.off = b.body, 0
			for j := b.first; j < min(b.first+sliceBlock, h.len); j++ {
				ec.dec(sub, unsafe.Add(h.data, j*size))
			}
			if sub.err != nil || sub.off != len(b.body) {
				return errCorrupt
			}
		}
		sub.wait()
		return sub.err
	}
	guarded := func() {
		defer func() {
			// Same policy as decodeIndex: an error, never a crash.
			if r := recover(); r != nil {
				d.setSubErr(errCorrupt)
			}
		}()
		if err := work(); err != nil {
			d.setSubErr(err)
		}
	}
	for range min(runtime.GOMAXPROCS(0), len(blocks)) - 1 {
		d.wg.Go(guarded)
	}
	guarded()
}

func (cs *codecSet) arrayCodec(c *codec, t reflect.Type, path string) {
	ec, size, n := cs.of(t.Elem(), path+"[]"), t.Elem().Size(), t.Len()
	c.enc = func(e *encoder, p unsafe.Pointer) {
		for i := range n {
			ec.enc(e, unsafe.Add(p, uintptr(i)*size))
		}
	}
	c.dec = func(d *decoder, p unsafe.Pointer) {
		for i := range n {
			ec.dec(d, unsafe.Add(p, uintptr(i)*size))
		}
	}
}

func (cs *codecSet) pointerCodec(c *codec, t reflect.Type, path string) {
	ec := cs.of(t.Elem(), "*"+path)
	c.enc = func(e *encoder, p unsafe.Pointer) {
		q := *(*unsafe.Pointer)(p)
		if q == nil {
			e.uvarint(0)
			return
		}
		e.uvarint(1)
		ec.enc(e, q)
	}
	c.dec = func(d *decoder, p unsafe.Pointer) {
		if d.uvarint() == 0 {
			return
		}
		if !d.alloc(uint64(t.Elem().Size())) {
			return
		}
		q := reflect.New(t.Elem()).UnsafePointer()
		ec.dec(d, q)
		*(*unsafe.Pointer)(p) = q
	}
}

// mapCodec writes 0 for nil, else 1+len and the entries. map[string]int32
// has a direct path (entries in map order: the file is not
// byte-reproducible, which nothing needs, and its entries are not aligned,
// so the size does not depend on the order); the index keeps its big
// lookup tables in strTables now, but the path stays for any such map.
func (cs *codecSet) mapCodec(c *codec, t reflect.Type, path string) {
	if t == typeStrI32 {
		c.enc = func(e *encoder, p unsafe.Pointer) {
			m := *(*map[string]int32)(p)
			if m == nil {
				e.uvarint(0)
				return
			}
			// Entries are prefixed by their byte length, so the decoder can
			// hand them to a goroutine and go on.
			var body []byte
			for k, v := range m {
				body = binary.AppendUvarint(body, uint64(len(k)))
				body = append(body, k...)
				body = binary.AppendVarint(body, int64(v))
			}
			e.uvarint(uint64(len(m)) + 1)
			e.uvarint(uint64(len(body)))
			e.write(body)
		}
		c.dec = func(d *decoder, p unsafe.Pointer) {
			n := d.uvarint()
			if n == 0 {
				return
			}
			body := d.take(d.length())
			// An entry is at least 2 bytes; a map costs ~48 bytes an entry.
			if n-1 > uint64(len(body))/2 || !d.alloc((n-1)*48) {
				d.fail()
				return
			}
			build := func() error {
				sub := &decoder{data: body}
				m := make(map[string]int32, n-1)
				for range n - 1 {
					k := sub.str()
					m[k] = int32(sub.varint())
				}
				if sub.err != nil || sub.off != len(body) {
					return errCorrupt
				}
				*(*map[string]int32)(p) = m
				return nil
			}
			if n < parallelMapMin || d.inCopy > 0 {
				if build() != nil {
					d.fail()
				}
				return
			}
			d.wg.Go(func() {
				defer func() {
					// Same policy as decodeIndex: an error, never a crash.
					if r := recover(); r != nil {
						d.mu.Lock()
						d.subErr = errCorrupt
						d.mu.Unlock()
					}
				}()
				if err := build(); err != nil {
					d.mu.Lock()
					d.subErr = err
					d.mu.Unlock()
				}
			})
		}
		return
	}
	kc, vc := cs.of(t.Key(), path+"[key]"), cs.of(t.Elem(), path+"[]")
	c.enc = func(e *encoder, p unsafe.Pointer) {
		m := reflect.NewAt(t, p).Elem()
		if m.IsNil() {
			e.uvarint(0)
			return
		}
		e.uvarint(uint64(m.Len()) + 1)
		// In the order of the keys' encodings, not map order: values may
		// hold aligned arrays (a strTable per language), whose padding
		// depends on what came before, so map order would change the
		// file's size from one write of the same index to the next.
		type entry struct {
			sortKey string
			k, v    reflect.Value
		}
		entries := make([]entry, 0, m.Len())
		it := m.MapRange()
		for it.Next() {
			k, v := reflect.New(t.Key()), reflect.New(t.Elem())
			k.Elem().SetIterKey(it)
			v.Elem().SetIterValue(it)
			var kb bytes.Buffer
			ke := &encoder{w: bufio.NewWriter(&kb)}
			kc.enc(ke, k.UnsafePointer())
			ke.w.Flush()
			entries = append(entries, entry{kb.String(), k, v})
		}
		sort.Slice(entries, func(i, j int) bool { return entries[i].sortKey < entries[j].sortKey })
		for _, en := range entries {
			kc.enc(e, en.k.UnsafePointer())
			vc.enc(e, en.v.UnsafePointer())
		}
	}
	c.dec = func(d *decoder, p unsafe.Pointer) {
		n := d.uvarint()
		if n == 0 {
			return
		}
		if n-1 > uint64(len(d.data)-d.off) || !d.alloc((n-1)*uint64(t.Key().Size()+t.Elem().Size()+8)) {
			d.fail()
			return
		}
		m := reflect.MakeMapWithSize(t, int(n-1))
		for range n - 1 {
			k, v := reflect.New(t.Key()), reflect.New(t.Elem())
			d.inCopy++
			kc.dec(d, k.UnsafePointer())
			vc.dec(d, v.UnsafePointer())
			d.inCopy--
			if d.err != nil {
				return
			}
			m.SetMapIndex(k.Elem(), v.Elem())
		}
		reflect.NewAt(t, p).Elem().Set(m)
	}
}

// Times keep their instant and zone: 0 = zero time, 1 = UTC, 2 = Local,
// 3 = fixed zone (name, offset).
func encTime(e *encoder, p unsafe.Pointer) {
	t := *(*time.Time)(p)
	switch {
	case t.IsZero() && t.Location() == time.UTC:
		e.uvarint(0)
		return
	case t.Location() == time.UTC:
		e.uvarint(1)
	case t.Location() == time.Local:
		e.uvarint(2)
	default:
		e.uvarint(3)
		name, off := t.Zone()
		e.str(name)
		e.varint(int64(off))
	}
	e.varint(t.Unix())
	e.uvarint(uint64(t.Nanosecond()))
}

func decTime(d *decoder, p unsafe.Pointer) {
	kind := d.uvarint()
	if kind == 0 {
		return
	}
	var loc *time.Location
	switch kind {
	case 1:
		loc = time.UTC
	case 2:
		loc = time.Local
	case 3:
		name := d.str()
		loc = time.FixedZone(name, int(d.varint()))
	default:
		d.fail()
		return
	}
	sec, nsec := d.varint(), d.uvarint()
	if nsec >= 1e9 {
		d.fail()
		return
	}
	*(*time.Time)(p) = time.Unix(sec, int64(nsec)).In(loc)
}
