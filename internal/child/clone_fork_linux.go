//go:build !amd64 && !arm64

package child

import "syscall"

// vforkFlags are none where rawClone has no assembly: a plain fork.
const vforkFlags = 0

// rawClone is clone(2) with flags and no new stack.
//
//go:nosplit
func rawClone(flags uintptr) (pid, errno uintptr) {
	r1, _, err := syscall.RawSyscall6(syscall.SYS_CLONE, flags, 0, 0, 0, 0, 0)
	return r1, uintptr(err)
}
