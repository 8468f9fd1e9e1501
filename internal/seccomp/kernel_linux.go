package seccomp

import (
	"fmt"
	"sync"

	"golang.org/x/sys/unix"
)

// runningKernel returns the version of the kernel this process runs on,
// which rules' MinKernel conditions are compared with. It is read once.
var runningKernel = sync.OnceValues(func() (KernelVersion, error) {
	var uts unix.Utsname
	if err := unix.Uname(&uts); err != nil {
		return KernelVersion{}, fmt.Errorf("uname: %w", err)
	}
	return parseKernelRelease(unix.ByteSliceToString(uts.Release[:]))
})
