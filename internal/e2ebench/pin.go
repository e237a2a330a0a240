package e2ebench

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"syscall"
	"unsafe"
)

// Pinning puts Caddy and the load generator on different cores, so that
// neither steals the other's CPU and "Caddy CPU per request" is the whole
// story of what Caddy costs (the issue-13 bench: Caddy on one core, the
// client on the other). Linux only; Run reports whether it pinned.

// caddyCPU and clientCPU are the cores used when pinning.
const caddyCPU, clientCPU = 0, 1

// canPin reports whether there are two cores and taskset to pin with.
func canPin() bool {
	if runtime.GOOS != "linux" || runtime.NumCPU() < 2 {
		return false
	}
	_, err := exec.LookPath("taskset")
	return err == nil
}

// caddyCommand runs bin with args, on caddyCPU when pin is set (taskset
// execs the binary, so every thread Caddy starts inherits the mask and its
// runtime sizes GOMAXPROCS to 1).
func caddyCommand(pin bool, bin string, args ...string) *exec.Cmd {
	if !pin {
		return exec.Command(bin, args...)
	}
	return exec.Command("taskset", append([]string{"-c", strconv.Itoa(caddyCPU), bin}, args...)...)
}

// pinSelf moves every thread of this process to cpu; threads started later
// are cloned from these and inherit it.
func pinSelf(cpu int) error {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return err
	}
	var mask [16]uint64
	mask[cpu/64] |= 1 << (cpu % 64)
	for _, t := range tasks {
		tid, err := strconv.Atoi(t.Name())
		if err != nil {
			continue
		}
		_, _, errno := syscall.RawSyscall(syscall.SYS_SCHED_SETAFFINITY, uintptr(tid), unsafe.Sizeof(mask), uintptr(unsafe.Pointer(&mask)))
		if errno != 0 && errno != syscall.ESRCH {
			return fmt.Errorf("sched_setaffinity(%d): %v", tid, errno)
		}
	}
	return nil
}
