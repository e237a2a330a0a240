package bigmem

import (
	"syscall"
	"unsafe"
)

// madvHugepage is MADV_HUGEPAGE, the same on every Linux architecture.
const madvHugepage = 14

// madvise is the system call, replaced by tests of the fallback.
var madvise = syscall.Madvise

// adviseHuge asks for transparent huge pages on the whole huge pages inside
// b, and reports whether the kernel took the advice. It fails harmlessly
// (a kernel built without THP says EINVAL, "never" mode ignores it): the
// buffer is then backed by ordinary pages, as without the advice.
func adviseHuge(b []byte) bool {
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	start, end := hugeRange(p, uintptr(len(b)))
	if end == start {
		return false
	}
	region := unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(b)), start-p)), end-start)
	return madvise(region, madvHugepage) == nil
}
