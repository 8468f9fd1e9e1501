package seccomp

import (
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Install loads filter into the kernel for the calling OS thread, with
// seccomp(SECCOMP_SET_MODE_FILTER) and no flags: unlike
// SECCOMP_FILTER_FLAG_TSYNC, other threads of the process are not filtered.
// Call it in the re-executed child, on a goroutine locked with
// runtime.LockOSThread, right before execve from that thread; the filter is
// inherited across execve and by every thread and process the thread
// creates afterwards, and cannot be removed.
//
// The kernel accepts the filter if the thread has set no_new_privs
// (prctl(PR_SET_NO_NEW_PRIVS, 1)) or has CAP_SYS_ADMIN; otherwise the error
// wraps EACCES. A program the kernel rejects gives an error wrapping
// EINVAL.
func Install(filter []unix.SockFilter) error {
	if len(filter) == 0 || len(filter) > maxInstructions {
		return fmt.Errorf("install seccomp filter of %d instructions: %w", len(filter), ErrInvalidFilter)
	}
	prog := unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
	_, _, errno := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, 0, uintptr(unsafe.Pointer(&prog)))
	runtime.KeepAlive(filter)
	if errno != 0 {
		return fmt.Errorf("install seccomp filter: %w", errno)
	}
	return nil
}
