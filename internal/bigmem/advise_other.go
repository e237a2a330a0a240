//go:build !linux

package bigmem

// adviseHuge does nothing where transparent huge pages cannot be asked
// for: the buffer is ordinary memory.
func adviseHuge([]byte) bool { return false }
